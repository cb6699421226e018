import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { NextConfig } from "next";
import { parseDatabaseUrl } from "@/lib/database/target";
import { errorResponse, TollgateError } from "@/lib/errors";

describe("parseDatabaseUrl", () => {
  it("defaults to PGlite in .data/pglite", () => {
    expect(parseDatabaseUrl(undefined, "/srv/app")).toEqual({ kind: "pglite", dataDir: "/srv/app/.data/pglite" });
  });
  it("reads pglite:<dir> relative to the working directory", () => {
    expect(parseDatabaseUrl("pglite:./db", "/srv/app")).toEqual({ kind: "pglite", dataDir: path.resolve("/srv/app/db") });
    expect(parseDatabaseUrl("pglite:///var/db", "/srv/app")).toEqual({ kind: "pglite", dataDir: "/var/db" });
  });
  it("passes postgres URLs through", () => {
    expect(parseDatabaseUrl("postgresql://u:p@db:5432/x")).toEqual({ kind: "postgres", url: "postgresql://u:p@db:5432/x" });
  });
  it("rejects other schemes without echoing credentials", () => {
    expect(() => parseDatabaseUrl("mysql://root:secret@db/x")).toThrow(/mysql:…/);
    expect(() => parseDatabaseUrl("mysql://root:secret@db/x")).not.toThrow(/secret/);
  });
});

describe("env", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("requires FACILITATOR_URL in production and defaults it in development", async () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("FACILITATOR_URL", "");
    vi.stubEnv("AUTH_SECRET", "");
    const prod = await import("@/lib/env");
    expect(() => prod.env()).toThrow(/AUTH_SECRET[^]*FACILITATOR_URL/);

    vi.resetModules();
    vi.stubEnv("NODE_ENV", "development");
    const dev = await import("@/lib/env");
    expect(dev.env().facilitator.url).toBe(dev.DEV_FACILITATOR_URL);
  });

  it("runs a self-hosted facilitator in production when FACILITATOR_URL is unset and a key is given, and rejects malformed keys", async () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("FACILITATOR_URL", "");
    vi.stubEnv("AUTH_SECRET", "x".repeat(32));
    vi.stubEnv("PUBLIC_URL", "https://pay.example.com");
    vi.stubEnv("FACILITATOR_EVM_PRIVATE_KEY", `0x${"ab".repeat(32)}`);
    expect((await import("@/lib/env")).env().selfHostedFacilitator).toEqual({ evmPrivateKey: `0x${"ab".repeat(32)}`, svmPrivateKey: undefined, builderCode: null });
    vi.resetModules();
    vi.stubEnv("FACILITATOR_BUILDER_CODE", "my_facilitator");
    expect((await import("@/lib/env")).env().selfHostedFacilitator?.builderCode).toBe("my_facilitator");
    vi.resetModules();
    vi.stubEnv("FACILITATOR_URL", "https://x402.org/facilitator");
    expect((await import("@/lib/env")).env().selfHostedFacilitator).toBeNull();
    vi.resetModules();
    vi.stubEnv("FACILITATOR_URL", "");
    vi.stubEnv("FACILITATOR_EVM_PRIVATE_KEY", "0x1234");
    await expect(import("@/lib/env").then((m) => m.env())).rejects.toThrow(/FACILITATOR_EVM_PRIVATE_KEY/);
  });

  it("takes builder codes as @x402/extensions/builder-code accepts them, and names a malformed one", async () => {
    expect((await import("@/lib/env")).env().builderCode).toBeNull();
    for (const code of ["a", "my_store_2", "x".repeat(32)]) {
      vi.resetModules();
      vi.stubEnv("BUILDER_CODE", code);
      expect((await import("@/lib/env")).env().builderCode).toBe(code);
    }
    for (const [name, code] of [["BUILDER_CODE", "My-Store"], ["BUILDER_CODE", "x".repeat(33)], ["BUILDER_CODE", "a b"], ["FACILITATOR_BUILDER_CODE", "UPPER"]] as const) {
      vi.resetModules();
      vi.unstubAllEnvs();
      vi.stubEnv(name, code);
      await expect(import("@/lib/env").then((m) => m.env()), code).rejects.toThrow(new RegExp(`${name}: must be 1 to 32 characters`));
    }
  });

  it("bounds request bodies at MAX_REQUEST_BODY_BYTES, 10 MiB unless set, and sets Next's own cut one socket read (64 KiB) above it", async () => {
    const nextLimit = async (): Promise<number | undefined> =>
      // @ts-expect-error -- next.config.mjs is plain JavaScript (see its first lines) and declares no types
      ((await import("@/next.config.mjs")) as { default: NextConfig }).default.experimental?.proxyClientMaxBodySize;
    expect((await import("@/lib/env")).env().maxRequestBodyBytes).toBe(10 * 1024 * 1024);
    expect(await nextLimit()).toBe(10 * 1024 * 1024 + 64 * 1024);
    for (const value of ["12582912", "1024", String(1024 ** 3)]) {
      vi.resetModules();
      vi.stubEnv("MAX_REQUEST_BODY_BYTES", value);
      expect((await import("@/lib/env")).env().maxRequestBodyBytes).toBe(Number(value));
      expect(await nextLimit()).toBe(Number(value) + 64 * 1024);
    }
    for (const value of ["1023", "abc", "1.5", String(1024 ** 3 + 1)]) {
      vi.resetModules();
      vi.stubEnv("MAX_REQUEST_BODY_BYTES", value);
      await expect(import("@/lib/env").then((m) => m.env()), value).rejects.toThrow(/MAX_REQUEST_BODY_BYTES/);
    }
  });

  it("bounds what a paid request holds whole at MAX_BUFFERED_RESPONSE_BYTES, 64 MiB unless set", async () => {
    expect((await import("@/lib/env")).env().maxBufferedResponseBytes).toBe(64 * 1024 * 1024);
    for (const value of ["65536", "1048576", String(1024 ** 3)]) {
      vi.resetModules();
      vi.stubEnv("MAX_BUFFERED_RESPONSE_BYTES", value);
      expect((await import("@/lib/env")).env().maxBufferedResponseBytes).toBe(Number(value));
    }
    for (const value of ["65535", "abc", "1.5", String(1024 ** 3 + 1)]) {
      vi.resetModules();
      vi.stubEnv("MAX_BUFFERED_RESPONSE_BYTES", value);
      await expect(import("@/lib/env").then((m) => m.env()), value).rejects.toThrow(/MAX_BUFFERED_RESPONSE_BYTES/);
    }
  });

  it("gives a paid handler UPSTREAM_TIMEOUT_MS: 60 s in production, 10 minutes under next dev (first compiles), what is set either way", async () => {
    const load = async (nodeEnv: string, value?: string) => {
      vi.resetModules();
      vi.unstubAllEnvs();
      vi.stubEnv("NODE_ENV", nodeEnv);
      if (nodeEnv === "production") {
        vi.stubEnv("FACILITATOR_URL", "https://x402.org/facilitator");
        vi.stubEnv("AUTH_SECRET", "a".repeat(32));
        vi.stubEnv("PUBLIC_URL", "https://pay.example.com");
      }
      if (value !== undefined) vi.stubEnv("UPSTREAM_TIMEOUT_MS", value);
      return (await import("@/lib/env")).env();
    };
    expect((await load("production")).upstreamTimeoutMs).toBe(60_000);
    expect((await load("development")).upstreamTimeoutMs).toBe(600_000);
    expect((await load("production", "5000")).upstreamTimeoutMs).toBe(5_000);
    expect((await load("development", "5000")).upstreamTimeoutMs).toBe(5_000);
    // Rows a live request may hold are judged by the same bound.
    const dev = await load("development");
    expect(dev.paidRequestMaxMs).toBeGreaterThan(600_000);
    await expect(load("production", "999")).rejects.toThrow(/UPSTREAM_TIMEOUT_MS/);
  });

  it("parses facilitator headers as JSON and rejects anything else", async () => {
    vi.stubEnv("FACILITATOR_HEADERS", '{"Authorization":"Bearer k"}');
    expect((await import("@/lib/env")).env().facilitator.headers).toEqual({ Authorization: "Bearer k" });
    vi.resetModules();
    vi.stubEnv("FACILITATOR_HEADERS", "Bearer k");
    await expect(import("@/lib/env").then((m) => m.env())).rejects.toThrow(/FACILITATOR_HEADERS/);
  });

  it("takes one RPC URL or a list tried in order per network (EVM_CHAINS' rpcUrl, SOLANA_RPC_URLS), and rejects empty, repeated or malformed lists and any scheme but http(s)", async () => {
    const solana = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
    const chains = async (evm: unknown, svm: unknown) => {
      vi.unstubAllEnvs();
      vi.resetModules();
      vi.stubEnv("EVM_CHAINS", JSON.stringify({ 8453: { rpcUrl: evm, name: "Base" } }));
      vi.stubEnv("SOLANA_RPC_URLS", JSON.stringify({ [solana]: svm }));
      const e = (await import("@/lib/env")).env();
      return { evm: e.evmChains["8453"]?.rpcUrls, svm: e.solanaRpcUrls[solana] };
    };
    expect(await chains("https://a.example", "https://s.example")).toEqual({ evm: ["https://a.example"], svm: ["https://s.example"] });
    expect(await chains(["https://a.example", "https://b.example"], ["https://s.example", "https://t.example"])).toEqual({
      evm: ["https://a.example", "https://b.example"],
      svm: ["https://s.example", "https://t.example"],
    });
    const schemes = ["ws://a.example", "wss://a.example", "file:///etc/passwd", "javascript:alert(1)", "ftp://a.example", "data:text/plain,x"];
    for (const bad of [[], ["https://a.example", "https://a.example"], ["not a url"], "", Array.from({ length: 9 }, (_, i) => `https://${i}.example`), [1], ...schemes, ["https://a.example", ...schemes]]) {
      await expect(chains(bad, "https://s.example")).rejects.toThrow(/EVM_CHAINS/);
      await expect(chains("https://a.example", bad)).rejects.toThrow(/SOLANA_RPC_URLS/);
    }
  });

  it("reads any JSON as an RPC setting either as 1 to 8 distinct http(s) URLs in the given order or not at all (fuzzed)", async () => {
    const { rpcUrlsSchema, MAX_RPC_URLS } = await import("@/lib/chains/rpc-urls");
    const url = fc.oneof(fc.webUrl(), fc.webUrl().map((u) => u.replace(/^https?/, "ws")), fc.constantFrom("file:///x", "javascript:alert(1)", "ftp://a.example/"));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), url, fc.array(url, { maxLength: 10 }), fc.array(fc.oneof(url, fc.string()), { maxLength: 4 })), (input) => {
        const parsed = rpcUrlsSchema.safeParse(input);
        if (!parsed.success) return;
        const urls = parsed.data;
        expect(urls.length).toBeGreaterThanOrEqual(1);
        expect(urls.length).toBeLessThanOrEqual(MAX_RPC_URLS);
        expect(new Set(urls).size).toBe(urls.length);
        expect(urls).toEqual(typeof input === "string" ? [input] : input);
        for (const u of urls) expect(["http:", "https:"]).toContain(new URL(u).protocol);
      }),
      { numRuns: 500 },
    );
  });

  /** The configuration a fresh module reads from exactly `vars` (on top of the test process's own). */
  const envWith = async (vars: Record<string, string>) => {
    vi.unstubAllEnvs();
    vi.resetModules();
    for (const [k, v] of Object.entries(vars)) vi.stubEnv(k, v);
    return (await import("@/lib/env")).env();
  };

  it("offers WalletConnect only with a project id, on a ws:// or wss:// relay when one is set", async () => {
    const walletConnect = async (vars: Record<string, string>) => (await envWith(vars)).walletConnect;
    expect(await walletConnect({})).toBeUndefined();
    expect(await walletConnect({ WALLETCONNECT_RELAY_URL: "wss://relay.example.com" })).toBeUndefined();
    expect(await walletConnect({ NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: "p1" })).toEqual({ projectId: "p1", relayUrl: undefined });
    expect(await walletConnect({ NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: "p1", WALLETCONNECT_RELAY_URL: "wss://relay.example.com" })).toEqual({ projectId: "p1", relayUrl: "wss://relay.example.com" });
    for (const bad of ["https://relay.example.com", "javascript:alert(1)", "relay.example.com"]) {
      await expect(walletConnect({ NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: "p1", WALLETCONNECT_RELAY_URL: bad })).rejects.toThrow(/WALLETCONNECT_RELAY_URL/);
    }
  });

  it("signs offers and receipts only with OFFER_RECEIPT_PRIVATE_KEY, privacy-minimal unless told, and never echoes a malformed key", async () => {
    const offerReceipt = async (vars: Record<string, string>) => (await envWith(vars)).offerReceipt;
    const key = `0x${"4b".repeat(32)}`;
    expect(await offerReceipt({ OFFER_VALIDITY_SECONDS: "600", RECEIPT_INCLUDES_TRANSACTION: "true" })).toBeNull();
    expect(await offerReceipt({ OFFER_RECEIPT_PRIVATE_KEY: key, PORT: "3100" })).toEqual({ privateKey: key, format: "eip712", origin: "http://127.0.0.1:3100", offerValiditySeconds: null, includeTransaction: false });
    expect(
      await offerReceipt({ OFFER_RECEIPT_PRIVATE_KEY: key, OFFER_RECEIPT_FORMAT: "jws", PUBLIC_URL: "https://shop.example", OFFER_VALIDITY_SECONDS: "600", RECEIPT_INCLUDES_TRANSACTION: "true" }),
    ).toEqual({ privateKey: key, format: "jws", origin: "https://shop.example", offerValiditySeconds: 600, includeTransaction: true });
    const secret = "4b".repeat(32);
    const malformed = offerReceipt({ OFFER_RECEIPT_PRIVATE_KEY: secret });
    await expect(malformed).rejects.toThrow(/OFFER_RECEIPT_PRIVATE_KEY: must be 0x followed by 64 hex digits/);
    await expect(malformed).rejects.not.toThrow(secret);
    // Hex of the right length that is no secp256k1 key: 0, and the curve order itself.
    for (const notAKey of [`0x${"00".repeat(32)}`, "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"]) {
      await expect(offerReceipt({ OFFER_RECEIPT_PRIVATE_KEY: notAKey })).rejects.toThrow(/OFFER_RECEIPT_PRIVATE_KEY: must be a secp256k1 private key/);
    }
    for (const [name, bad] of [["OFFER_VALIDITY_SECONDS", "5"], ["OFFER_VALIDITY_SECONDS", "1.5"], ["RECEIPT_INCLUDES_TRANSACTION", "yes"], ["OFFER_RECEIPT_FORMAT", "JWS"], ["OFFER_RECEIPT_FORMAT", "ed25519"]]) {
      await expect(offerReceipt({ OFFER_RECEIPT_PRIVATE_KEY: key, [name!]: bad! })).rejects.toThrow(name);
    }
  });
});

describe("errorResponse", () => {
  it("keeps a TollgateError's code, status and message", async () => {
    const res = errorResponse(new TollgateError("payment_already_used", "used"), "test");
    expect(res.status).toBe(402);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ error: { code: "payment_already_used", message: "used" } });
  });

  it("hides unknown errors behind a generic 500", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = errorResponse(new Error("connection string postgres://secret"), "test");
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("secret");
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });
});
