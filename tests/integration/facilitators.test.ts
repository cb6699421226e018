/**
 * A fallback facilitator (issue 10): the built app under `next start` on PostgreSQL, with
 * FACILITATOR_URL pointing at the real devnet facilitator through a switchboard (to take it
 * down on cue) and FACILITATOR_FALLBACK_URL at the same facilitator directly. Buyers pay with the
 * official client; balances are read from the chain, rows from the database.
 */
import { generateKeyPairSync, verify as verifySignature, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { balanceOf, testKey } from "@/scripts/devnet/chain";
import { startNext } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { findPostgresBin } from "../support/postgres";
import { sessionCookie } from "../support/session";
import { startPostgresStack, type Stack } from "../support/stack";
import { startSwitchboard } from "../support/switchboard";

const pgBin = findPostgresBin();
if (!pgBin && process.env.CI === "true") throw new Error("CI=true: the facilitator tests need PostgreSQL binaries (install postgresql)");
const startStack = (appEnv: Parameters<typeof startPostgresStack>[1]) => startPostgresStack(pgBin!, appEnv);

describe.skipIf(!pgBin)("a fallback facilitator takes over when the primary is down (PostgreSQL)", () => {
  let stack: Stack;
  let primary: Awaited<ReturnType<typeof startSwitchboard>>;
  const buyer = (i: number) => stack.buyer(i);
  const balance = (owner: string) => stack.balance(owner);
  const pay = (i: number) => stack.pay(i);
  const lastRowOf = (payer: string) => stack.db.prisma.payment.findFirst({ where: { payer: { equals: payer, mode: "insensitive" } }, orderBy: { createdAt: "desc" } });

  beforeAll(async () => {
    stack = await startStack(async (devnet) => {
      primary = await startSwitchboard(devnet.config.facilitatorUrl);
      return {
        FACILITATOR_URL: primary.url,
        FACILITATOR_FALLBACK_URL: devnet.config.facilitatorUrl,
        FACILITATOR_TIMEOUT_MS: "5000",
        SETTLEMENT_CHECK_MS: "500",
        AUTH_SECRET: "integration-facilitators-secret-0123456789",
      };
    });
    // The x402 services are made by whichever bundle asks first: here a route handler's (/readyz),
    // not the proxy's that settles with them. Which facilitator settled must still be recorded.
    expect((await fetch(`${stack.app.url}/readyz`)).status).toBe(200);
  });

  afterAll(async () => {
    await stack?.stop();
    await primary?.close().catch(() => {});
  });

  it("settles through the primary while it is up, and records so", async () => {
    const before = await balance(buyer(0).address);
    expect((await pay(0)).status).toBe(200);
    expect(await balance(buyer(0).address)).toBe(before - 10_000n);
    expect(await lastRowOf(buyer(0).address)).toMatchObject({ status: "settled", facilitator: "primary" });
  });

  it("never sends a settlement that reached the primary to the fallback: an error answer leaves it to the chain", async () => {
    primary.setMode("http-error");
    const before = await balance(buyer(1).address);
    const res = await pay(1);
    // Verify went to the fallback (the primary answered 500); the settle reached the primary, so
    // its outcome is unknown and only the chain can say: nothing moved, nothing is served.
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe("settlement_pending");
    expect(await balance(buyer(1).address)).toBe(before);
    expect(await lastRowOf(buyer(1).address)).toMatchObject({ status: "unknown" });
    primary.setMode("pass");
  });

  it("verifies and settles through the fallback when the primary refuses connections, and records which settled", async () => {
    await primary.close();
    const before = await balance(buyer(2).address);
    const res = await pay(2);
    expect(res.status).toBe(200);
    expect(res.headers.get("payment-response")).not.toBeNull();
    expect(await balance(buyer(2).address)).toBe(before - 10_000n);
    const row = await lastRowOf(buyer(2).address);
    expect(row).toMatchObject({ status: "settled", facilitator: "fallback" });
    expect(row!.transaction).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe.skipIf(!pgBin)("a self-hosted facilitator settles with no third party (PostgreSQL)", () => {
  let stack: Stack;
  // An anvil account of its own (it holds ETH for gas), not the devnet facilitator's.
  const gasKey = testKey(6);
  /** One JSON-RPC call to the devnet's anvil; its `result`. */
  const rpc = (method: string, params: unknown[] = []) =>
    fetch(stack.devnet.config.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) }).then(async (r) => (await r.json()).result);

  beforeAll(async () => {
    // No FACILITATOR_URL: the app verifies and settles itself on every chain in EVM_CHAINS.
    stack = await startStack(async () => ({ FACILITATOR_URL: "", FACILITATOR_EVM_PRIVATE_KEY: gasKey, AUTH_SECRET: "integration-self-hosted-secret-0123456789" }));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("moves the money on the local chain with its own gas account, and records the payment settled", async () => {
    const { devnet, db, buyer, balance } = stack;
    const [before, merchantBefore] = [await balance(buyer(0).address), await balance(devnet.config.payTo)];
    expect((await stack.pay(0)).status).toBe(200);
    expect(await balance(buyer(0).address)).toBe(before - 10_000n);
    expect(await balance(devnet.config.payTo)).toBe(merchantBefore + 10_000n);
    const row = await db.prisma.payment.findFirst({ where: { payer: { equals: buyer(0).address, mode: "insensitive" } } });
    expect(row).toMatchObject({ status: "settled" });
    // The settlement transaction was sent by Tollgate's own gas account.
    const tx = await rpc("eth_getTransactionByHash", [row!.transaction]);
    expect(tx.from.toLowerCase()).toBe(privateKeyToAccount(gasKey).address.toLowerCase());
    // On PostgreSQL the gas account's next nonce is kept in the database, for every instance.
    const nonce = await db.prisma.gasNonce.findUnique({ where: { network_address: { network: devnet.config.network, address: privateKeyToAccount(gasKey).address } } });
    expect(nonce?.next).toBe(Number.parseInt(tx.nonce, 16) + 1);
  });

  it("a settlement stuck under a base fee that rose past its fee cap is sent again while the buyer waits: the buyer gets the content, the row names the re-send", { timeout: 120_000 }, async () => {
    const { devnet, db, balance } = stack;
    const gas = privateKeyToAccount(gasKey).address.toLowerCase();
    type Pooled = { hash: string; maxFeePerGas: string };
    const pooled = async (): Promise<Pooled[]> => {
      const pool = (await rpc("txpool_content")) as { pending: Record<string, Record<string, Pooled>> };
      return Object.entries(pool.pending).flatMap(([from, byNonce]) => (from.toLowerCase() === gas ? Object.values(byNonce) : []));
    };
    const merchantBefore = await balance(devnet.config.payTo);
    await rpc("evm_setAutomine", [false]);
    try {
      const paying = stack.pay(1);
      await expect.poll(async () => (await pooled()).length, { timeout: 60_000 }).toBe(1);
      const [original] = await pooled();
      // The next block's base fee passes the settlement's fee cap: it comes without it.
      await rpc("anvil_setNextBlockBaseFeePerGas", [`0x${(BigInt(original!.maxFeePerGas) + 1n).toString(16)}`]);
      await rpc("evm_mine");
      // Halfway through FACILITATOR_TIMEOUT_MS (20 s here), not after it: sent again, same nonce.
      await expect.poll(async () => (await pooled()).filter((t) => t.hash !== original!.hash).length, { timeout: 60_000 }).toBe(1);
      const [resent] = await pooled();
      await rpc("evm_mine");
      const response = await paying;
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveProperty("text");
      expect(await balance(devnet.config.payTo)).toBe(merchantBefore + 10_000n);
      expect(await db.prisma.payment.findFirst({ where: { transaction: resent!.hash } })).toMatchObject({ status: "settled" });
    } finally {
      await rpc("evm_setAutomine", [true]);
      await rpc("anvil_setNextBlockBaseFeePerGas", ["0x3b9aca00"]);
      await rpc("evm_mine");
    }
  });

  it("a second instance with the same gas key: concurrent payments spread over both are each served and charged once, the gas account's nonces taken in turn", { timeout: 180_000 }, async () => {
    const { devnet, db, buyer, balance } = stack;
    const gas = privateKeyToAccount(gasKey).address;
    const port = await freePort();
    // One deployment: the second instance answers to the first one's public origin.
    const second = await startNext({ mode: "start", port, env: { ...stack.env, PUBLIC_URL: stack.app.url, PUBLIC_ORIGINS: `http://127.0.0.1:${port}` } });
    try {
      const merchantBefore = await balance(devnet.config.payTo);
      const buyersBefore = await Promise.all([0, 1, 2, 3, 4].map((i) => balance(buyer(i).address)));
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => stack.pay(i % 5, i % 2 ? second.url : stack.app.url).then((r) => r.status)));
      expect(answers).toEqual(Array(20).fill(200));
      expect(await balance(devnet.config.payTo)).toBe(merchantBefore + 20n * 10_000n);
      for (const i of [0, 1, 2, 3, 4]) expect(await balance(buyer(i).address)).toBe(buyersBefore[i]! - 4n * 10_000n);
      const mined = Number.parseInt(await rpc("eth_getTransactionCount", [gas, "latest"]), 16);
      expect(Number.parseInt(await rpc("eth_getTransactionCount", [gas, "pending"]), 16)).toBe(mined);
      const nonce = await db.prisma.gasNonce.findUnique({ where: { network_address: { network: devnet.config.network, address: gas } } });
      expect(nonce?.next).toBe(mined);
    } finally {
      await second.stop();
    }
  });

  it("shows its gas account's balance on the dashboard, and warns when it runs low", async () => {
    const { devnet, app } = stack;
    const gas = privateKeyToAccount(gasKey).address;
    const cookie = await sessionCookie("integration-self-hosted-secret-0123456789", devnet.config.payTo, app.url);
    // Server-rendered HTML; React separates adjacent text with <!-- --> markers.
    const page = async () => (await (await fetch(`${app.url}/dashboard`, { headers: { cookie } })).text()).replaceAll("<!-- -->", "");
    const before = await page();
    expect(before).toContain("Facilitator accounts");
    expect(before).toContain(gas);
    expect(before).not.toContain("Low balance");
    const rpc = (method: string, params: unknown[]) => fetch(devnet.config.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    await rpc("anvil_setBalance", [gas, "0x38d7ea4c68000"]); // 0.001 ETH
    expect(await page()).toContain(`Low balance on eip155:${devnet.config.chainId}`);
  });
});

/**
 * A stand-in for Coinbase CDP's facilitator: the real one cannot be reached from here (offline
 * machine), so this checks what CDP checks on each call, the Bearer JWT that @coinbase/x402 makes
 * (EdDSA signature by the API key, `sub` = key id, `iss` = "cdp", unexpired, `uris` naming this
 * very call on api.cdp.coinbase.com), then forwards the call to the real devnet facilitator.
 */
async function startCdpStandIn(target: string, apiKeyId: string, publicKey: KeyObject) {
  const seen: { path: string; ok: boolean; reason?: string }[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? "").replace(/^\/platform\/v2\/x402/, "");
    const refuse = (reason: string) => {
      seen.push({ path, ok: false, reason });
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ errorType: "unauthorized", errorMessage: reason }));
    };
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token) return refuse("no bearer token");
    const [header, payload, signature] = token.split(".");
    if (!header || !payload || !signature) return refuse("not a JWT");
    if (JSON.parse(Buffer.from(header, "base64url").toString()).alg !== "EdDSA") return refuse("not EdDSA");
    if (!verifySignature(null, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"))) return refuse("bad signature");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    if (claims.sub !== apiKeyId || claims.iss !== "cdp") return refuse("wrong key id or issuer");
    if (!(claims.exp > Date.now() / 1000)) return refuse("expired");
    const uri = `${req.method} api.cdp.coinbase.com/platform/v2/x402${path}`;
    if (!Array.isArray(claims.uris) || !claims.uris.includes(uri)) return refuse(`JWT is not for ${uri}`);
    seen.push({ path, ok: true });
    const upstream = await fetch(`${target}${path}`, { method: req.method, headers: { "content-type": "application/json" }, body: req.method === "POST" ? Buffer.concat(chunks) : undefined });
    res.writeHead(upstream.status, { "content-type": "application/json" });
    res.end(await upstream.text());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/platform/v2/x402`, seen, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe.skipIf(!pgBin)("Coinbase CDP's facilitator, with the per-call JWT @coinbase/x402 makes (local stand-in; PostgreSQL)", () => {
  let stack: Stack;
  let cdp: Awaited<ReturnType<typeof startCdpStandIn>>;
  const apiKeyId = "organizations/test-org/apiKeys/test-key";

  beforeAll(async () => {
    stack = await startStack(async (devnet) => {
      // A CDP API key of the Ed25519 kind: base64 of the 32-byte seed followed by the public key.
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
      const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
      cdp = await startCdpStandIn(devnet.config.facilitatorUrl, apiKeyId, publicKey);
      return {
        FACILITATOR_URL: cdp.url,
        CDP_API_KEY_ID: apiKeyId,
        CDP_API_KEY_SECRET: Buffer.concat([seed, raw]).toString("base64"),
        AUTH_SECRET: "integration-cdp-secret-0123456789abcdef",
      };
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await cdp?.close();
  });

  it("signs every facilitator call with a fresh JWT for that call, and the payment settles", async () => {
    const before = await stack.balance(stack.buyer(0).address);
    expect((await stack.pay(0)).status).toBe(200);
    expect(await stack.balance(stack.buyer(0).address)).toBe(before - 10_000n);
    expect(cdp.seen.filter((c) => !c.ok)).toEqual([]);
    expect(cdp.seen.map((c) => c.path)).toEqual(expect.arrayContaining(["/supported", "/verify", "/settle"]));
  });
});
