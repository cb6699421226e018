/**
 * Agents and the protocol's extensions, on real parts: anvil with test USDC, the real facilitator
 * over HTTP, the built app under `next start`, and a real database (embedded PGlite, then a
 * PostgreSQL 15 cluster this test starts). Payments are made by the official client
 * (@x402/core's x402Client with @x402/evm), extensions by @x402/extensions; balances are read
 * from the chain and rows from the database.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { wrapAxiosWithPayment } from "@x402/axios";
import axios from "axios";
import { x402HTTPClient } from "@x402/core/client";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, HTTPFacilitatorClient } from "@x402/core/http";
import { MAX_PRICED_URL_LENGTH } from "@/lib/gateway/url-limit";
import { Validator } from "@seriousme/openapi-schema-validator";
import { BAZAAR, extractDiscoveryInfo, extractDiscoveryInfoV1, validateDiscoveryExtension, withBazaar, type DiscoveryExtension } from "@x402/extensions/bazaar";
import { createSIWxClientExtension, createSIWxClientHook, createSIWxMessage, encodeSIWxHeader, SIGN_IN_WITH_X, wrapFetchWithSIWx, type SIWxExtension } from "@x402/extensions/sign-in-with-x";
import { wrapFetchWithPayment } from "@x402/fetch";
import { privateKeyToAccount } from "viem/accounts";
import { appendPaymentIdentifierToExtensions, generatePaymentId, PAYMENT_IDENTIFIER } from "@x402/extensions/payment-identifier";
import {
  decodeSignedOffers,
  extractJWSHeader,
  extractOffersFromPaymentRequired,
  extractReceiptFromResponse,
  findAcceptsObjectFromSignedOffer,
  OFFER_RECEIPT,
  verifyOfferSignatureEIP712,
  verifyOfferSignatureJWS,
  verifyReceiptMatchesOffer,
  verifyReceiptSignatureEIP712,
  verifyReceiptSignatureJWS,
  type OfferPayload,
  type ReceiptPayload,
  type SignedOffer,
} from "@x402/extensions/offer-receipt";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http as viemHttp, type Address, type Hex } from "viem";
import { BUILDER_CODE, BuilderCodeClientExtension, parseBuilderCodeSuffixFromCalldata } from "@x402/extensions/builder-code";
import { openDatabase, type Database } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { upsertPricedRoute } from "@/lib/routes/mutations";
import { DISCOVERY_MAX_BYTES } from "@/lib/routes/schema";
import { OFFERS_HEADER_BUDGET } from "@/lib/x402/offer-receipt";
import { createPayingFetch, createPayingFetchV1, createX402Client, splBalance } from "@/scripts/agent-client";
import { balanceOf } from "@/scripts/devnet/chain";
import { writeDevnetFile } from "@/scripts/devnet/config";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext, type NextServer } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { databaseLegs, startTestDatabase, type TestDatabase } from "../support/postgres";

/** The key the app signs offers and receipts with (OFFER_RECEIPT_PRIVATE_KEY), and its address. */
const OFFER_RECEIPT_KEY: Hex = `0x${"5e".repeat(32)}`;
const OFFER_RECEIPT_SIGNER = privateKeyToAccount(OFFER_RECEIPT_KEY).address;
/** The store's ERC-8021 builder code (BUILDER_CODE). */
const STORE_BUILDER_CODE = "tollgate_test";

describe.each(databaseLegs())("agents on $name", ({ name, skip }) => {
  if (skip) {
    it.skip("needs PostgreSQL binaries", () => {});
    return;
  }

  let devnet: Devnet;
  let app: NextServer;
  /** PostgreSQL leg: a second instance on the same database. */
  let app2: NextServer | undefined;
  let db: Database;
  let database: TestDatabase | undefined;
  let asset: Address;
  let merchant: Address;

  const buyer = (i: number) => devnet.config.buyers[i]!;
  const balance = (owner: string) => balanceOf(devnet.config.rpcUrl, asset, owner as Address);
  const url = (p: string) => `${app.url}${p}`;

  /**
   * Signs a v2 payment for `path` with the official client, without sending it. With `id`, the
   * client echoes the declared payment-identifier extension with that id, the way
   * @x402/extensions' client helper adds it.
   */
  async function signPayment(p: string, buyerIndex: number, id?: string): Promise<Record<string, string>> {
    const challenge = await fetch(url(p));
    expect(challenge.status).toBe(402);
    const x402 = createX402Client(devnet.config, buyer(buyerIndex).privateKey as Hex);
    if (id) {
      x402.registerExtension({
        key: PAYMENT_IDENTIFIER,
        enrichPaymentPayload: async (payload) => ({ ...payload, extensions: appendPaymentIdentifierToExtensions(structuredClone(payload.extensions ?? {}), id) }),
      });
    }
    const client = new x402HTTPClient(x402);
    const required = client.getPaymentRequiredResponse((h) => challenge.headers.get(h), await challenge.json());
    return client.encodePaymentSignatureHeader(await client.createPaymentPayload(required));
  }

  /** A signed payment with its extensions replaced by `extensions` (hostile or hand-made). */
  async function withExtensions(headers: Record<string, string>, extensions: unknown): Promise<Record<string, string>> {
    const [name, value] = Object.entries(headers)[0]!;
    const payload = JSON.parse(Buffer.from(value, "base64").toString("utf8"));
    payload.extensions = extensions;
    return { [name]: Buffer.from(JSON.stringify(payload)).toString("base64") };
  }

  beforeAll(async () => {
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    asset = devnet.config.asset.address as Address;
    merchant = devnet.config.payTo as Address;
    database = await startTestDatabase(name, "agents");
    const databaseUrl = database.url;
    await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet.config);
    // A route that requires an id, on a free demo handler (priced here for this test only).
    const seedDb = await openDatabase(parseDatabaseUrl(databaseUrl));
    await upsertPricedRoute(seedDb.prisma, {
      method: "GET",
      pathPattern: "/api/demo/time",
      description: "The server's clock",
      paymentIdentifier: "required",
      paymentOptions: [{ network: devnet.config.network, asset, amount: "1000", payTo: merchant, extra: { name: devnet.config.asset.name, version: devnet.config.asset.version } }],
    });
    // A second route that sells access, to show access never crosses routes.
    await upsertPricedRoute(seedDb.prisma, {
      method: "GET",
      pathPattern: "/api/demo/download",
      description: "Downloads, sold by the hour",
      siwxAccess: true,
      accessWindowSeconds: 3_600,
      paymentOptions: [{ network: devnet.config.network, asset, amount: "1000", payTo: merchant, extra: { name: devnet.config.asset.name, version: devnet.config.asset.version } }],
    });
    // A route at the route editor's limits (10 options, full discovery, sign-in, a long description):
    // its 402 is as large as the editor allows, before any signed offer.
    await upsertPricedRoute(seedDb.prisma, {
      method: "GET",
      pathPattern: "/test-pages/file", // a plain GET handler (app/(test-pages)/, built by `npm test`)
      description: "d".repeat(500),
      siwxAccess: true,
      accessWindowSeconds: 3_600,
      discovery: { inputExample: { note: "n".repeat(DISCOVERY_MAX_BYTES - 40) } },
      paymentOptions: Array.from({ length: 10 }, (_, i) => ({
        network: devnet.config.network,
        asset,
        amount: String(1000 + i),
        payTo: i === 0 ? merchant : `0x${String(i).repeat(40)}`,
        extra: { name: devnet.config.asset.name, version: devnet.config.asset.version },
      })),
    });
    await seedDb.close();
    // PostgreSQL leg: two instances behind a (pretend) trusted proxy, so a caller's IP counts for
    // free quotas; PGlite leg: no trusted proxy, so only signed-in callers get free calls.
    const appEnv = {
      ...devnetAppEnv(devnet.config),
      DATABASE_URL: databaseUrl,
      ROUTE_REFRESH_MS: "200",
      AUTH_SECRET: "integration-agents-secret-0123456789abcdef",
      OFFER_RECEIPT_PRIVATE_KEY: OFFER_RECEIPT_KEY,
      BUILDER_CODE: STORE_BUILDER_CODE,
      ...(name === "PostgreSQL" ? { OFFER_RECEIPT_FORMAT: "jws", RECEIPT_INCLUDES_TRANSACTION: "true" } : {}),
      ...(name === "PostgreSQL" ? { TRUST_PROXY_HEADERS: "true" } : {}),
    };
    app = await startNext({ mode: "start", port: await freePort(), env: appEnv });
    if (name === "PostgreSQL") {
      const port = await freePort();
      // Both instances answer to the first one's public origin (one deployment).
      app2 = await startNext({ mode: "start", port, env: { ...appEnv, PUBLIC_URL: app.url, PUBLIC_ORIGINS: `http://127.0.0.1:${port}` } });
    }
    // The app holds PGlite's single connection; PostgreSQL can be read alongside.
    if (name === "PostgreSQL") db = await openDatabase(parseDatabaseUrl(databaseUrl));
  });

  afterAll(async () => {
    await db?.close();
    await app2?.stop();
    await app?.stop();
    await devnet?.stop();
    await database?.stop();
  });

  /** Rows of the payments made with `id` (PostgreSQL leg: PGlite's one connection is the app's). */
  const rowsWithIdentifier = (id: string) => db.prisma.payment.findMany({ where: { paymentIdentifier: id }, select: { status: true, paymentIdentifier: true, transaction: true } });

  describe("payment-identifier (specs/extensions/payment_identifier.md)", () => {
    it("is declared in the 402: optional on the quote, required on a route set so", async () => {
      const quote = decodePaymentRequiredHeader((await fetch(url("/api/demo/quote"))).headers.get("payment-required")!);
      expect(quote.extensions?.[PAYMENT_IDENTIFIER]).toMatchObject({ info: { required: false }, schema: { type: "object" } });
      const time = decodePaymentRequiredHeader((await fetch(url("/api/demo/time"))).headers.get("payment-required")!);
      expect(time.extensions?.[PAYMENT_IDENTIFIER]).toMatchObject({ info: { required: true } });
      // Pages declare none: browsers pay through the paywall.
      const page = decodePaymentRequiredHeader((await fetch(url("/articles/deep-dive"))).headers.get("payment-required")!);
      expect(page.extensions?.[PAYMENT_IDENTIFIER]).toBeUndefined();
    });

    it("answers a retry with the same id and payment with the recorded response, charged once", async () => {
      const id = generatePaymentId();
      const payer = buyer(0).address;
      const before = { payer: await balance(payer), merchant: await balance(merchant) };
      const headers = await signPayment("/api/demo/quote", 0, id);

      const first = await fetch(url("/api/demo/quote"), { headers });
      expect(first.status).toBe(200);
      const body = await first.text();
      const settle = decodePaymentResponseHeader(first.headers.get("payment-response")!);
      expect(settle.success).toBe(true);

      for (let i = 0; i < 3; i++) {
        const retry = await fetch(url("/api/demo/quote"), { headers });
        expect(retry.status).toBe(200);
        // The very bytes of the first answer (the quote carries its serving time): the handler did not run again.
        expect(await retry.text()).toBe(body);
        expect(decodePaymentResponseHeader(retry.headers.get("payment-response")!).transaction).toBe(settle.transaction);
      }
      expect(await balance(payer)).toBe(before.payer - 10_000n);
      expect(await balance(merchant)).toBe(before.merchant + 10_000n);
      if (db) expect(await rowsWithIdentifier(id)).toEqual([{ status: "settled", paymentIdentifier: id, transaction: settle.transaction }]);
    });

    it("answers the same id with a different payment 409, and charges nothing for it", async () => {
      const id = generatePaymentId();
      const first = await fetch(url("/api/demo/quote"), { headers: await signPayment("/api/demo/quote", 1, id) });
      expect(first.status).toBe(200);
      const payer = buyer(2).address;
      const before = await balance(payer);
      const other = await fetch(url("/api/demo/quote"), { headers: await signPayment("/api/demo/quote", 2, id) });
      expect(other.status).toBe(409);
      expect((await other.json()).error.code).toBe("payment_identifier_conflict");
      expect(other.headers.get("access-control-allow-origin")).toBe("*");
      expect(await balance(payer)).toBe(before);
    });

    it("serves concurrent retries with one id from one handler run and one charge", async () => {
      const id = generatePaymentId();
      const payer = buyer(3).address;
      const before = await balance(payer);
      const headers = await signPayment("/api/demo/quote", 3, id);
      const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(url("/api/demo/quote"), { headers }).then(async (r) => ({ status: r.status, body: await r.text() }))));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
      expect(await balance(payer)).toBe(before - 10_000n);
    });

    it("a response longer than PAYMENT_IDENTIFIER_MAX_BYTES streams, even past MAX_BUFFERED_RESPONSE_BYTES: delivered whole, charged once; its retries get payment_already_used", { timeout: 120_000 }, async () => {
      const payer = buyer(4).address;
      const before = await balance(payer);
      // Exactly PAYMENT_IDENTIFIER_MAX_BYTES (1 MiB) is held whole and kept: the retry gets it again.
      const id = generatePaymentId();
      const fits = await signPayment("/api/demo/download?mib=1", 4, id);
      const first = await fetch(url("/api/demo/download?mib=1"), { headers: fits });
      expect(first.status).toBe(200);
      expect((await first.arrayBuffer()).byteLength).toBe(1024 * 1024);
      const again = await fetch(url("/api/demo/download?mib=1"), { headers: fits });
      expect(again.status).toBe(200);
      expect((await again.arrayBuffer()).byteLength).toBe(1024 * 1024);
      const settledAs = (r: Response) => decodePaymentResponseHeader(r.headers.get("payment-response")!).transaction;
      expect(settledAs(again)).toBe(settledAs(first));
      expect(await balance(payer)).toBe(before - 1_000n);
      // 65 MiB, past the 64 MiB a paid request may hold whole (this was refused 502 response_too_large).
      const large = await signPayment("/api/demo/download?mib=65", 4, generatePaymentId());
      const streamed = await fetch(url("/api/demo/download?mib=65"), { headers: large });
      expect(streamed.status).toBe(200);
      expect(decodePaymentResponseHeader(streamed.headers.get("payment-response")!)).toMatchObject({ success: true, payer });
      expect((await streamed.arrayBuffer()).byteLength).toBe(65 * 1024 * 1024);
      expect(await balance(payer)).toBe(before - 2_000n);
      const retry = await fetch(url("/api/demo/download?mib=65"), { headers: large });
      expect(retry.status).toBe(402);
      expect((await retry.json()).code).toBe("payment_already_used");
      expect(await balance(payer)).toBe(before - 2_000n);
    });

    it("without an id, the same payment twice is served once (the ordinary rule)", async () => {
      const headers = await signPayment("/api/demo/quote", 4);
      expect((await fetch(url("/api/demo/quote"), { headers })).status).toBe(200);
      const again = await fetch(url("/api/demo/quote"), { headers });
      expect(again.status).toBe(402);
      expect((await again.json()).code).toBe("payment_already_used");
    });

    it("refuses a missing id where required, and malformed ids anywhere, with 400 and no charge", async () => {
      const payer = buyer(0).address;
      const before = await balance(payer);
      const missing = await fetch(url("/api/demo/time"), { headers: await signPayment("/api/demo/time", 0) });
      expect(missing.status).toBe(400);
      expect((await missing.json()).error.message).toMatch(/requires a payment-identifier/);

      const signed = await signPayment("/api/demo/quote", 0, generatePaymentId());
      const hostile: unknown[] = [
        { [PAYMENT_IDENTIFIER]: { info: { required: false, id: "short" } } },
        { [PAYMENT_IDENTIFIER]: { info: { required: false, id: "x".repeat(129) } } },
        { [PAYMENT_IDENTIFIER]: { info: { required: false, id: "pay_0123456789abcdef'; DROP TABLE" } } },
        { [PAYMENT_IDENTIFIER]: { info: { required: "no", id: generatePaymentId() } } },
        { [PAYMENT_IDENTIFIER]: { info: { required: false, id: 12345678901234567890 } } },
        { [PAYMENT_IDENTIFIER]: "pay_0123456789abcdef" },
        // A backtracking pattern in the echoed schema is never compiled.
        { [PAYMENT_IDENTIFIER]: { info: { required: false, id: `pay_${"a".repeat(40)}` }, schema: { type: "object", properties: { id: { type: "string", pattern: "^(a+)+$" } } } } },
      ];
      for (const extensions of hostile) {
        const res = await fetch(url("/api/demo/quote"), { headers: await withExtensions(signed, extensions) });
        const text = await res.text();
        // The last one is a valid id (its schema ignored): served. Every other is a 400.
        if (extensions === hostile.at(-1)) expect(res.status, text).toBe(200);
        else expect(res.status, text).toBe(400);
      }
      expect(await balance(payer)).toBe(before - 10_000n);
    });

    it("keeps a required-id route's payment with its id", async () => {
      const id = generatePaymentId("req_");
      const headers = await signPayment("/api/demo/time", 1, id);
      const res = await fetch(url("/api/demo/time"), { headers });
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(await fetch(url("/api/demo/time"), { headers }).then((r) => r.text())).toBe(body);
      if (db) expect((await rowsWithIdentifier(id)).map((r) => r.status)).toEqual(["settled"]);
    });
  });

  describe("discovery: bazaar, /.well-known/x402, /openapi.json, /llms.txt", () => {
    it("declares bazaar in every API 402, valid, with the route's metadata, and a paying client echoes it for a catalog", async () => {
      const challenge = await fetch(url("/api/demo/summarize"), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(challenge.status).toBe(402);
      const required = decodePaymentRequiredHeader(challenge.headers.get("payment-required")!);
      const bazaar = required.extensions?.[BAZAAR.key] as DiscoveryExtension;
      expect(validateDiscoveryExtension(bazaar)).toEqual({ valid: true });
      expect(bazaar.info.input).toMatchObject({ type: "http", method: "POST", bodyType: "json", body: { text: expect.any(String) } });
      expect(bazaar.info.output).toMatchObject({ type: "json", example: { summary: expect.any(String) } });

      // v1 clients read the body: each option carries the same metadata in v1's outputSchema.
      const v1Body = await challenge.clone().json();
      for (const option of v1Body.accepts) expect(extractDiscoveryInfoV1(option)).toEqual(bazaar.info);

      // What the official client sends back is what a cataloguing facilitator reads.
      const client = new x402HTTPClient(createX402Client(devnet.config, buyer(0).privateKey as Hex));
      const payload = await client.createPaymentPayload(client.getPaymentRequiredResponse((h) => challenge.headers.get(h), await challenge.json()));
      const info = extractDiscoveryInfo(payload, payload.accepted);
      expect(info).toMatchObject({ resourceUrl: url("/api/demo/summarize"), method: "POST" });

      const quote = decodePaymentRequiredHeader((await fetch(url("/api/demo/quote"))).headers.get("payment-required")!);
      expect((quote.extensions?.[BAZAAR.key] as DiscoveryExtension).info.input).toMatchObject({ method: "GET" });
    });

    it("lists the same metadata at /.well-known/x402", async () => {
      const listing = await (await fetch(url("/.well-known/x402"))).json();
      expect(listing.bazaar).toEqual({ resources: url("/discovery/resources"), search: url("/discovery/search") });
      const summarize = listing.resources.find((r: { path: string }) => r.path === "/api/demo/summarize");
      expect(summarize.discovery).toMatchObject({ bodyType: "json", inputExample: { text: expect.any(String) } });
      expect(summarize.paymentIdentifier).toBe("optional");
    });

    it("answers the official bazaar client (withBazaar) at the store's own URL: list, filter, page, search", async () => {
      const bazaar = withBazaar(new HTTPFacilitatorClient({ url: app.url })).extensions.bazaar;
      const listed = await bazaar.listResources();
      expect(listed.x402Version).toBe(2);
      expect(listed.pagination).toEqual({ limit: 100, offset: 0, total: listed.items.length });
      // One order on every request (by URL), so offset pages never overlap.
      const order = listed.items.map((i) => i.resource);
      expect(order).toEqual([...order].sort());
      const quote = listed.items.find((i) => i.resource === url("/api/demo/quote"))!;
      // Priced as enforced: the very accepts and bazaar declaration of the route's 402.
      const enforced = decodePaymentRequiredHeader((await fetch(url("/api/demo/quote"))).headers.get("payment-required")!);
      expect(quote).toMatchObject({ type: "http", x402Version: 2, accepts: enforced.accepts, description: "A quotation of the minute", serviceName: new URL(app.url).host });
      expect(quote.extensions?.[BAZAAR.key]).toEqual(enforced.extensions?.[BAZAAR.key]);
      expect(quote.extensions?.[BUILDER_CODE]).toEqual(enforced.extensions?.[BUILDER_CODE]);
      expect(Date.parse(quote.lastUpdated)).not.toBeNaN();
      // APIs only: pages are for browsers.
      expect(listed.items.map((i) => new URL(i.resource).pathname)).toEqual(expect.arrayContaining(["/api/demo/summarize", "/api/demo/time"]));
      expect(listed.items.some((i) => i.resource.includes("/articles/"))).toBe(false);

      const onSolana = await bazaar.listResources({ network: devnet.config.svm.network });
      expect(onSolana.items.length).toBeGreaterThan(0);
      expect(onSolana.items.every((i) => i.accepts.some((a) => a.network === devnet.config.svm.network))).toBe(true);
      expect(onSolana.items.map((i) => i.resource)).not.toContain(url("/api/demo/time"));
      const second = await bazaar.listResources({ limit: 1, offset: 1 });
      expect(second).toMatchObject({ items: [listed.items[1]], pagination: { limit: 1, offset: 1, total: listed.items.length } });

      const found = await bazaar.search({ query: "quotation minute" });
      expect(found.resources.map((r) => r.resource)).toEqual([url("/api/demo/quote")]);

      // Bad input is a 400 with the reason, never a 500.
      for (const query of ["limit=abc", "limit=0", "offset=-1"]) {
        const res = await fetch(url(`/discovery/resources?${query}`));
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: "bad_request", message: expect.stringContaining("Invalid discovery query") } });
      }
      expect((await fetch(url("/discovery/search"))).status).toBe(400);
    });

    it("serves a valid OpenAPI 3.1 document of the priced API, priced as enforced", async () => {
      const res = await fetch(url("/openapi.json"));
      expect(res.status).toBe(200);
      const doc = await res.json();
      const result = await new Validator().validate(doc);
      expect(result.errors ?? []).toEqual([]);
      expect(doc.servers).toEqual([{ url: app.url }]);
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/demo/quote", "/api/demo/summarize", "/api/demo/time"]));
      expect(Object.keys(doc.paths)).not.toContain("/articles/deep-dive");
      const enforced = decodePaymentRequiredHeader((await fetch(url("/api/demo/quote"))).headers.get("payment-required")!);
      expect(doc.paths["/api/demo/quote"].get["x-x402"].accepts).toEqual(enforced.accepts);
      expect(doc.paths["/api/demo/quote"].get["x-x402"].prices[0]).toMatch(/^0\.01 USDC on /);
    });

    it("serves /llms.txt listing every priced route with its price", async () => {
      const res = await fetch(url("/llms.txt"));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toContain(`- GET ${app.url}/api/demo/quote: A quotation of the minute. 0.01 USDC on`);
      expect(text).toContain(`- POST ${app.url}/api/demo/summarize:`);
      expect(text).toContain(`- GET ${app.url}/articles/deep-dive:`);
    });
  });

  /**
   * Runs `scripts/agent.ts` (what `npm run agent --` runs) with `args` against this devnet, its
   * file written where DEVNET_FILE says; `onOutput` sees stdout as it grows.
   */
  async function runAgent(args: string[], onOutput?: (out: string) => void, script = "scripts/agent.ts"): Promise<{ code: number | null; out: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-agent-"));
    writeDevnetFile(devnet.config, path.join(dir, "devnet.json"));
    try {
      const child = spawn(path.resolve("node_modules/.bin/tsx"), [script, ...args], { env: { ...process.env, DEVNET_FILE: path.join(dir, "devnet.json") }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8");
        onOutput?.(out);
      });
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      if (code !== 0) console.error(err);
      return { code, out };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  describe("signed offers and receipts (specs/extensions/extension-offer-and-receipt.md)", () => {
    /** PGlite leg: EIP-712 (the default); PostgreSQL leg: JWS, its key resolved through the app's did:web. */
    const format = name === "PostgreSQL" ? "jws" : "eip712";
    const did = () => `did:web:${encodeURIComponent(new URL(app.url).host)}`;

    /** What /.well-known/x402 publishes about the signer, checked; /.well-known/did.json lists the same key. */
    const published = async (): Promise<{ signer: string; kid: string }> => {
      const listing = await (await fetch(url("/.well-known/x402"))).json();
      const kid = format === "jws" ? `${did()}#offer-receipt` : `did:pkh:eip155:1:${OFFER_RECEIPT_SIGNER}`;
      expect(listing.offerReceipt).toMatchObject({ format, signer: OFFER_RECEIPT_SIGNER, kid, did: did(), publicKeyJwk: { kty: "EC", crv: "secp256k1" } });
      const document = await fetch(url("/.well-known/did.json"));
      expect(document.headers.get("content-type")).toBe("application/did+json");
      expect(await document.json()).toMatchObject({ id: did(), verificationMethod: [{ id: `${did()}#offer-receipt`, publicKeyJwk: listing.offerReceipt.publicKeyJwk }] });
      return listing.offerReceipt;
    };

    /**
     * An offer checked as an independent agent checks it, with @x402/extensions alone: EIP-712
     * recovers the published signer; JWS names the published kid and verifies with the key its
     * did:web resolves to (the library fetches the app's /.well-known/did.json).
     */
    async function verifiedOffer(offer: SignedOffer): Promise<OfferPayload> {
      expect(offer.format).toBe(format);
      if (offer.format === "eip712") {
        const { signer, payload } = await verifyOfferSignatureEIP712(offer);
        expect(signer).toBe(OFFER_RECEIPT_SIGNER);
        return payload;
      }
      expect(extractJWSHeader(offer.signature)).toEqual({ alg: "ES256K", kid: `${did()}#offer-receipt` });
      return verifyOfferSignatureJWS(offer);
    }

    /** The receipt of a paid answer, checked as `verifiedOffer` checks offers. */
    async function verifiedReceipt(res: Response): Promise<ReceiptPayload> {
      const receipt = extractReceiptFromResponse(res);
      expect(receipt?.format).toBe(format);
      if (receipt!.format === "eip712") {
        const { signer, payload } = await verifyReceiptSignatureEIP712(receipt!);
        expect(signer).toBe(OFFER_RECEIPT_SIGNER);
        return payload;
      }
      expect(extractJWSHeader(receipt!.signature)).toEqual({ alg: "ES256K", kid: `${did()}#offer-receipt` });
      return verifyReceiptSignatureJWS(receipt!);
    }

    it("every 402 carries one signed offer per option, in the v2 header and the v1 body, verifiable to the published signer", async () => {
      const { signer, kid } = await published();
      const llms = await (await fetch(url("/llms.txt"))).text();
      expect(llms).toContain(signer);
      expect(llms).toContain(kid);
      const challenge = await fetch(url("/api/demo/quote?city=Lisbon"));
      expect(challenge.status).toBe(402);
      const required = decodePaymentRequiredHeader(challenge.headers.get("payment-required")!);
      expect(required.resource.url).toBe(url("/api/demo/quote?city=Lisbon"));
      const offers = extractOffersFromPaymentRequired(required);
      expect(offers).toHaveLength(required.accepts.length);
      for (const decoded of decodeSignedOffers(offers)) {
        expect(await verifiedOffer(decoded.signedOffer)).toMatchObject({ resourceUrl: required.resource.url, validUntil: decoded.validUntil });
        expect(findAcceptsObjectFromSignedOffer(decoded, required.accepts)).toBe(required.accepts[decoded.acceptIndex!]);
        expect(decoded.validUntil * 1000).toBeGreaterThan(Date.now());
      }
      // v1 (§6.2): the body carries them too, pointing into v1's accepts[]; the payload stays CAIP-2.
      const body = await challenge.json();
      const v1Offers = decodeSignedOffers(body.extensions[OFFER_RECEIPT].info.offers);
      expect(v1Offers).toHaveLength(body.accepts.length);
      for (const offer of v1Offers) {
        const v1 = body.accepts[offer.acceptIndex!];
        expect(offer).toMatchObject({ network: v1.network === "base-sepolia" ? devnet.config.network : devnet.config.svm.network, amount: v1.maxAmountRequired, payTo: v1.payTo, asset: v1.asset });
        await verifiedOffer(offer.signedOffer);
      }
    });

    it("@x402/fetch pays through the offers and gets a receipt that verifies and matches the offer it paid, charged once", async () => {
      await published();
      const payer = buyer(4).address;
      const challenge = decodePaymentRequiredHeader((await fetch(url("/api/demo/quote"))).headers.get("payment-required")!);
      const [offer] = decodeSignedOffers(extractOffersFromPaymentRequired(challenge));
      const before = await balance(payer);
      const res = await createPayingFetch(devnet.config, buyer(4).privateKey as Hex)(url("/api/demo/quote"));
      expect(res.status).toBe(200);
      const settle = decodePaymentResponseHeader(res.headers.get("payment-response")!);
      const receipt = await verifiedReceipt(res);
      expect(receipt).toMatchObject({ version: 1, network: devnet.config.network, resourceUrl: url("/api/demo/quote"), payer });
      expect(Math.abs(receipt.issuedAt - Date.now() / 1000)).toBeLessThan(300);
      // PostgreSQL leg: RECEIPT_INCLUDES_TRANSACTION; PGlite leg: privacy-minimal (the spec's default;
      // EIP-712 spells an absent transaction "", JWS leaves it out).
      if (name === "PostgreSQL") expect(receipt.transaction).toBe(settle.transaction);
      else expect(receipt.transaction || undefined).toBeUndefined();
      expect(verifyReceiptMatchesOffer(extractReceiptFromResponse(res)!, offer!, [payer])).toBe(true);
      expect(await balance(payer)).toBe(before - BigInt(offer!.amount));
    });

    it("@x402/axios (2.11, with its own @x402/core) pays through the offers too and gets the receipt", async () => {
      const payer = buyer(0).address;
      const before = await balance(payer);
      const api = wrapAxiosWithPayment(axios.create(), createX402Client(devnet.config, buyer(0).privateKey as Hex) as never);
      const res = await api.get(url("/api/demo/quote"));
      expect(res.status).toBe(200);
      const headers = new Headers(Object.entries(res.headers).filter((e): e is [string, string] => typeof e[1] === "string"));
      expect(await verifiedReceipt(new Response(null, { headers }))).toMatchObject({ payer, resourceUrl: url("/api/demo/quote") });
      expect(await balance(payer)).toBeLessThan(before);
    });

    it("x402-fetch (v1) pays with offers in the 402 body and gets its receipt in X-PAYMENT-RESPONSE", async () => {
      const payer = buyer(1).address;
      const before = await balance(payer);
      const res = await createPayingFetchV1(devnet.config, buyer(1).privateKey as Hex)(url("/api/demo/quote"));
      expect(res.status).toBe(200);
      const settle = JSON.parse(Buffer.from(res.headers.get("x-payment-response")!, "base64").toString());
      expect(settle).toMatchObject({ success: true, payer, network: "base-sepolia" });
      // The receipt names the CAIP-2 network though the v1 answer names "base-sepolia" (§5.2).
      expect(await verifiedReceipt(res)).toMatchObject({ network: devnet.config.network, payer, resourceUrl: url("/api/demo/quote") });
      expect(await balance(payer)).toBeLessThan(before);
    });

    it("a route at the route editor's limits carries as many offers as fit the offers budget, its 402 stays readable, and @x402/fetch still pays it", async () => {
      const challenge = await fetch(url("/test-pages/file"));
      expect(challenge.status).toBe(402);
      const header = challenge.headers.get("payment-required")!;
      const required = decodePaymentRequiredHeader(header);
      expect(required.accepts).toHaveLength(10);
      const offers = decodeSignedOffers(extractOffersFromPaymentRequired(required));
      // Offers only within the budget. (Here, with the store's builder-code declaration beside
      // 4 KB of discovery, sign-in and ten options, the 402 alone is past it: it carries none.)
      if (offers.length > 0) expect(header.length).toBeLessThanOrEqual(OFFERS_HEADER_BUDGET);
      // Node reads at most 16 KiB of a response's headers: the whole 402 stays under it.
      expect([...challenge.headers].reduce((n, [k, v]) => n + k.length + v.length + 4, 0)).toBeLessThan(16 * 1024);
      expect(offers.map((o) => o.acceptIndex)).toEqual(offers.map((_, i) => i));
      for (const offer of offers) await verifiedOffer(offer.signedOffer);
      // The official client echoes every extension it was sent in PAYMENT-SIGNATURE: still under Node's 16 KiB.
      const payer = buyer(3).address;
      const before = await balance(payer);
      const res = await createPayingFetch(devnet.config, buyer(3).privateKey as Hex)(url("/test-pages/file"));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("TEST-FILE-CONTENT\n");
      expect(await verifiedReceipt(res)).toMatchObject({ payer, resourceUrl: url("/test-pages/file") });
      expect(await balance(payer)).toBe(before - 1000n);
    });

    it("a long URL on that route gets a 402 the official client reads and pays, or 414: never an unreadable answer, never a 431 after the 402", async () => {
      const payer = buyer(4).address;
      const before = await balance(payer);
      const pay = createPayingFetch(devnet.config, buyer(4).privateKey as Hex);
      const statuses: number[] = [];
      for (const n of [0, 300, 600, 900, 1200, 2000, 4000, 8000]) {
        const p = `/test-pages/file?q=${"a".repeat(n)}`;
        // undici throws on headers over 16 KiB: a throw here fails the test.
        const challenge = await fetch(url(p));
        expect([402, 414]).toContain(challenge.status);
        statuses.push(challenge.status);
        const res = await pay(url(p));
        if (challenge.status === 414) {
          expect(res.status).toBe(414);
          expect(await res.json()).toMatchObject({ error: { code: "uri_too_long" } });
          continue;
        }
        expect(res.status).toBe(200);
        expect(await res.text()).toBe("TEST-FILE-CONTENT\n");
        expect(await verifiedReceipt(res)).toMatchObject({ payer, resourceUrl: url(p) });
      }
      // Both answers occur, in that order: short URLs are paid, long ones refused.
      expect(statuses[0]).toBe(402);
      expect(statuses.at(-1)).toBe(414);
      expect(statuses.indexOf(414)).toBe(statuses.length - statuses.filter((s) => s === 414).length);
      expect(await balance(payer)).toBe(before - 1000n * BigInt(statuses.filter((s) => s === 402).length));

      // A person opening such an address gets a short page saying so.
      const page = await fetch(url(`/test-pages/file?q=${"a".repeat(8000)}`), { headers: { accept: "text/html", "sec-fetch-dest": "document" } });
      expect(page.status).toBe(414);
      expect(await page.text()).toContain("Address too long");
    });

    it("a v1 payment sent to a URL over MAX_PRICED_URL_LENGTH is refused 414 before anything is charged (its receipt could not be read)", async () => {
      const payer = buyer(4).address;
      const before = await balance(payer);
      // x402-fetch signs for the quote's requirements; a v1 payment does not name the URL it pays for.
      let xPayment: string | null = null;
      const capture: typeof fetch = async (input, init) => {
        xPayment ??= new Headers(init?.headers).get("x-payment");
        return xPayment ? new Response("{}", { status: 500 }) : fetch(input, init);
      };
      await createPayingFetchV1(devnet.config, buyer(4).privateKey as Hex, undefined, undefined, capture)(url("/api/demo/quote"));
      expect(xPayment).toEqual(expect.any(String));
      const long = `/api/demo/quote?q=${"a".repeat(MAX_PRICED_URL_LENGTH)}`;
      const res = await fetch(url(long), { headers: { "x-payment": xPayment! } });
      expect(res.status).toBe(414);
      expect(await res.json()).toMatchObject({ error: { code: "uri_too_long" } });
      // The same payment, on the quote's own URL, is still good: nothing was used.
      const served = await fetch(url("/api/demo/quote"), { headers: { "x-payment": xPayment! } });
      expect(served.status).toBe(200);
      expect(await balance(payer)).toBe(before - 10_000n);
    });

    it.runIf(name === "PostgreSQL")("npm run agent checks a JWS receipt with the key its did:web names, and its kid against the published one", { timeout: 120_000 }, async () => {
      const { code, out } = await runAgent([url("/api/demo/quote"), "--buyer", "2"]);
      expect(code).toBe(0);
      expect(out).toContain(`signed by    ${did()}#offer-receipt (JWS, key from its DID document)`);
      expect(out).toMatch(/published {4}yes, at /);
      expect(out).toMatch(/transaction {2}0x[0-9a-f]{64}/);
    });

    it("a retry with the same payment-identifier gets the recorded response with a receipt again, and no second charge", async () => {
      const id = generatePaymentId();
      const headers = await signPayment("/api/demo/quote", 2, id);
      const payer = buyer(2).address;
      const before = await balance(payer);
      const first = await fetch(url("/api/demo/quote"), { headers });
      expect(first.status).toBe(200);
      const again = await fetch(url("/api/demo/quote"), { headers });
      expect(again.status).toBe(200);
      expect(await again.text()).toBe(await first.text());
      for (const res of [first, again]) expect(await verifiedReceipt(res)).toMatchObject({ payer, resourceUrl: url("/api/demo/quote") });
      const charged = before - (await balance(payer));
      expect(charged).toBeGreaterThan(0n);
      expect(charged).toBe(BigInt(decodePaymentRequiredHeader((await fetch(url("/api/demo/quote"))).headers.get("payment-required")!).accepts[0]!.amount));
    });
  });

  describe("builder-code (ERC-8021 attribution, @x402/extensions/builder-code)", () => {
    const chain = () => createPublicClient({ transport: viemHttp(devnet.config.rpcUrl) });
    /** The ERC-8021 attribution in the calldata of the transaction a paid answer names, read by the library. */
    const attributionOf = async (res: Response) => {
      const settle = decodePaymentResponseHeader(res.headers.get("payment-response")!);
      return parseBuilderCodeSuffixFromCalldata((await chain().getTransaction({ hash: settle.transaction as Hex })).input);
    };

    it("every 402 declares the store's code, pages included, and the store's listings name it", async () => {
      for (const p of ["/api/demo/quote", "/api/demo/summarize", "/articles/deep-dive"]) {
        const challenge = await fetch(url(p), { method: p.endsWith("summarize") ? "POST" : "GET" });
        expect(challenge.status, p).toBe(402);
        expect(decodePaymentRequiredHeader(challenge.headers.get("payment-required")!).extensions?.[BUILDER_CODE], p).toMatchObject({ info: { a: STORE_BUILDER_CODE } });
      }
      // The paywall a visitor opens carries it too (its wallet client echoes it).
      const paywall = await fetch(url("/articles/deep-dive"), { headers: { accept: "text/html" } });
      expect(paywall.status).toBe(402);
      expect(decodePaymentRequiredHeader(paywall.headers.get("payment-required")!).extensions?.[BUILDER_CODE]).toMatchObject({ info: { a: STORE_BUILDER_CODE } });
      expect(await (await fetch(url("/.well-known/x402"))).json()).toMatchObject({ builderCode: STORE_BUILDER_CODE });
      expect(await (await fetch(url("/llms.txt"))).text()).toContain(`code "${STORE_BUILDER_CODE}"`);
    });

    it("@x402/fetch with the buyer's own code pays, and the settlement's calldata credits the store and the buyer", async () => {
      const x402 = createX402Client(devnet.config, buyer(2).privateKey as Hex).registerExtension(new BuilderCodeClientExtension("agent_one"));
      const res = await wrapFetchWithPayment(fetch, x402)(url("/api/demo/quote"));
      expect(res.status).toBe(200);
      expect(await attributionOf(res)).toEqual({ a: STORE_BUILDER_CODE, s: ["agent_one"] });
      // A page an agent pays, and a client that adds nothing: the store's code alone.
      const page = await createPayingFetch(devnet.config, buyer(2).privateKey as Hex)(url("/articles/deep-dive"));
      expect(page.status).toBe(200);
      expect(await attributionOf(page)).toEqual({ a: STORE_BUILDER_CODE });
    });

    it("refuses a payment that credits another app (402, nothing charged), and the same payment echoing the store's code then pays", async () => {
      const payer = buyer(3).address;
      const before = await balance(payer);
      const signed = await signPayment("/api/demo/quote", 3);
      for (const forged of [{ a: "someone_else" }, { a: "someone_else", s: ["agent_one"] }, { s: ["agent_one"] }]) {
        const res = await fetch(url("/api/demo/quote"), { headers: await withExtensions(signed, { [BUILDER_CODE]: { info: forged } }) });
        expect(res.status, JSON.stringify(forged)).toBe(402);
        expect(await res.json()).toMatchObject({ code: "payment_invalid", error: expect.stringContaining("extension_echo_mismatch (builder-code)") });
      }
      expect(await balance(payer)).toBe(before);
      const honest = await fetch(url("/api/demo/quote"), { headers: await withExtensions(signed, { [BUILDER_CODE]: { info: { a: STORE_BUILDER_CODE, s: ["agent_one"] } } }) });
      expect(honest.status).toBe(200);
      expect(await attributionOf(honest)).toEqual({ a: STORE_BUILDER_CODE, s: ["agent_one"] });
      expect(await balance(payer)).toBe(before - 10_000n);
    });

    it("whatever builder-code echo a payer sends, nothing but the store's code is ever credited, and a refusal charges nothing", { timeout: 180_000 }, async () => {
      const code = fc.stringMatching(/^[a-z0-9_]{1,32}$/);
      const info = fc.oneof(
        fc.record({ a: fc.oneof(fc.constant(STORE_BUILDER_CODE), code, fc.jsonValue()), s: fc.oneof(fc.array(fc.oneof(code, fc.string()), { maxLength: 12 }), code, fc.jsonValue()), w: fc.oneof(code, fc.jsonValue()) }, { requiredKeys: [] }),
        fc.jsonValue(),
      );
      const payer = buyer(1).address;
      await fc.assert(
        fc.asyncProperty(fc.oneof(info.map((i) => ({ info: i })), fc.jsonValue()), async (extension) => {
          const before = await balance(payer);
          const res = await fetch(url("/api/demo/quote"), { headers: await withExtensions(await signPayment("/api/demo/quote", 1), { [BUILDER_CODE]: extension }) });
          expect([200, 402], JSON.stringify(extension)).toContain(res.status);
          if (res.status === 402) {
            expect(await res.json()).toMatchObject({ code: "payment_invalid" });
            expect(await balance(payer)).toBe(before);
            return;
          }
          await res.arrayBuffer();
          const credited = await attributionOf(res);
          // The store's app code or none (an echo that is no object carries nothing); a facilitator
          // code is never the payer's to write; service codes are well-formed and bounded.
          expect([STORE_BUILDER_CODE, undefined]).toContain(credited?.a);
          expect(credited?.w).toBeUndefined();
          for (const s of [credited?.s ?? []].flat()) expect(s).toMatch(/^[a-z0-9_]{1,32}$/);
          expect(await balance(payer)).toBe(before - 10_000n);
        }),
        { numRuns: 25 },
      );
    });
  });

  describe("streamed paid responses", () => {
    it("settles on the handler's headers, then delivers server-sent events as they are produced", async () => {
      const payer = buyer(2).address;
      const before = await balance(payer);
      const res = await createPayingFetch(devnet.config, buyer(2).privateKey as Hex)(url("/api/demo/stream?events=5"));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      expect(decodePaymentResponseHeader(res.headers.get("payment-response")!).success).toBe(true);
      // Charged before the body is read: settlement did not wait for the stream's end.
      expect(await balance(payer)).toBe(before - 20_000n);

      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      const first = decoder.decode((await reader.read()).value);
      const firstAt = Date.now();
      // The handler produces an event every 400 ms: the first arrives alone, long before the end.
      expect(first).toContain("id: 1\n");
      expect(first).not.toContain("event: end");
      let rest = "";
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
      expect(Date.now() - firstAt).toBeGreaterThanOrEqual(1_000);
      const events = (first + rest).split("\n\n").filter(Boolean);
      expect(events.filter((e) => e.includes("event: tick"))).toHaveLength(5);
      expect(events.at(-1)).toContain("event: end");
    });

    it.each([
      { format: "server-sent events", query: "", isTick: (r: string) => r.includes("event: tick"), isEnd: (r: string) => r.includes("event: end"), separator: "\n\n", type: "text/event-stream" },
      { format: "NDJSON", query: "&format=ndjson", isTick: (r: string) => r.includes('"symbol"'), isEnd: (r: string) => r.includes('"end":true'), separator: "\n", type: "application/x-ndjson" },
    ])("streams $format live for a payment with a payment-identifier id too (a live feed is not held to be kept); its retry gets payment_already_used", async ({ query, isTick, isEnd, separator, type }) => {
      const payer = buyer(2).address;
      const before = await balance(payer);
      const path = `/api/demo/stream?events=20${query}`;
      const headers = await signPayment(path, 2, generatePaymentId());
      const res = await fetch(url(path), { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain(type);
      expect(decodePaymentResponseHeader(res.headers.get("payment-response")!).success).toBe(true);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      // 20 ticks, one every 400 ms: held whole (as before), the first complete tick would come
      // with all the others and the end.
      let first = "";
      while (!first.split(separator).slice(0, -1).some(isTick)) first += decoder.decode((await reader.read()).value!, { stream: true });
      expect(isEnd(first)).toBe(false);
      let rest = "";
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
      expect((first + rest).split(separator).filter(isTick)).toHaveLength(20);
      expect(isEnd(rest)).toBe(true);
      expect(await balance(payer)).toBe(before - 20_000n);
      const retry = await fetch(url(path), { headers });
      expect(retry.status).toBe(402);
      expect((await retry.json()).code).toBe("payment_already_used");
      expect(await balance(payer)).toBe(before - 20_000n);
    });

    it("charges nothing for a stream whose handler refuses the request", async () => {
      const payer = buyer(3).address;
      const before = await balance(payer);
      for (const query of ["events=99", "format=xml", "format=__proto__"]) {
        const res = await createPayingFetch(devnet.config, buyer(3).privateKey as Hex)(url(`/api/demo/stream?${query}`));
        expect(res.status, query).toBe(400);
        expect(res.headers.get("payment-response"), query).toBeNull();
      }
      expect(await balance(payer)).toBe(before);
    });
  });

  describe("pay once, then sign in (sign-in-with-x)", () => {
    const account = (i: number) => privateKeyToAccount(buyer(i).privateKey as Hex);

    /** The route's current 402 sign-in challenge. */
    async function challenge(p: string): Promise<SIWxExtension> {
      const res = await fetch(url(p));
      expect(res.status).toBe(402);
      return decodePaymentRequiredHeader(res.headers.get("payment-required")!).extensions![SIGN_IN_WITH_X] as SIWxExtension;
    }

    /** A SIGN-IN-WITH-X header for `ext`'s challenge, signed by buyer `i` after `edit` changed the message (forgeries). */
    async function signIn(ext: SIWxExtension, i: number, edit: (info: Record<string, unknown>) => void = () => {}): Promise<string> {
      const info: Record<string, unknown> = { ...ext.info, chainId: ext.supportedChains[0]!.chainId, type: ext.supportedChains[0]!.type };
      edit(info);
      const signer = account(i);
      const message = createSIWxMessage(info as never, signer.address);
      const signature = await signer.signMessage({ message });
      return encodeSIWxHeader({ ...info, address: signer.address, signature } as Parameters<typeof encodeSIWxHeader>[0]);
    }

    const refusal = async (res: Response) => ({ status: res.status, body: await res.json() });

    it("declares sign-in-with-x, bound to this origin and path, on routes that sell access", async () => {
      const ext = await challenge("/api/demo/forecast");
      expect(ext.info).toMatchObject({ domain: new URL(app.url).host, uri: url("/api/demo/forecast"), version: "1" });
      expect(ext.info.nonce).toMatch(/^[0-9a-f]{32}$/);
      expect(ext.supportedChains).toContainEqual({ chainId: devnet.config.network, type: "eip191" });
      const quote = decodePaymentRequiredHeader((await fetch(url("/api/demo/quote"))).headers.get("payment-required")!);
      expect(quote.extensions?.[SIGN_IN_WITH_X]).toBeUndefined();
    });

    it("after one payment, wrapFetchWithSIWx is served free for the window; another address is not", async () => {
      const payer = buyer(1).address;
      const before = await balance(payer);
      const agent = wrapFetchWithPayment(wrapFetchWithSIWx(fetch, account(1)), createX402Client(devnet.config, buyer(1).privateKey as Hex));
      const first = await agent(url("/api/demo/forecast?city=Porto"));
      expect(first.status).toBe(200);
      expect(first.headers.get("payment-response")).not.toBeNull();
      expect(await balance(payer)).toBe(before - 50_000n);

      for (const city of ["Porto", "Faro"]) {
        const again = await agent(url(`/api/demo/forecast?city=${city}`));
        expect(again.status).toBe(200);
        expect((await again.json()).city).toBe(city);
        expect(again.headers.get("payment-response")).toBeNull();
        expect(Date.parse(again.headers.get("x-access-until")!)).toBeGreaterThan(Date.now() + 59 * 60_000);
      }
      expect(await balance(payer)).toBe(before - 50_000n);

      // A signer that never paid gets the 402 with the reason, and no content.
      const stranger = await refusal(await fetch(url("/api/demo/forecast"), { headers: { [SIGN_IN_WITH_X]: await signIn(await challenge("/api/demo/forecast"), 4) } }));
      expect(stranger.status).toBe(402);
      expect(stranger.body).toMatchObject({ code: "sign_in_refused", error: expect.stringMatching(/holds no unexpired access/) });
    });

    it("works through the client's SIWx extension and hook, unpatched", async () => {
      const x402 = createX402Client(devnet.config, buyer(3).privateKey as Hex);
      x402.registerExtension(createSIWxClientExtension({ signers: [account(3)] }) as never);
      const agent = wrapFetchWithPayment(fetch, x402);
      const payer = buyer(3).address;
      const before = await balance(payer);
      expect((await agent(url("/api/demo/forecast"))).status).toBe(200);
      const free = await agent(url("/api/demo/forecast"));
      expect(free.status).toBe(200);
      expect(free.headers.get("payment-response")).toBeNull();
      expect(await balance(payer)).toBe(before - 50_000n);

      // And through the x402HTTPClient hook (createSIWxClientHook) on an address that already paid.
      const hooked = new x402HTTPClient(createX402Client(devnet.config, buyer(3).privateKey as Hex)).onPaymentRequired(createSIWxClientHook(account(3)));
      const viaHook = await wrapFetchWithPayment(fetch, hooked)(url("/api/demo/forecast"));
      expect(viaHook.status).toBe(200);
      expect(viaHook.headers.get("payment-response")).toBeNull();
      expect(await balance(payer)).toBe(before - 50_000n);
    });

    it("refuses forged, replayed, misbound and cross-route sign-ins with 402 and a reason, never content", async () => {
      // Buyer 1 paid for the forecast above; each of these is still refused.
      const forecast = () => challenge("/api/demo/forecast");
      const cases: [string, () => Promise<string>, RegExp][] = [
        ["another domain", async () => signIn(await forecast(), 1, (i) => (i.domain = "evil.example")), /Domain mismatch/],
        ["another origin in the URI", async () => signIn(await forecast(), 1, (i) => (i.uri = "https://evil.example/api/demo/forecast")), /URI mismatch/],
        ["expired", async () => signIn(await forecast(), 1, (i) => (i.expirationTime = new Date(Date.now() - 1000).toISOString())), /expired/i],
        ["a nonce this server never issued", async () => signIn(await forecast(), 1, (i) => (i.nonce = "0123456789abcdef0123456789abcdef")), /nonce was not issued/],
        [
          "the signature of another address",
          async () => {
            const header = JSON.parse(Buffer.from(await signIn(await forecast(), 4), "base64").toString()) as Record<string, unknown>;
            return Buffer.from(JSON.stringify({ ...header, address: account(1).address })).toString("base64");
          },
          /signature|verif/i,
        ],
        ["another route's challenge", async () => signIn(await challenge("/api/demo/download"), 1), /URI mismatch|nonce/],
        ["garbage", async () => "not base64!", /Invalid SIWX header/],
      ];
      for (const [name, header, reason] of cases) {
        const res = await refusal(await fetch(url("/api/demo/forecast"), { headers: { [SIGN_IN_WITH_X]: await header() } }));
        expect(res.status, name).toBe(402);
        expect(res.body.code, name).toBe("sign_in_refused");
        expect(res.body.error, name).toMatch(reason);
      }

      // Replayed: the first use opens the route, the same header again does not.
      const header = await signIn(await forecast(), 1);
      expect((await fetch(url("/api/demo/forecast"), { headers: { [SIGN_IN_WITH_X]: header } })).status).toBe(200);
      const replay = await refusal(await fetch(url("/api/demo/forecast"), { headers: { [SIGN_IN_WITH_X]: header } }));
      expect(replay.status).toBe(402);
      expect(replay.body.error).toMatch(/already used/);

      // Access never crosses routes: buyer 1 paid for the forecast, not for downloads.
      const download = await refusal(await fetch(url("/api/demo/download"), { headers: { [SIGN_IN_WITH_X]: await signIn(await challenge("/api/demo/download"), 1) } }));
      expect(download.status).toBe(402);
      expect(download.body.error).toMatch(/holds no unexpired access/);
    });

    it.runIf(name === "PostgreSQL")("refuses a sign-in once the access window has ended", async () => {
      const address = account(1).address.toLowerCase();
      const valid = await fetch(url("/api/demo/forecast"), { headers: { [SIGN_IN_WITH_X]: await signIn(await challenge("/api/demo/forecast"), 1) } });
      expect(valid.status).toBe(200);
      await db.prisma.entitlement.updateMany({ where: { address }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const expired = await refusal(await fetch(url("/api/demo/forecast"), { headers: { [SIGN_IN_WITH_X]: await signIn(await challenge("/api/demo/forecast"), 1) } }));
      expect(expired.status).toBe(402);
      expect(expired.body.error).toMatch(/holds no unexpired access/);
    });
  });

  describe("free quota, then paid", () => {
    const signer = (i: number) => privateKeyToAccount(buyer(i).privateKey as Hex);
    /** A fresh SIGN-IN-WITH-X for the weather route by buyer `i`, with the official client helpers. */
    async function weatherSignIn(i: number, base = app.url): Promise<string> {
      const res = await fetch(`${base}/api/demo/weather`);
      expect(res.status).toBe(402);
      const ext = decodePaymentRequiredHeader(res.headers.get("payment-required")!).extensions![SIGN_IN_WITH_X] as SIWxExtension;
      const chain = ext.supportedChains[0]!;
      const info = { ...ext.info, chainId: chain.chainId, type: chain.type };
      const signature = await signer(i).signMessage({ message: createSIWxMessage(info, signer(i).address) });
      return encodeSIWxHeader({ ...info, address: signer(i).address, signature });
    }

    // PGlite leg (no trusted proxy: an unsigned call is nobody). Behind the PostgreSQL leg's trusted
    // proxy every direct call is identified by its address and starts with free calls.
    it.runIf(name === "PGlite")("declares sign-in-with-x so a caller can identify itself without paying", async () => {
      const required = decodePaymentRequiredHeader((await fetch(url("/api/demo/weather"))).headers.get("payment-required")!);
      expect(required.extensions?.[SIGN_IN_WITH_X]).toMatchObject({ info: { uri: url("/api/demo/weather") } });
    });

    it.runIf(name === "PGlite")("gives a signed-in caller its free calls, then asks it to pay; another caller has its own", async () => {
      const statuses: (string | null)[] = [];
      for (let n = 0; n < 3; n++) {
        const res = await fetch(url("/api/demo/weather?city=Oslo"), { headers: { [SIGN_IN_WITH_X]: await weatherSignIn(0) } });
        expect(res.status).toBe(200);
        expect((await res.json()).city).toBe("Oslo");
        statuses.push(res.headers.get("x-quota-remaining"));
      }
      expect(statuses).toEqual(["2", "1", "0"]);
      const fourth = await fetch(url("/api/demo/weather"), { headers: { [SIGN_IN_WITH_X]: await weatherSignIn(0) } });
      expect(fourth.status).toBe(402);
      expect(fourth.headers.get("x-quota-remaining")).toBe("0");
      expect((await fourth.json()).error).toMatch(/free calls of this window are used/);
      // Replaying a sign-in does not buy another call, nor consume someone's quota.
      const header = await weatherSignIn(1);
      expect((await fetch(url("/api/demo/weather"), { headers: { [SIGN_IN_WITH_X]: header } })).headers.get("x-quota-remaining")).toBe("2");
      const replay = await fetch(url("/api/demo/weather"), { headers: { [SIGN_IN_WITH_X]: header } });
      expect(replay.status).toBe(402);
      expect((await replay.json()).code).toBe("sign_in_refused");
      // Past its quota, the caller pays like anyone.
      const before = await balance(buyer(0).address);
      const paid = await createPayingFetch(devnet.config, buyer(0).privateKey as Hex)(url("/api/demo/weather"));
      expect(paid.status).toBe(200);
      expect(await balance(buyer(0).address)).toBe(before - 10_000n);
    });

    it.runIf(name === "PGlite")("without a trusted proxy, an unsigned caller's X-Forwarded-For counts for nothing", async () => {
      for (const ip of ["203.0.113.1", "203.0.113.2"]) {
        const res = await fetch(url("/api/demo/weather"), { headers: { "x-forwarded-for": ip } });
        expect(res.status).toBe(402);
        expect((await res.json()).error).toMatch(/sign in \(sign-in-with-x\) to use the 3 free calls/);
      }
    });

    it.runIf(name === "PostgreSQL")("behind a trusted proxy, counts a caller's IP across two instances, concurrently, never past the quota", async () => {
      const bases = [app.url, app2!.url];
      const call = (ip: string, i: number) => fetch(`${bases[i % 2]}/api/demo/weather`, { headers: { "x-forwarded-for": ip } });
      const sequential = [];
      for (let i = 0; i < 5; i++) sequential.push((await call("198.51.100.7", i)).status);
      expect(sequential).toEqual([200, 200, 200, 402, 402]);
      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => call("198.51.100.8", i).then((r) => r.status)));
      expect(burst.filter((s) => s === 200)).toHaveLength(3);
      expect(burst.filter((s) => s !== 200 && s !== 402)).toEqual([]);
      const rows = await db.prisma.quotaUsage.findMany({ where: { identity: { in: ["ip:198.51.100.7", "ip:198.51.100.8"] } } });
      expect(rows.map((r) => r.used).sort()).toEqual([3, 3]);
    });

    it.runIf(name === "PostgreSQL")("serves a free call whatever its URL's length (its answer repeats no URL); once payment is due, a URL over the limit is 414", async () => {
      const long = `/api/demo/weather?city=Oslo&pad=${"a".repeat(MAX_PRICED_URL_LENGTH)}`;
      const call = () => fetch(url(long), { headers: { "x-forwarded-for": "198.51.100.9" } });
      for (const remaining of ["2", "1", "0"]) {
        const res = await call();
        expect(res.status).toBe(200);
        expect(res.headers.get("x-quota-remaining")).toBe(remaining);
      }
      const due = await call();
      expect(due.status).toBe(414);
      expect(await due.json()).toMatchObject({ error: { code: "uri_too_long" } });
    });
  });
  describe.runIf(name === "PGlite")("npm run agent (README's commands)", () => {
    it("pays a priced API and prints the answer, the settlement and the buyer's balance", { timeout: 120_000 }, async () => {
      const before = await balance(buyer(0).address);
      const { code, out } = await runAgent([url("/api/demo/quote")]);
      expect(code).toBe(0);
      expect(out).toContain(`GET ${url("/api/demo/quote")} → 200`);
      expect(out).toMatch(/success {6}true/);
      expect(out).toMatch(/transaction {2}0x[0-9a-f]{64}/);
      expect(out).toContain("(-0.01 USDC)");
      // This app declares a builder code (BUILDER_CODE): the settlement's calldata credits it.
      expect(out).toContain(`credited     app ${STORE_BUILDER_CODE} (ERC-8021)`);
      // This app signs receipts (OFFER_RECEIPT_PRIVATE_KEY): checked, and its signer is the published one.
      expect(out).toContain(`signed by    ${OFFER_RECEIPT_SIGNER} (EIP-712)`);
      expect(out).toMatch(/published {4}yes, at /);
      expect(out).toContain(`payer        ${buyer(0).address}`);
      expect(out).toContain("transaction  (not included)");
      expect(await balance(buyer(0).address)).toBe(before - 10_000n);
    });

    it("npm run discover lists and searches the store's priced APIs through the official bazaar client", { timeout: 120_000 }, async () => {
      const discover = (args: string[]) => runAgent(args, undefined, "scripts/discover.ts");
      const all = await discover([app.url]);
      expect(all.code).toBe(0);
      expect(all.out).toMatch(/^\d+ priced APIs at http:\/\/127\.0\.0\.1:\d+\n/);
      expect(all.out).toContain(`GET ${url("/api/demo/quote")}\n  A quotation of the minute\n  pay          10000 atomic units of ${asset} (USD Coin) on ${devnet.config.network}, to ${merchant}`);
      expect(all.out).toContain(`POST ${url("/api/demo/summarize")}`);
      expect(all.out).toMatch(/ {2}body {8}\{"text":/);
      expect(all.out).not.toContain("/articles/");
      const found = await discover([app.url, "--query", "quotation", "--network", devnet.config.svm.network]);
      expect(found.code).toBe(0);
      expect(found.out).toContain(`1 priced API at ${app.url} matching "quotation"`);
      expect(found.out).toContain(`on ${devnet.config.svm.network}, to ${devnet.config.svm.payTo}`);
      // A site that does not answer the discovery API: exit 1, said in words.
      expect((await discover([`${app.url}/api/nope`])).code).toBe(1);
    });

    it("--network solana --v1: x402-fetch pays on the local Solana", { timeout: 120_000 }, async () => {
      const svm = devnet.config.svm;
      const payer = svm.buyers[4]!.address;
      const before = await splBalance(svm.rpcUrl, svm.mint.address, payer);
      const { code, out } = await runAgent([url("/api/demo/quote"), "--network", "solana", "--v1", "--buyer", "4"]);
      expect(code).toBe(0);
      expect(out).toContain(`GET ${url("/api/demo/quote")} → 200`);
      expect(out).toMatch(/network {6}solana-devnet/);
      expect(out).toContain("(-0.01 USDC)");
      expect(await splBalance(svm.rpcUrl, svm.mint.address, payer)).toBe(before - 10_000n);
    });

    it("--payment-id: the same payment presented again gets the same answer and no charge", { timeout: 120_000 }, async () => {
      const before = await balance(buyer(0).address);
      const { code, out } = await runAgent([url("/api/demo/quote"), "--payment-id"]);
      expect(code).toBe(0);
      expect(out).toMatch(/retry of the same payment → 200/);
      expect(out).toMatch(/same response body {8}yes/);
      expect(out).toMatch(/charged again {13}no/);
      expect(await balance(buyer(0).address)).toBe(before - 10_000n);
    });

    it.each([
      { format: "server-sent events", query: "", first: "id: 1\n", end: "event: end", ticks: (out: string) => out.split("\n\n").filter((e) => e.includes("event: tick")) },
      { format: "NDJSON", query: "&format=ndjson", first: '{"n":1,', end: '{"end":true}', ticks: (out: string) => out.split("\n").filter((l) => l.startsWith('{"n":')) },
    ])("prints $format as they arrive", { timeout: 120_000 }, async ({ query, first, end, ticks }) => {
      // 20 ticks, one every 400 ms: when the first is printed, the stream has not ended.
      let endedAtFirst: boolean | undefined;
      const { code, out } = await runAgent([url(`/api/demo/stream?events=20${query}`)], (sofar) => {
        if (endedAtFirst === undefined && sofar.includes(first)) endedAtFirst = sofar.includes(end);
      });
      expect(code).toBe(0);
      expect(endedAtFirst).toBe(false);
      expect(ticks(out)).toHaveLength(20);
      expect(out).toContain(end);
      expect(out).toContain("(-0.02 USDC)");
    });
  });
});
