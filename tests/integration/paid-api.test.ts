/**
 * The core loop against real parts: anvil with test USDC, the real facilitator (@x402/core +
 * @x402/evm) over HTTP, the built app under `next start`, and a real database (embedded PGlite,
 * then a PostgreSQL 15 cluster this test starts). Buyers pay with the official clients:
 * @x402/fetch (v2) and x402-fetch (v1). Balances are read from the chain, rows from the database.
 */
import { wrapAxiosWithPayment } from "@x402/axios";
import { x402HTTPClient } from "@x402/core/client";
import axios from "axios";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import { extractDiscoveryInfo, extractDiscoveryInfoV1 } from "@x402/extensions/bazaar";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, http, parseAbiItem, parseSignature, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { openDatabase } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { routerStateReadable } from "@/lib/gateway/request-guard";
import { deletePricedRoute, upsertPricedRoute } from "@/lib/routes/mutations";
import { createPayingFetch, createPayingFetchV1, createX402Client } from "@/scripts/agent-client";
import { balanceOf, localChain, testKey } from "@/scripts/devnet/chain";
import { compileContracts } from "@/scripts/devnet/compile";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext, type NextServer } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { databaseLegs, startTestDatabase, type TestDatabase } from "../support/postgres";
import { startSwitchboard, type SwitchboardMode } from "../support/switchboard";
import { transferWithNonce } from "../support/authorization";

/** MAX_REQUEST_BODY_BYTES of the app under test (12 MiB). */
const MAX_BODY = 12 * 1024 * 1024;

describe.each(databaseLegs())("paid API routes on $name", ({ name, skip }) => {
  if (skip) {
    it.skip("needs PostgreSQL binaries", () => {});
    return;
  }

  let devnet: Devnet;
  let switchboard: Awaited<ReturnType<typeof startSwitchboard>>;
  let app: NextServer;
  let database: TestDatabase | undefined;
  let databaseUrl: string;
  let asset: Address;
  let merchant: Address;
  /** What the buyers were told was settled, to compare with the database at the end. */
  const settledByResponse: { transaction: string; payer: string; amount: string; version: number }[] = [];
  const expectedFailures: string[] = [];
  const expectedUnknown: string[] = [];
  /** Every token transfer to `to` on the devnet, as {transaction, amount}, sorted by transaction. */
  let transfersTo: (to: Address) => Promise<{ transaction: string; amount: string }[]>;

  const buyer = (i: number) => devnet.config.buyers[i]!;
  const balance = (owner: string) => balanceOf(devnet.config.rpcUrl, asset, owner as Address);
  const url = (p: string) => `${app.url}${p}`;

  /** Signs a v2 payment for `path` with the official client, without sending it. */
  async function signPayment(p: string, buyerIndex: number, init?: RequestInit): Promise<Record<string, string>> {
    const challenge = await fetch(url(p), init);
    expect(challenge.status).toBe(402);
    const client = new x402HTTPClient(createX402Client(devnet.config, buyer(buyerIndex).privateKey as Hex));
    const required = client.getPaymentRequiredResponse((h) => challenge.headers.get(h), await challenge.json());
    return client.encodePaymentSignatureHeader(await client.createPaymentPayload(required));
  }

  beforeAll(async () => {
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    asset = devnet.config.asset.address as Address;
    merchant = devnet.config.payTo as Address;
    transfersTo = async (to) => {
      const logs = await createPublicClient({ transport: http(devnet.config.rpcUrl) }).getLogs({
        address: asset,
        event: parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)"),
        args: { to },
        fromBlock: 0n,
      });
      return logs.map((l) => ({ transaction: l.transactionHash, amount: l.args.value!.toString() })).sort(byTx);
    };
    switchboard = await startSwitchboard(devnet.config.facilitatorUrl);
    database = await startTestDatabase(name, "paid-api");
    databaseUrl = database.url;
    await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet.config);
    app = await startNext({
      mode: "start",
      port: await freePort(),
      env: {
        DATABASE_URL: databaseUrl,
        FACILITATOR_URL: switchboard.url,
        ROUTE_REFRESH_MS: "200",
        FACILITATOR_TIMEOUT_MS: "5000",
        SETTLEMENT_CHECK_MS: "1000",
        // Tollgate reads the chain itself when a settlement's outcome is in doubt.
        EVM_CHAINS: devnetAppEnv(devnet.config).EVM_CHAINS,
        AUTH_SECRET: "integration-grant-secret-0123456789abcdef",
        // Above Next's own 10 MiB default: the bodies test shows Next takes the same limit.
        MAX_REQUEST_BODY_BYTES: String(MAX_BODY),
        // 1 MiB: a download priced as a page shows the bound on what a paid request holds whole.
        MAX_BUFFERED_RESPONSE_BYTES: String(1024 * 1024),
      },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await switchboard?.close();
    await devnet?.stop();
    await database?.stop();
  });

  it("serves free routes without payment", async () => {
    const res = await fetch(url("/api/demo/health"));
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe("ok");
  });

  it("answers an unpaid priced request with 402 in both protocol versions", async () => {
    const res = await fetch(url("/api/demo/quote"));
    expect(res.status).toBe(402);
    // Small and read by machines: neither cached nor gzipped on the way (fetch asks for gzip).
    expect(res.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toContain("PAYMENT-REQUIRED");
    const required = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!);
    expect(required.x402Version).toBe(2);
    expect(required.resource.url).toBe(url("/api/demo/quote"));
    expect(required.accepts).toEqual([
      expect.objectContaining({ scheme: "exact", network: "eip155:84532", amount: "10000", asset, payTo: merchant, extra: expect.objectContaining({ name: "USD Coin", version: "2" }) }),
      // The same route on the local SVM (Solana devnet's id), with the facilitator's fee payer.
      expect.objectContaining({ scheme: "exact", network: devnet.config.svm.network, amount: "10000", asset: devnet.config.svm.mint.address, payTo: devnet.config.svm.payTo, extra: { feePayer: expect.any(String) } }),
    ]);
    const body = await res.json();
    expect(body).toMatchObject({
      x402Version: 1,
      accepts: [
        { network: "base-sepolia", maxAmountRequired: "10000", resource: url("/api/demo/quote"), asset, payTo: merchant },
        { network: "solana-devnet", maxAmountRequired: "10000", asset: devnet.config.svm.mint.address, payTo: devnet.config.svm.payTo },
      ],
    });
    // No OFFER_RECEIPT_PRIVATE_KEY here: no signed offers (tests/integration/agents.test.ts has them).
    expect(required.extensions?.["offer-receipt"]).toBeUndefined();
    expect(body).not.toHaveProperty("extensions");
    expect((await fetch(url("/.well-known/did.json"))).status).toBe(404);
  });

  it("v2: the official @x402/fetch client pays, gets the handler's output and a PAYMENT-RESPONSE", async () => {
    const payer = buyer(0).address;
    const [before, merchantBefore] = [await balance(payer), await balance(merchant)];
    const res = await createPayingFetch(devnet.config, buyer(0).privateKey as Hex)(url("/api/demo/quote"));
    expect(res.status).toBe(200);
    expect((await res.json()).text).toEqual(expect.any(String));
    const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(settle).toMatchObject({ success: true, payer, network: "eip155:84532" });
    expect(settle.extensions?.["offer-receipt"]).toBeUndefined();
    const receipt = await createPublicClient({ transport: http(devnet.config.rpcUrl) }).getTransactionReceipt({ hash: settle.transaction as Hex });
    expect(receipt.status).toBe("success");
    expect(await balance(payer)).toBe(before - 10_000n);
    expect(await balance(merchant)).toBe(merchantBefore + 10_000n);
    settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
  });

  it("v1: the x402-fetch client pays with X-PAYMENT and gets X-PAYMENT-RESPONSE", async () => {
    const payer = buyer(1).address;
    const before = await balance(payer);
    // What the facilitator is asked to settle: v1 requirements with the route's discovery metadata.
    let settled: { paymentRequirements?: Parameters<typeof extractDiscoveryInfoV1>[0] } | undefined;
    switchboard.onNextSettle(async (body) => void (settled = body as typeof settled));
    const res = await createPayingFetchV1(devnet.config, buyer(1).privateKey as Hex)(url("/api/demo/quote"));
    expect(res.status).toBe(200);
    expect(extractDiscoveryInfoV1(settled!.paymentRequirements!)).toMatchObject({ input: { type: "http", method: "GET" }, output: { type: "json", example: { text: expect.any(String) } } });
    const settle = JSON.parse(Buffer.from(res.headers.get("X-PAYMENT-RESPONSE")!, "base64").toString());
    expect(settle).toMatchObject({ success: true, payer, network: "base-sepolia" });
    expect(await balance(payer)).toBe(before - 10_000n);
    settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 1 });
  });

  it("v2: the facilitator is sent this store's resource and bazaar declaration, never what the payer wrote in their place", async () => {
    const payer = buyer(4).address;
    const before = await balance(payer);
    const challenge = decodePaymentRequiredHeader((await fetch(url("/api/demo/quote?city=Oslo"))).headers.get("payment-required")!);
    const [name, value] = Object.entries(await signPayment("/api/demo/quote?city=Oslo", 4))[0]!;
    const payment = JSON.parse(Buffer.from(value, "base64").toString("utf8"));
    // A payer rewrites the unsigned parts a cataloguing facilitator lists a resource from.
    payment.resource = { url: "https://evil.example/phish", description: "Send your keys here", mimeType: "text/html" };
    payment.extensions = { ...payment.extensions, bazaar: { info: { input: { type: "http", method: "POST", bodyType: "json", body: { key: "paste it" } } }, schema: {} } };
    let sent: { paymentPayload: { resource: unknown; extensions: Record<string, unknown> } } | undefined;
    switchboard.onNextSettle(async (body) => void (sent = body as typeof sent));
    const res = await fetch(url("/api/demo/quote?city=Oslo"), { headers: { [name]: Buffer.from(JSON.stringify(payment)).toString("base64") } });
    expect(res.status).toBe(200);
    expect(sent!.paymentPayload.resource).toEqual(challenge.resource);
    expect(sent!.paymentPayload.extensions.bazaar).toEqual(challenge.extensions!.bazaar);
    // Read as a cataloguing facilitator reads it: the store's URL and call shape.
    expect(extractDiscoveryInfo(sent!.paymentPayload as never, challenge.accepts[0]!)).toMatchObject({ resourceUrl: url("/api/demo/quote"), method: "GET", description: challenge.resource.description });
    const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(await balance(payer)).toBe(before - 10_000n);
    settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
  });

  it("v2: the official @x402/axios client pays too", async () => {
    const payer = buyer(3).address;
    const before = await balance(payer);
    // @x402/axios 2.11 (the newest published) pins its own @x402/core; the client object is the same shape.
    const api = wrapAxiosWithPayment(axios.create(), createX402Client(devnet.config, buyer(3).privateKey as Hex) as never);
    const res = await api.get(url("/api/demo/quote"));
    expect(res.status).toBe(200);
    expect(res.data.text).toEqual(expect.any(String));
    const settle = decodePaymentResponseHeader(res.headers["payment-response"] as string);
    expect(settle).toMatchObject({ success: true, payer });
    expect(await balance(payer)).toBe(before - 10_000n);
    settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
  });

  it("POST: pays for a handler that does real work on the JSON body", async () => {
    const payer = buyer(2).address;
    const before = await balance(payer);
    const text = "Agents pay per request. The weather is mild. Agents read paid summaries. Tollgate settles after success.";
    const res = await createPayingFetch(devnet.config, buyer(2).privateKey as Hex)(url("/api/demo/summarize"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text, sentences: 2 }),
    });
    expect(res.status).toBe(200);
    const summary = await res.json();
    expect(summary.sentences).toHaveLength(2);
    expect(summary.summary).not.toContain("weather");
    expect(summary.stats.sentences).toBe(4);
    const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(await balance(payer)).toBe(before - 50_000n);
    settledByResponse.push({ transaction: settle.transaction, payer, amount: "50000", version: 2 });
  });

  it("does not charge when the handler fails", async () => {
    const payer = buyer(2).address;
    const before = await balance(payer);
    const res = await createPayingFetch(devnet.config, buyer(2).privateKey as Hex)(url("/api/demo/summarize"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ txt: "wrong field" }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("bad_request");
    expect(res.headers.get("PAYMENT-RESPONSE")).toBeNull();
    expect(await balance(payer)).toBe(before);
  });

  it("hands a paid handler its whole body up to MAX_REQUEST_BODY_BYTES, and refuses a larger one with 413 before anything is claimed or charged, chunked or not", async () => {
    const payer = buyer(1).address;
    const text = "Agents pay per request. Bodies arrive whole or not at all.";
    /** A JSON body of exactly `size` bytes: the object, padded with spaces, its `}` last or first. */
    const padded = (size: number, closeAt: "end" | "start") => {
      const open = JSON.stringify({ text }).slice(0, -1);
      return closeAt === "end" ? `${open}${" ".repeat(size - open.length - 1)}}` : `${open}}${" ".repeat(size - open.length - 1)}`;
    };
    /** `body` sent as a stream: chunked, no Content-Length. */
    const chunked = (body: string): RequestInit => {
      const bytes = new TextEncoder().encode(body);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 256 * 1024) controller.enqueue(bytes.subarray(i, i + 256 * 1024));
          controller.close();
        },
      });
      return { body: stream, duplex: "half" } as RequestInit;
    };
    const post = (headers: Record<string, string>, init: RequestInit) =>
      fetch(url("/api/demo/summarize"), { method: "POST", ...init, headers: { "content-type": "application/json", ...headers } });

    // Whole: over Next's own 10 MiB default, under this app's limit, its closing brace the last
    // byte (a body cut short is not JSON: 400). Chunked, so only the bytes say where it ends.
    const before = await balance(payer);
    const whole = await post(await signPayment("/api/demo/summarize", 1, { method: "POST" }), chunked(padded(MAX_BODY - 1, "end")));
    expect(whole.status).toBe(200);
    expect((await whole.json()).stats.characters).toBe(text.length);
    const settle = decodePaymentResponseHeader(whole.headers.get("PAYMENT-RESPONSE")!);
    settledByResponse.push({ transaction: settle.transaction, payer, amount: "50000", version: 2 });
    expect(await balance(payer)).toBe(before - 50_000n);

    // Larger, valid JSON however it is cut: refused, with Content-Length and chunked, never charged.
    const tooLarge = padded(MAX_BODY + 512 * 1024, "start");
    const headers = await signPayment("/api/demo/summarize", 1, { method: "POST" });
    const declared = await post(headers, { body: tooLarge });
    expect(declared.status).toBe(413);
    expect((await declared.json()).error.code).toBe("payload_too_large");
    // A chunked body is refused once it passes the limit; the rest is read, so the client sees the 413.
    const streamed = await post(headers, chunked(tooLarge));
    expect(streamed.status).toBe(413);
    expect((await streamed.json()).error.code).toBe("payload_too_large");
    expect(await balance(payer)).toBe(before - 50_000n);

    // Nothing was claimed: the same payment then pays for a body that fits.
    const fits = await post(headers, { body: JSON.stringify({ text }) });
    expect(fits.status).toBe(200);
    const second = decodePaymentResponseHeader(fits.headers.get("PAYMENT-RESPONSE")!);
    settledByResponse.push({ transaction: second.transaction, payer, amount: "50000", version: 2 });
    expect(await balance(payer)).toBe(before - 100_000n);
  });

  it("a payment sent twice at once to a handler that fails: both get the handler's answer, neither is told 'already used', nothing charged", async () => {
    const payer = buyer(2).address;
    const before = await balance(payer);
    const init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ txt: "wrong field" }) };
    const headers = await signPayment("/api/demo/summarize", 2, init);
    // The one that holds the claim releases it when the handler fails; the other, waiting on it,
    // then claims it anew (and meets the same failure).
    const answers = await Promise.all([0, 1].map(() => fetch(url("/api/demo/summarize"), { ...init, headers: { ...init.headers, ...headers } })));
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe("bad_request");
      expect(res.headers.get("PAYMENT-RESPONSE")).toBeNull();
    }
    expect(await balance(payer)).toBe(before);
  });

  it("refuses a payment presented a second time", async () => {
    const payer = buyer(3).address;
    const headers = await signPayment("/api/demo/quote", 3);
    const first = await fetch(url("/api/demo/quote"), { headers });
    expect(first.status).toBe(200);
    const settle = decodePaymentResponseHeader(first.headers.get("PAYMENT-RESPONSE")!);
    settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
    const afterFirst = await balance(payer);

    const replay = await fetch(url("/api/demo/quote"), { headers });
    expect(replay.status).toBe(402);
    const body = await replay.json();
    expect(body.error).toMatch(/already used|nonce/i);
    expect(body.text).toBeUndefined();
    expect(await balance(payer)).toBe(afterFirst);
  });

  it("never charges a payment sent with HEAD (no content to buy); the same payment then pays with GET", async () => {
    const payer = buyer(3).address;
    const headers = await signPayment("/api/demo/quote", 3);
    const before = await balance(payer);
    const head = await fetch(url("/api/demo/quote"), { method: "HEAD", headers });
    expect(head.status).toBe(402);
    expect(head.headers.get("PAYMENT-RESPONSE")).toBeNull();
    const required = decodePaymentRequiredHeader(head.headers.get("PAYMENT-REQUIRED")!);
    expect(required.error).toMatch(/HEAD request is never charged/);
    expect(await balance(payer)).toBe(before);

    const get = await fetch(url("/api/demo/quote"), { headers });
    expect(get.status).toBe(200);
    expect((await get.json()).text).toEqual(expect.any(String));
    const settle = decodePaymentResponseHeader(get.headers.get("PAYMENT-RESPONSE")!);
    settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
    expect(await balance(payer)).toBe(before - 10_000n);
  });

  it("serves and charges one payment sent concurrently exactly once", async () => {
    const payer = buyer(4).address;
    const before = await balance(payer);
    const headers = await signPayment("/api/demo/quote", 4);
    const responses = await Promise.all([1, 2, 3, 4].map(() => fetch(url("/api/demo/quote"), { headers })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 402, 402, 402]);
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(bodies.filter((b) => typeof b.text === "string")).toHaveLength(1);
    // The losers were turned away before the handler: at the claim (payment_already_used) or, if
    // one arrived after the winner settled, at verify (nonce used on chain) — never by a failed
    // settlement, which would mean the handler had run for them too.
    const losers = responses.flatMap((r, i) => (r.status === 402 ? [{ r, body: bodies[i] }] : []));
    for (const { r, body } of losers) {
      expect(["payment_already_used", "payment_invalid"]).toContain(body.code);
      expect(r.headers.get("PAYMENT-RESPONSE")).toBeNull();
    }
    expect(losers.some(({ body }) => body.code === "payment_already_used")).toBe(true);
    const winner = responses.find((r) => r.status === 200)!;
    const settle = decodePaymentResponseHeader(winner.headers.get("PAYMENT-RESPONSE")!);
    settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
    expect(await balance(payer)).toBe(before - 10_000n);
  });

  it("answers malformed payment headers with 400 and invalid payments with 402", async () => {
    for (const value of ["%%%", Buffer.from("{not json").toString("base64"), Buffer.from('{"x402Version":2}').toString("base64")]) {
      const res = await fetch(url("/api/demo/quote"), { headers: { "PAYMENT-SIGNATURE": value } });
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe("invalid_payment_header");
    }
    const payer = buyer(0).address;
    const before = await balance(payer);
    const headers = await signPayment("/api/demo/quote", 0);
    const payload = JSON.parse(Buffer.from(headers["PAYMENT-SIGNATURE"]!, "base64").toString());
    payload.payload.authorization.value = "1"; // pays less than signed: the signature no longer matches
    const res = await fetch(url("/api/demo/quote"), { headers: { "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify(payload)).toString("base64") } });
    expect(res.status).toBe(402);
    const body = await res.json();
    expect(body.code).toBe("payment_invalid");
    expect(body.error).toMatch(/^Payment (invalid|does not match)|does not match/);
    expect(body.text).toBeUndefined();
    expect(await balance(payer)).toBe(before);
  });

  it("serves a payment whose authorization someone else submitted first: the money moved, the chain says so", async () => {
    const payer = buyer(1).address;
    const headers = await signPayment("/api/demo/quote", 1);
    const chain = localChain(devnet.config.chainId, devnet.config.rpcUrl);
    // Between verify and settle, someone else submits the same authorization: the facilitator's settlement fails.
    const frontRun = { hash: "" as Hex };
    switchboard.onNextSettle(async (body) => {
      const { authorization: a, signature } = (body as { paymentPayload: { payload: { authorization: Record<string, string>; signature: Hex } } }).paymentPayload.payload;
      const frontRunner = createWalletClient({ chain, transport: http(devnet.config.rpcUrl), account: privateKeyToAccount(testKey(5)) });
      const { v, r, s } = parseSignature(signature);
      const hash = await frontRunner.writeContract({
        address: asset,
        abi: compileContracts().TestToken.abi,
        functionName: "transferWithAuthorization",
        args: [a.from, a.to, BigInt(a.value!), BigInt(a.validAfter!), BigInt(a.validBefore!), a.nonce, Number(v), r, s],
      });
      await createPublicClient({ chain, transport: http(devnet.config.rpcUrl) }).waitForTransactionReceipt({ hash });
      frontRun.hash = hash;
    });
    const before = await balance(payer);
    const res = await fetch(url("/api/demo/quote"), { headers });
    // The facilitator's settle fails (authorization already used), but the transfer to the
    // merchant happened: the ledger follows the chain and the buyer gets what they paid for.
    expect(res.status).toBe(200);
    expect((await res.json()).text).toEqual(expect.any(String));
    const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(settle).toMatchObject({ success: true, network: "eip155:84532" });
    expect(frontRun.hash).toBe(settle.transaction);
    expect(await balance(payer)).toBe(before - 10_000n);
    settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
  });

  it("serves nothing when the buyer spends the payment's nonce on another transfer before it settles (the chain shows the nonce used, not the merchant paid)", async () => {
    const payer = buyer(2);
    const headers = await signPayment("/api/demo/quote", 2);
    const spent = { hash: "" as Hex };
    // Between verify and settle the buyer signs a second authorization with the same nonce, to
    // themselves for 1 unit, and lands it: the facilitator's settle then fails on a used nonce.
    switchboard.onNextSettle(async (body) => {
      const { authorization: a } = (body as { paymentPayload: { payload: { authorization: Record<string, string> } } }).paymentPayload.payload;
      spent.hash = await transferWithNonce(devnet.config, payer.privateKey as Hex, { nonce: a.nonce as Hex, validAfter: BigInt(a.validAfter!), validBefore: BigInt(a.validBefore!) });
    });
    const merchantBefore = await balance(merchant);
    const res = await fetch(url("/api/demo/quote"), { headers });
    expect(spent.hash).toMatch(/^0x[0-9a-f]{64}$/);
    // The nonce is used on chain, but by a transfer that paid the merchant nothing.
    expect(res.status).toBe(402);
    const body = await res.json();
    expect(body.code).toBe("settlement_failed");
    expect(body.text).toBeUndefined();
    expect(decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!).success).toBe(false);
    expect(await balance(merchant)).toBe(merchantBefore);
    expectedFailures.push(payer.address);
    // Presented again: still refused, still nothing served.
    const again = await fetch(url("/api/demo/quote"), { headers });
    expect(again.status).toBe(402);
    expect((await again.json()).code).toBe("settlement_failed");
    expect(await balance(merchant)).toBe(merchantBefore);
  });

  it("answers 402 with a failed PAYMENT-RESPONSE and no content when settlement failed, keeps the payment open while its authorization is still usable, and settles the same payment presented again once it can", async () => {
    const payer = buyer(1);
    const headers = await signPayment("/api/demo/quote", 1);
    const chain = localChain(devnet.config.chainId, devnet.config.rpcUrl);
    const wallet = createWalletClient({ chain, transport: http(devnet.config.rpcUrl), account: privateKeyToAccount(payer.privateKey as Hex) });
    const publicClient = createPublicClient({ chain, transport: http(devnet.config.rpcUrl) });
    let drained = 0n;
    // Between verify and settle the buyer moves their whole balance away: the transfer reverts.
    switchboard.onNextSettle(async () => {
      drained = await balance(payer.address);
      const hash = await wallet.writeContract({ address: asset, abi: compileContracts().TestToken.abi, functionName: "transfer", args: [buyer(4).address, drained] });
      await publicClient.waitForTransactionReceipt({ hash });
    });
    const merchantBefore = await balance(merchant);
    const res = await fetch(url("/api/demo/quote"), { headers });
    expect(res.status).toBe(402);
    const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(settle.success).toBe(false);
    expect(settle.errorReason).toBeTruthy();
    const body = await res.json();
    // Not `failed`: the authorization is unused but valid until its validBefore, so the money
    // could still move (a late transaction, anyone submitting it). The buyer is told to send the
    // same payment again rather than sign a second one.
    expect(body.code).toBe("settlement_failed_retryable");
    expect(body.error).toMatch(/send the same payment again/);
    expect(body.text).toBeUndefined();
    expect(await balance(merchant)).toBe(merchantBefore);
    // The same payment again: the facilitator is asked again (the chain shows it usable); it fails
    // again while the wallet is empty, so it is refused with why, not as "already used".
    const again = await fetch(url("/api/demo/quote"), { headers });
    expect(again.status).toBe(402);
    const refusal = await again.json();
    expect(refusal.code).toBe("settlement_failed_retryable");
    expect(refusal.error).toMatch(/^Settlement failed: .+/);
    expect(await balance(merchant)).toBe(merchantBefore);
    // Give the buyer their money back for the tests that follow.
    const back = await createWalletClient({ chain, transport: http(devnet.config.rpcUrl), account: privateKeyToAccount(buyer(4).privateKey as Hex) }).writeContract({
      address: asset,
      abi: compileContracts().TestToken.abi,
      functionName: "transfer",
      args: [payer.address, drained],
    });
    await publicClient.waitForTransactionReceipt({ hash: back });
    // Funded again, the buyer sends the same payment once more, as told: settled now and served,
    // charged once. No second signature was needed.
    const paid = await fetch(url("/api/demo/quote"), { headers });
    expect(paid.status).toBe(200);
    expect((await paid.json()).text).toEqual(expect.any(String));
    const settledNow = decodePaymentResponseHeader(paid.headers.get("PAYMENT-RESPONSE")!);
    expect(settledNow.success).toBe(true);
    expect(await balance(payer.address)).toBe(drained - 10_000n);
    expect(await balance(merchant)).toBe(merchantBefore + 10_000n);
    settledByResponse.push({ transaction: settledNow.transaction, payer: payer.address, amount: "10000", version: 2 });
    expect((await fetch(url("/api/demo/quote"), { headers })).status).toBe(402);
  });

  it("fails closed with 503/502 when the facilitator is unreachable, answers garbage, without end or an HTTP error", async () => {
    const payer = buyer(3).address;
    const before = await balance(payer);
    const headers = await signPayment("/api/demo/quote", 3);
    /** The quote bought with this payment while the switchboard is in `mode`: status and error. */
    const under = async (mode: SwitchboardMode) => {
      switchboard.setMode(mode);
      const res = await fetch(url("/api/demo/quote"), { headers });
      // Every 503 says when to come back.
      if (res.status === 503) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      return { status: res.status, error: (await res.json()).error as { code: string; message: string }, retryAfter: res.headers.get("retry-after") };
    };
    const badResponse = { status: 502, error: { code: "facilitator_bad_response" } };
    try {
      expect(await under("down")).toMatchObject({ status: 503, error: { code: "facilitator_unavailable" } });
      expect(await under("garbage")).toMatchObject(badResponse);
      // An answer that never ends is read only up to its bound (1 MiB), not until the timeout.
      expect(await under("endless")).toMatchObject(badResponse);
      await expect.poll(() => switchboard.endlessSent()).toBeGreaterThan(0);
      expect(switchboard.endlessSent()).toBeLessThan(64 * 1024 ** 2);
      // Nor is one from where the facilitator redirects to, on another origin.
      expect(await under("redirect-endless")).toMatchObject(badResponse);
      await expect.poll(() => switchboard.endlessSent()).toBeGreaterThan(0);
      expect(switchboard.endlessSent()).toBeLessThan(64 * 1024 ** 2);
      // Nor is a compressed one inflated: 600 KiB of gzip would be 600 MiB of text.
      expect(await under("bomb")).toMatchObject(badResponse);
      // Or headers past what Node takes.
      expect(await under("fat-headers")).toMatchObject(badResponse);
      // Or bytes that are not HTTP at all: the facilitator's port answered, badly.
      expect(await under("not-http")).toMatchObject(badResponse);
      // An HTTP error from the facilitator is its fault, reported as such (502), not as an outage.
      expect(await under("http-error")).toEqual({ status: 502, error: { code: "facilitator_bad_response", message: expect.not.stringMatching(/500|internal/) }, retryAfter: null });
      // A facilitator that is busy (rate limit) or behind an overloaded load balancer is
      // unavailable for now, not broken: 503 with Retry-After, nothing charged.
      // The rate limit's own Retry-After (30 s) is passed on; the gateway's 503 names none: the default.
      expect(await under("rate-limited")).toMatchObject({ status: 503, error: { code: "facilitator_unavailable" }, retryAfter: "30" });
      expect(await under("overloaded")).toMatchObject({ status: 503, error: { code: "facilitator_unavailable" }, retryAfter: "5" });
    } finally {
      switchboard.setMode("pass");
    }
    // Dropped during settle: no content, and the claim is recorded as failed.
    switchboard.onNextSettle(async () => {
      throw new Error("drop the connection");
    });
    // The settle never reached the chain, but Tollgate cannot know that from a dropped call: the
    // payment stays open (`unknown`) until the chain decides, and the buyer is told to retry.
    const dropped = await fetch(url("/api/demo/quote"), { headers });
    expect(dropped.status).toBe(503);
    const droppedBody = await dropped.json();
    expect(droppedBody.error.code).toBe("settlement_pending");
    expect(droppedBody.text).toBeUndefined();
    expectedUnknown.push(payer);
    expect(await balance(payer)).toBe(before);
  });

  it("asks verify again when it drew a kept-alive connection the facilitator had just closed: every buyer served, charged once", async () => {
    const payer = buyer(0).address;
    const [before, merchantBefore] = [await balance(payer), await balance(merchant)];
    const pay = createPayingFetch(devnet.config, buyer(0).privateKey as Hex);
    const dropsBefore = switchboard.staleDrops();
    switchboard.setMode("stale-verify");
    try {
      for (let i = 0; i < 4; i++) {
        const res = await pay(url("/api/demo/quote"));
        expect(res.status).toBe(200);
        expect((await res.json()).text).toEqual(expect.any(String));
        const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
        settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
      }
    } finally {
      switchboard.setMode("pass");
    }
    // The verify calls did meet closed connections (without the retry each of those was a 503).
    expect(switchboard.staleDrops()).toBeGreaterThan(dropsBefore);
    expect(await balance(payer)).toBe(before - 40_000n);
    expect(await balance(merchant)).toBe(merchantBefore + 40_000n);
  });

  it("lists priced routes for agents at /.well-known/x402", async () => {
    const res = await fetch(url("/.well-known/x402"));
    expect(res.status).toBe(200);
    const { resources } = await res.json();
    expect(resources.map((r: { method: string; path: string; kind: string }) => `${r.kind} ${r.method} ${r.path}`).sort()).toEqual([
      "api GET /api/demo/forecast",
      "api GET /api/demo/quote",
      "api GET /api/demo/stream",
      "api GET /api/demo/weather",
      "api POST /api/demo/summarize",
      "page GET /articles/deep-dive",
      "page GET /articles/field-notes",
    ]);
    expect(resources.find((r: { path: string }) => r.path === "/articles/field-notes").accepts).toHaveLength(2);
    expect(resources.find((r: { path: string }) => r.path === "/api/demo/summarize").accepts[0].amount).toBe("50000");
  });

  it.runIf(name === "PostgreSQL")("applies a price change from the database without a restart", async () => {
    const db = await openDatabase(parseDatabaseUrl(databaseUrl));
    const option = { network: devnet.config.network, asset, payTo: merchant, extra: { name: "USD Coin", version: "2" } };
    try {
      await upsertPricedRoute(db.prisma, { method: "GET", pathPattern: "/api/demo/quote", description: "A quotation of the minute", paymentOptions: [{ ...option, amount: "20000" }] });
      let amount = "";
      // Every ROUTE_REFRESH_MS (200 ms) in theory; up to 30 s allowed for a busy machine.
      for (let i = 0; i < 300 && amount !== "20000"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const res = await fetch(url("/api/demo/quote"));
        amount = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!).accepts[0]!.amount;
      }
      expect(amount).toBe("20000");
    } finally {
      await upsertPricedRoute(db.prisma, { method: "GET", pathPattern: "/api/demo/quote", description: "A quotation of the minute", paymentOptions: [{ ...option, amount: "10000" }] });
      await db.close();
    }
  });

  /**
   * Prices `route` for GET at 0.01 USDC (10000 atomic units; or `paymentOptions`) while `use`
   * runs: waits until the app has the route (`probe` answers 402), then removes it, whatever `use` did.
   */
  async function withPricedRoute(
    route: { kind: "api" | "page"; pathPattern: string; description: string; paymentOptions?: { network: string; asset: string; payTo: string; amount: string; extra: Record<string, string> }[] },
    probe: string,
    use: () => Promise<void>,
  ): Promise<void> {
    const db = await openDatabase(parseDatabaseUrl(databaseUrl));
    const option = { network: devnet.config.network, asset, payTo: merchant, amount: "10000", extra: { name: "USD Coin", version: "2" } };
    const routeId = await upsertPricedRoute(db.prisma, { paymentOptions: [option], ...route, method: "GET" });
    try {
      let status = 0;
      for (let i = 0; i < 300 && status !== 402; i++) {
        if (i) await new Promise((r) => setTimeout(r, 100));
        status = (await fetch(probe, { headers: { accept: "application/json" } })).status;
      }
      expect(status).toBe(402);
      await use();
    } finally {
      await deletePricedRoute(db.prisma, routeId, null);
      await db.close();
    }
  }

  it.runIf(name === "PostgreSQL")("answers a browser opening a priced API's address with a readable 402 page (the request's path and the merchant's text escaped, PAYMENT-REQUIRED kept); scripts and agents get the JSON 402", async () => {
    await withPricedRoute({ kind: "api", pathPattern: "/api/hostile/:name", description: `Quotes <img src=x onerror="alert(1)"> & 'more'` }, url("/api/hostile/probe"), async () => {
      const navigation = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" };
      const page = await fetch(url("/api/hostile/%3Cscript%3Ealert(1)%3C%22%27"), { headers: navigation });
      expect(page.status).toBe(402);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
      const required = decodePaymentRequiredHeader(page.headers.get("payment-required")!);
      expect(required.accepts[0]).toMatchObject({ amount: "10000", payTo: merchant, asset });
      const html = await page.text();
      expect(html).toContain("Each call costs 0.01 USDC on ");
      expect(html).toContain("Quotes &#60;img src=x onerror=&#34;alert(1)&#34;&#62; &#38; &#39;more&#39;");
      expect(html).toMatch(/<h1[^>]*>GET \/api\/hostile\/[^<]*&#60;script&#62;/);
      // Nothing of the request or of the merchant's text became markup.
      expect(html).not.toMatch(/<script|<img|onerror="/i);
      // Anything but a browser's navigation gets the JSON 402: a script in a browser (its fetch is
      // Sec-Fetch-Dest: empty), an agent asking for HTML, an agent asking for nothing.
      for (const headers of [{ accept: "text/html", "sec-fetch-dest": "empty" }, { accept: "text/html" }, {}] as Record<string, string>[]) {
        const res = await fetch(url("/api/hostile/probe"), { headers });
        expect(res.status).toBe(402);
        expect(res.headers.get("content-type")).toBe("application/json");
        expect((await res.json()).code).toBe("payment_required");
      }
    });
  });

  it.runIf(name === "PostgreSQL")("v1: a route offering EURC first and USDC second on one chain takes the x402-fetch client's USDC payment", async () => {
    const eurc = devnet.config.assets[1]!;
    const paymentOptions = [
      { network: devnet.config.network, asset: eurc.address, payTo: merchant, amount: "10000", extra: { name: eurc.name, version: eurc.version } },
      { network: devnet.config.network, asset, payTo: merchant, amount: "10000", extra: { name: "USD Coin", version: "2" } },
    ];
    await withPricedRoute({ kind: "api", pathPattern: "/api/demo/time", description: "The time, in EURC or USDC", paymentOptions }, url("/api/demo/time"), async () => {
      const payer = buyer(3).address;
      const before = await balance(payer);
      const eurcBefore = await balanceOf(devnet.config.rpcUrl, eurc.address as Address, payer as Address);
      // What x402-fetch's default selector does on Base with the real USDC: it pays USDC
      // wherever USDC stands among the options.
      const payUsdc = (options: { asset: string }[]) => options.find((o) => o.asset.toLowerCase() === asset.toLowerCase())!;
      const res = await createPayingFetchV1(devnet.config, buyer(3).privateKey as Hex, 1_000_000n, payUsdc as never)(url("/api/demo/time"));
      expect(res.status).toBe(200);
      const settle = JSON.parse(Buffer.from(res.headers.get("X-PAYMENT-RESPONSE")!, "base64").toString());
      expect(settle).toMatchObject({ success: true, payer, network: "base-sepolia" });
      expect(await balance(payer)).toBe(before - 10_000n);
      expect(await balanceOf(devnet.config.rpcUrl, eurc.address as Address, payer as Address)).toBe(eurcBefore);
      settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 1 });
    });
  });

  it.runIf(name === "PostgreSQL")("serves the page itself to a buyer of a page path priced as an API route (the page's own lock lets the paid call through)", async () => {
    await withPricedRoute({ kind: "api", pathPattern: "/articles/welcome", description: "The welcome page, sold as an API" }, url("/articles/welcome"), async () => {
      const payer = buyer(3).address;
      const before = await balance(payer);
      const res = await createPayingFetch(devnet.config, buyer(3).privateKey as Hex)(url("/articles/welcome"));
      expect(res.status).toBe(200);
      const html = await res.text();
      // The article's body: the page's lock rendered the page, not its paywall.
      expect(html).toContain("This reading room is a small demonstration");
      const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
      expect(settle).toMatchObject({ success: true, payer });
      expect(await balance(payer)).toBe(before - 10_000n);
      settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
    });
  });

  it.runIf(name === "PostgreSQL")("charges a paid RSC request for a priced page only for the page itself, whatever flight headers it carries: a slug with no page gets 404, nothing charged", async () => {
    // Next sends an RSC response's status before the page renders, so a page that calls notFound()
    // answers an RSC request 200 (security.test.ts meets it). A paid call must render as the page's
    // HTML, whose status is the page's own: Next hands the proxy its request without the RSC
    // headers and `_rsc` (next/dist/server/web/adapter.js), and the loopback call copies that
    // request. This guards both.
    await withPricedRoute({ kind: "page", pathPattern: "/articles/:slug", description: "Any article" }, url("/articles/no-such-article"), async () => {
      const payer = buyer(4).address;
      const pay = createPayingFetch(devnet.config, buyer(4).privateKey as Hex);
      const before = await balance(payer);
      const tree = encodeURIComponent(JSON.stringify(["", { children: ["__PAGE__", {}] }]));
      for (const headers of [{ rsc: "1" }, { rsc: "1", "next-router-prefetch": "1" }, { rsc: "1", "next-router-state-tree": tree }] as Record<string, string>[]) for (const q of ["", "?_rsc=abc"]) {
        const missing = await pay(url(`/articles/no-such-article${q}`), { headers });
        expect([JSON.stringify(headers), q, missing.status, missing.headers.get("content-type")]).toEqual([JSON.stringify(headers), q, 404, "text/html; charset=utf-8"]);
        expect(missing.headers.get("PAYMENT-RESPONSE")).toBeNull();
        await missing.body?.cancel();
      }
      expect(await balance(payer)).toBe(before);
      // The same kind of request for a page that exists: its HTML, charged once.
      const res = await pay(url("/articles/welcome"), { headers: { rsc: "1" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await res.text()).toContain("This reading room is a small demonstration");
      const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
      expect(settle).toMatchObject({ success: true, payer });
      expect(await balance(payer)).toBe(before - 10_000n);
      settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });

      // Any mix of Next's flight headers and `_rsc`, paid: a page that exists is its HTML, charged
      // once; a slug with no page is 404, not charged; a router state Next cannot read is refused
      // (400) before anything is paid. Each run that is served costs one real payment.
      const deepTree = encodeURIComponent(JSON.stringify(["", { children: ["articles", { children: [["slug", "welcome", "d", null], { children: ["__PAGE__", {}] }] }] }, null, "refetch"]));
      expect(routerStateReadable(deepTree)).toBe(true);
      const header = <T,>(name: string, value: fc.Arbitrary<T>) => fc.option(value.map((v) => [name, v] as const), { nil: undefined, freq: 2 });
      const flight = fc
        .tuple(
          header("rsc", fc.constantFrom("1", "0", "")),
          header("next-router-prefetch", fc.constantFrom("1", "2")),
          header("next-router-segment-prefetch", fc.constantFrom("/_tree", "/_full", "/children/__PAGE__")),
          header(
            "next-router-state-tree",
            fc.oneof(
              { arbitrary: fc.constantFrom(tree, deepTree), weight: 4 },
              { arbitrary: fc.constantFrom("%%%", "", "%5B%5D"), weight: 1 },
            ),
          ),
          header("next-url", fc.constantFrom("/articles/welcome", "/")),
          header("next-hmr-refresh", fc.constant("1")),
          header("accept", fc.constantFrom("text/x-component", "text/html", "*/*")),
        )
        .map((pairs) => Object.fromEntries(pairs.filter((p) => p !== undefined)) as Record<string, string>);
      const slug = fc.oneof(
        { arbitrary: fc.constant("welcome"), weight: 1 },
        { arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/).filter((s) => !["welcome", "deep-dive", "field-notes"].includes(s)), weight: 2 },
      );
      const query = fc.constantFrom("", "?_rsc=abc", "?_rsc=", "?x=1&_rsc=1");
      let charged = 1n;
      await fc.assert(
        fc.asyncProperty(slug, flight, query, async (s, headers, q) => {
          const res = await pay(url(`/articles/${s}${q}`), { headers });
          const text = await res.text();
          const seen = [s, q, headers, res.status, res.headers.get("content-type")];
          if (!routerStateReadable(headers["next-router-state-tree"])) {
            expect(seen).toEqual([s, q, headers, 400, "application/json"]);
            expect(res.headers.get("PAYMENT-RESPONSE")).toBeNull();
          } else if (s !== "welcome") {
            expect(seen).toEqual([s, q, headers, 404, "text/html; charset=utf-8"]);
            expect(res.headers.get("PAYMENT-RESPONSE")).toBeNull();
          } else {
            expect(seen).toEqual([s, q, headers, 200, "text/html; charset=utf-8"]);
            expect(text).toContain("This reading room is a small demonstration");
            const paid = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
            expect(paid).toMatchObject({ success: true, payer });
            settledByResponse.push({ transaction: paid.transaction, payer, amount: "10000", version: 2 });
            charged++;
          }
          expect(await balance(payer)).toBe(before - charged * 10_000n);
        }),
        // A failed run may have paid: shrinking would replay payments against a count gone wrong.
        { numRuns: 30, endOnFailure: true },
      );
    });
  });

  it.runIf(name === "PostgreSQL")("refuses, uncharged, a paid response it must hold whole that is larger than MAX_BUFFERED_RESPONSE_BYTES; serves one of exactly that size", async () => {
    // A download priced as a page: a page's response is held whole before settling.
    await withPricedRoute({ kind: "page", pathPattern: "/api/demo/download", description: "A file, sold as a page" }, url("/api/demo/download"), async () => {
      const payer = buyer(1).address;
      const pay = createPayingFetch(devnet.config, buyer(1).privateKey as Hex);
      const before = await balance(payer);
      const large = await pay(url("/api/demo/download?mib=2"));
      expect([large.status, large.headers.get("PAYMENT-RESPONSE")]).toEqual([502, null]);
      expect((await large.json()).error).toMatchObject({ code: "response_too_large", message: expect.stringMatching(/nothing was charged/) });
      expect(await balance(payer)).toBe(before);
      const fits = await pay(url("/api/demo/download?mib=1"));
      expect(fits.status).toBe(200);
      expect((await fits.arrayBuffer()).byteLength).toBe(1024 * 1024);
      const settle = decodePaymentResponseHeader(fits.headers.get("PAYMENT-RESPONSE")!);
      expect(settle).toMatchObject({ success: true, payer });
      expect(await balance(payer)).toBe(before - 10_000n);
      settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
    });
  });

  it.runIf(name === "PostgreSQL")("charges a priced page that streams only when it rendered: notFound() or an error after its 200 went out is not settled, and none of it is shown", async () => {
    // The test page (app/(test-pages)/, built by `npm test`) sends its shell, and so its status,
    // before the page renders under its loading.tsx boundary.
    const page = (outcome: string) => url(`/test-pages/streamed/${outcome}`);
    const free = await fetch(page("missing"));
    expect([free.status, free.headers.get("content-type")], "the test pages are built (TOLLGATE_TEST_PAGES=1)").toEqual([200, "text/html; charset=utf-8"]);
    expect(await free.text()).toContain("NEXT_HTTP_ERROR_FALLBACK;404");
    await withPricedRoute({ kind: "page", pathPattern: "/test-pages/streamed/:outcome", description: "A streamed page" }, page("ok"), async () => {
      const payer = buyer(2).address;
      const pay = createPayingFetch(devnet.config, buyer(2).privateKey as Hex);
      const before = await balance(payer);
      for (const [outcome, expected, code] of [
        ["missing", 404, "not_found"],
        ["fails", 502, "upstream_failed"],
      ] as const) {
        const res = await pay(page(outcome));
        expect([outcome, res.status, res.headers.get("PAYMENT-RESPONSE")]).toEqual([outcome, expected, null]);
        const text = await res.text();
        expect(JSON.parse(text).error.code).toBe(code);
        expect(text).not.toContain("Loading…");
      }
      expect(await balance(payer)).toBe(before);
      const res = await pay(page("ok"));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("STREAMED-TEST-PAGE-CONTENT");
      const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
      expect(settle).toMatchObject({ success: true, payer });
      expect(await balance(payer)).toBe(before - 10_000n);
      settledByResponse.push({ transaction: settle.transaction, payer, amount: "10000", version: 2 });
    });
  });

  it("recorded every settlement exactly once, matching what buyers were told", async () => {
    await app.stop(); // PGlite serves one process: read it once the app is gone
    const db = await openDatabase(parseDatabaseUrl(databaseUrl));
    try {
      const rows = await db.prisma.payment.findMany({ orderBy: { createdAt: "asc" } });
      expect(rows.filter((r) => r.status === "pending")).toEqual([]);
      const settled = rows.filter((r) => r.status === "settled");
      expect(settled.map((r) => ({ transaction: r.transaction, payer: r.payer, amount: r.amount.toFixed(0), version: r.x402Version })).sort(byTx)).toEqual(
        [...settledByResponse].sort(byTx),
      );
      for (const r of settled) {
        expect(r).toMatchObject({ network: "eip155:84532", asset, payTo: merchant, scheme: "exact", errorReason: null });
        expect(r.settledAt).toBeInstanceOf(Date);
        expect(r.resource).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/(api\/demo\/|articles\/welcome(\?x=1)?$|test-pages\/streamed\/ok$)/);
      }
      const failed = rows.filter((r) => r.status === "failed");
      expect(failed.map((r) => r.payer).sort()).toEqual([...expectedFailures].sort());
      expect(failed.every((r) => r.errorReason)).toBe(true);
      const unknown = rows.filter((r) => r.status === "unknown");
      expect(unknown.map((r) => r.payer).sort()).toEqual([...expectedUnknown].sort());
      for (const r of unknown) expect(r.errorReason).toMatch(/^(facilitator_unavailable|settlement_failed: [\s\S]+; on chain: authorization_not_used_yet)/);
      expect(rows).toHaveLength(settled.length + failed.length + unknown.length);
      // The books match the money: every transfer to the merchant is a settled row, amount for amount.
      expect(await transfersTo(merchant)).toEqual(settled.map((r) => ({ transaction: r.transaction, amount: r.amount.toFixed(0) })).sort(byTx));
    } finally {
      await db.close();
    }
  });
});

function byTx(a: { transaction: string | null }, b: { transaction: string | null }) {
  return (a.transaction ?? "").localeCompare(b.transaction ?? "");
}
