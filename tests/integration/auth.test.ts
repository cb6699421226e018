/** Sign-in checks against a real (PGlite) database: SIWE with viem keys, SIWS with @solana/kit keys. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateKeyPairSigner, signBytes, type KeyPairSigner } from "@solana/kit";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMerchantAddress } from "@/lib/auth/admins";
import { createSignInNonce } from "@/lib/auth/mutations";
import { signSession, verifySession } from "@/lib/auth/session";
import { verifySignIn } from "@/lib/auth/sign-in";
import { createSiwsMessage } from "@/lib/auth/siws";
import { openDatabase, type Database } from "@/lib/database/client";
import { applyMigrations } from "@/lib/database/migrations";
import { TollgateError } from "@/lib/errors";

const merchant = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const stranger = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
const DOMAIN = "shop.example";
const ORIGIN = `https://${DOMAIN}`;
let db: Database;
let tmp: string;
let solMerchant: KeyPairSigner;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-auth-"));
  const target = { kind: "pglite" as const, dataDir: path.join(tmp, "db") };
  await applyMigrations(target);
  db = await openDatabase(target);
  solMerchant = await generateKeyPairSigner();
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const admins = () => [merchant.address.toLowerCase(), solMerchant.address];
const code = async (p: Promise<unknown>) => p.then(() => "ok", (e) => (e instanceof TollgateError ? `${e.status} ${e.code}` : `other ${e}`));

async function siwe(account = merchant, overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}) {
  const { nonce } = await createSignInNonce(db.prisma);
  const message = createSiweMessage({ domain: DOMAIN, address: account.address, uri: `https://${DOMAIN}`, version: "1", chainId: 31337, nonce, issuedAt: new Date(), ...overrides });
  return { kind: "evm" as const, message, signature: await account.signMessage({ message }) };
}

async function siws(signer: KeyPairSigner, domain = DOMAIN) {
  const { nonce } = await createSignInNonce(db.prisma);
  const message = createSiwsMessage({ domain, address: signer.address, uri: `https://${domain}`, version: "1", chainId: "mainnet", nonce, issuedAt: new Date().toISOString() });
  const signature = await signBytes(signer.keyPair.privateKey, new TextEncoder().encode(message));
  return { kind: "solana" as const, message, signature: Buffer.from(signature).toString("base64") };
}

describe("Sign-In With Ethereum", () => {
  it("signs in a merchant", async () => {
    const result = await verifySignIn(db.prisma, await siwe(), { origin: ORIGIN, admins: admins() });
    expect(result).toEqual({ address: merchant.address, kind: "evm", domain: DOMAIN });
  });

  it("refuses a replayed message (nonce used once)", async () => {
    const request = await siwe();
    await verifySignIn(db.prisma, request, { origin: ORIGIN, admins: admins() });
    expect(await code(verifySignIn(db.prisma, request, { origin: ORIGIN, admins: admins() }))).toBe("401 unauthorized");
  });

  it("refuses a nonce it never issued, another domain, an expired message and a forged signature", async () => {
    const unknownNonce = createSiweMessage({ domain: DOMAIN, address: merchant.address, uri: `https://${DOMAIN}`, version: "1", chainId: 1, nonce: "abcdef0123456789", issuedAt: new Date() });
    expect(await code(verifySignIn(db.prisma, { kind: "evm", message: unknownNonce, signature: await merchant.signMessage({ message: unknownNonce }) }, { origin: ORIGIN, admins: admins() }))).toBe("401 unauthorized");
    expect(await code(verifySignIn(db.prisma, await siwe(merchant, { domain: "evil.example" }), { origin: ORIGIN, admins: admins() }))).toBe("401 unauthorized");
    // The right domain but a URI on another origin (a relayed message) is not this site's either.
    expect(await code(verifySignIn(db.prisma, await siwe(merchant, { uri: "https://evil.example/login" }), { origin: ORIGIN, admins: admins() }))).toBe("401 unauthorized");
    expect(await code(verifySignIn(db.prisma, await siwe(merchant, { uri: "http://shop.example" }), { origin: ORIGIN, admins: admins() }))).toBe("401 unauthorized");
    expect(await code(verifySignIn(db.prisma, await siwe(merchant, { expirationTime: new Date(Date.now() - 1000) }), { origin: ORIGIN, admins: admins() }))).toBe("401 unauthorized");
    const forged = await siwe();
    forged.signature = await stranger.signMessage({ message: forged.message });
    expect(await code(verifySignIn(db.prisma, forged, { origin: ORIGIN, admins: admins() }))).toBe("401 unauthorized");
  });

  it("refuses a valid signer who is not a merchant", async () => {
    expect(await code(verifySignIn(db.prisma, await siwe(stranger), { origin: ORIGIN, admins: admins() }))).toBe("403 forbidden");
  });
});

describe("Sign-In With Solana", () => {
  it("signs in a merchant with an Ed25519 signature", async () => {
    expect(await verifySignIn(db.prisma, await siws(solMerchant), { origin: ORIGIN, admins: admins() })).toEqual({ address: solMerchant.address, kind: "solana", domain: DOMAIN });
  });

  it("refuses another domain, a signature by another key, and a stranger", async () => {
    expect(await code(verifySignIn(db.prisma, await siws(solMerchant, "evil.example"), { origin: ORIGIN, admins: admins() }))).toBe("401 unauthorized");
    const other = await generateKeyPairSigner();
    const request = await siws(solMerchant);
    const sig = await signBytes(other.keyPair.privateKey, new TextEncoder().encode(request.message));
    expect(await code(verifySignIn(db.prisma, { ...request, signature: Buffer.from(sig).toString("base64") }, { origin: ORIGIN, admins: admins() }))).toBe("401 unauthorized");
    expect(await code(verifySignIn(db.prisma, await siws(other), { origin: ORIGIN, admins: admins() }))).toBe("403 forbidden");
  });

  it("refuses, as not signed in, a correctly signed message whose nonce is no nonce (no database error)", async () => {
    // Anyone can sign any text with their own key: the nonce is attacker-chosen until checked.
    for (const nonce of ["abc\u0000defgh", "short", "with space", "x".repeat(5000), "ünïcödé00"]) {
      const message = createSiwsMessage({ domain: DOMAIN, address: solMerchant.address, uri: `https://${DOMAIN}`, version: "1", chainId: "mainnet", nonce, issuedAt: new Date().toISOString() });
      const signature = await signBytes(solMerchant.keyPair.privateKey, new TextEncoder().encode(message));
      const request = { kind: "solana" as const, message: message.slice(0, 4096), signature: Buffer.from(signature).toString("base64") };
      expect(await code(verifySignIn(db.prisma, request, { origin: ORIGIN, admins: admins() })), JSON.stringify(nonce.slice(0, 20))).toBe("401 unauthorized");
    }
  });
});

describe("sessions and merchants", () => {
  const key = new TextEncoder().encode("k".repeat(32));
  it("verify what they sign, and nothing tampered or expired", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signSession({ address: merchant.address, kind: "evm", domain: DOMAIN, expiresAt: now + 60 }, key);
    expect(await verifySession(token, key, [DOMAIN])).toEqual({ address: merchant.address, kind: "evm", domain: DOMAIN, expiresAt: now + 60 });
    expect(await verifySession(token, new TextEncoder().encode("x".repeat(32)), [DOMAIN])).toBeNull();
    expect(await verifySession(token, key, [DOMAIN], new Date((now + 61) * 1000))).toBeNull();
    expect(await verifySession(token.slice(0, -3) + "abc", key, [DOMAIN])).toBeNull();
  });

  it("hold only on the domain they were issued for; a session without a domain is refused", async () => {
    const now = Math.floor(Date.now() / 1000);
    const evil = await signSession({ address: merchant.address, kind: "evm", domain: "evil.example", expiresAt: now + 60 }, key);
    expect(await verifySession(evil, key, [DOMAIN])).toBeNull();
    // A token as issued before sessions carried their domain (same claims, no `dom`).
    const { SignJWT } = await import("jose");
    const legacy = await new SignJWT({ knd: "evm" }).setProtectedHeader({ alg: "HS256" }).setIssuer("tollgate").setAudience("tollgate-dashboard").setSubject(merchant.address).setIssuedAt().setExpirationTime(now + 60).sign(key);
    expect(await verifySession(legacy, key, [DOMAIN])).toBeNull();
  });

  it("compare EVM addresses without case and Solana addresses exactly", () => {
    expect(isMerchantAddress(merchant.address.toLowerCase(), [merchant.address])).toBe(true);
    expect(isMerchantAddress(solMerchant.address, [solMerchant.address.toLowerCase()])).toBe(false);
    expect(isMerchantAddress(stranger.address, [merchant.address])).toBe(false);
  });
});

