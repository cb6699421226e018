/**
 * The Sign-In With Solana message parser and verifier (lib/auth/siws.ts) under generated input:
 * real Ed25519 keys from @solana/kit sign whatever the generators make, the way an attacker signs
 * their own hostile messages.
 */
import fc from "fast-check";
import { generateKeyPairSigner, getAddressDecoder, signBytes, type KeyPairSigner } from "@solana/kit";
import { beforeAll, describe, expect, it } from "vitest";
import { createSiwsMessage, parseSiwsMessage, verifySiws, type SiwsFields } from "@/lib/auth/siws";

const NONCE = /^[A-Za-z0-9]{8,}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

let signer: KeyPairSigner;
beforeAll(async () => {
  signer = await generateKeyPairSigner();
});

const sign = async (message: string) => signBytes(signer.keyPair.privateKey, new TextEncoder().encode(message));

/** Text an attacker may put in a field: any Unicode, NUL, control characters, lone surrogates. */
const hostileText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 24 }),
  fc.string({ unit: fc.constantFrom("\u0000", "\n", "\r", "\t", " ", "\ud800", "a", "Z", "9", ":", "-", "\u202e"), maxLength: 24 }),
);
const instant = fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString());
const goodFields: fc.Arbitrary<SiwsFields> = fc.record({
  domain: fc.domain(),
  address: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => getAddressDecoder().decode(bytes) as string),
  statement: fc.option(
    fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes("\n") && s.trim() !== "" && !/^(URI|Version|Chain ID|Nonce|Issued At|Expiration Time): /.test(s)),
    { nil: undefined },
  ),
  uri: fc.webUrl(),
  version: fc.constant("1" as const),
  chainId: fc.constantFrom("mainnet", "devnet", "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"),
  nonce: fc.stringMatching(/^[A-Za-z0-9]{8,32}$/),
  issuedAt: instant,
  expirationTime: fc.option(instant, { nil: undefined }),
});

describe("parseSiwsMessage", () => {
  it("reads back every message createSiwsMessage makes", () => {
    fc.assert(
      fc.property(goodFields, (fields) => {
        expect(parseSiwsMessage(createSiwsMessage(fields))).toEqual(fields);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on any text, and what it accepts keeps the grammar (nonce, address, times)", () => {
    const line = fc.oneof(
      hostileText,
      fc.tuple(fc.constantFrom("URI", "Version", "Chain ID", "Nonce", "Issued At", "Expiration Time"), hostileText).map(([k, v]) => `${k}: ${v}`),
    );
    // Whole messages of hostile lines, and good messages with one line replaced, one added or cut.
    const mutated = fc.tuple(goodFields, fc.nat(12), line, fc.constantFrom("replace", "insert", "cut")).map(([fields, at, text, how]) => {
      const lines = createSiwsMessage(fields).split("\n");
      const i = at % lines.length;
      if (how === "replace") lines[i] = text;
      else if (how === "insert") lines.splice(i, 0, text);
      else lines.splice(i, 1);
      return lines.join("\n");
    });
    fc.assert(
      fc.property(fc.oneof(fc.array(line, { maxLength: 12 }).map((l) => l.join("\n")), mutated, fc.string({ unit: "binary" })), (message) => {
        const fields = parseSiwsMessage(message);
        if (!fields) return;
        expect(fields.nonce).toMatch(NONCE);
        expect(fields.address).toMatch(BASE58);
        expect(fields.version).toBe("1");
        expect(fields.issuedAt).toMatch(RFC3339);
        expect(Number.isNaN(Date.parse(fields.issuedAt))).toBe(false);
        if (fields.expirationTime !== undefined) {
          expect(fields.expirationTime).toMatch(RFC3339);
          expect(Number.isNaN(Date.parse(fields.expirationTime))).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a nonce outside EIP-4361's grammar and times that name no instant", () => {
    const base: SiwsFields = { domain: "shop.example", address: "11111111111111111111111111111111", uri: "https://shop.example", version: "1", chainId: "mainnet", nonce: "abcdefgh1", issuedAt: "2026-11-23T00:00:00Z" };
    expect(parseSiwsMessage(createSiwsMessage(base))).not.toBeNull();
    for (const nonce of ["abc\u0000defgh", "short1", "abcdefgh!", "abcdefgh ", "ａｂｃｄｅｆｇｈ"]) expect(parseSiwsMessage(createSiwsMessage({ ...base, nonce }))).toBeNull();
    for (const issuedAt of ["yesterday", "2026-13-45T99:99:99Z", "2026-11-23", "1700000000"]) expect(parseSiwsMessage(createSiwsMessage({ ...base, issuedAt }))).toBeNull();
    // An expiry that cannot be read would never expire.
    for (const expirationTime of ["never", "2026-11-23T00:00:00", "9999-99-99T00:00:00Z", "\r", "2999-01-01T00:00:00Z\r"]) expect(parseSiwsMessage(createSiwsMessage({ ...base, expirationTime }))).toBeNull();
  });

  it("refuses a message whose lines could be read two ways: repeated fields, junk among them, two statements", () => {
    const good = createSiwsMessage({ domain: "shop.example", address: "11111111111111111111111111111111", statement: "Sign in", uri: "https://shop.example", version: "1", chainId: "mainnet", nonce: "abcdefgh1", issuedAt: "2026-11-23T00:00:00Z" });
    expect(parseSiwsMessage(good)).toMatchObject({ statement: "Sign in", nonce: "abcdefgh1" });
    for (const bad of [
      `${good}\nNonce: zzzzzzzz1`,
      `${good}\nExpiration Time: \r`,
      `${good}\n`,
      `${good}\nResources:`,
      good.replace("Sign in\n", "Sign in\nand something else\n"),
      good.replace("Version: 1\n", "Version: 1\n\n"),
    ]) expect(parseSiwsMessage(bad)).toBeNull();
  });
});

describe("verifySiws", () => {
  it("accepts the signer's own message for the expected domain and nonce, until it expires", async () => {
    const fields: SiwsFields = { domain: "shop.example", address: signer.address, uri: "https://shop.example/", version: "1", chainId: "mainnet", nonce: "Nonce12345", issuedAt: new Date().toISOString(), expirationTime: new Date(Date.now() + 60_000).toISOString() };
    const message = createSiwsMessage(fields);
    const signature = await sign(message);
    expect(await verifySiws(message, signature, { domain: "shop.example", nonce: "Nonce12345" })).toBe(signer.address);
    expect(await verifySiws(message, signature, { domain: "shop.example", nonce: "Nonce12345", now: new Date(Date.now() + 120_000) })).toBeNull();
    expect(await verifySiws(message, signature, { domain: "evil.example", nonce: "Nonce12345" })).toBeNull();
    expect(await verifySiws(message, signature, { domain: "shop.example", nonce: "OtherNonce1" })).toBeNull();
  });

  it("self-signed hostile messages: never throws, and signs in only with a message that keeps the grammar", async () => {
    await fc.assert(
      fc.asyncProperty(goodFields, fc.option(hostileText, { nil: undefined }), fc.option(hostileText, { nil: undefined }), async (fields, nonce, expiry) => {
        const hostile = { ...fields, address: signer.address, nonce: nonce ?? fields.nonce, expirationTime: expiry ?? fields.expirationTime };
        const message = createSiwsMessage(hostile);
        const signed = await verifySiws(message, await sign(message), { domain: hostile.domain, nonce: hostile.nonce, now: new Date("1970-01-01T00:00:00Z") });
        if (signed === null) return;
        expect(signed).toBe(signer.address);
        expect(hostile.nonce).toMatch(NONCE);
        // (createSiwsMessage leaves out an empty expiry)
        if (hostile.expirationTime) expect(hostile.expirationTime).toMatch(RFC3339);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses any signature that is not the signer's over these exact bytes (never throws)", async () => {
    const message = createSiwsMessage({ domain: "shop.example", address: signer.address, uri: "https://shop.example/", version: "1", chainId: "mainnet", nonce: "Nonce12345", issuedAt: new Date().toISOString() });
    const good = await sign(message);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.tuple(fc.nat(63), fc.integer({ min: 1, max: 255 })).map(([i, x]) => good.map((b, j) => (j === i ? b ^ x : b)))), async (signature) => {
        expect(await verifySiws(message, signature, { domain: "shop.example", nonce: "Nonce12345" })).toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});
