/**
 * Paying on Solana against real parts: the local SVM (LiteSVM running the real SPL Token
 * program, behind the devnet's JSON-RPC), the real facilitator code (@x402/svm's exact scheme),
 * the built app under `next start`, on PGlite and on PostgreSQL. Buyers pay with the official
 * client (@x402/fetch + @x402/svm's client scheme). Balances are read from the SVM, rows from the
 * database; at the end the merchant's token balance equals the settled Solana rows.
 */
import { x402HTTPClient } from "@x402/core/client";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, decodePaymentSignatureHeader } from "@x402/core/http";
import { createSIWxPayload, encodeSIWxHeader, SIGN_IN_WITH_X, type SIWxExtension } from "@x402/extensions/sign-in-with-x";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { findAssociatedTokenPda, getTransferCheckedInstruction, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token";
import {
  address,
  appendTransactionMessageInstruction,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createTransactionMessage,
  getBase58Decoder,
  getBase58Encoder,
  getBase64EncodedWireTransaction,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from "@solana/kit";
import { openDatabase } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { upsertPricedRoute } from "@/lib/routes/mutations";
import { carriesPayment, checkOnchain, findSvmTransfersTo, onchainRefOf } from "@/lib/settlement/onchain";
import { createPayingFetch, createSvmPayingFetch, createSvmPayingFetchV1, createSvmX402Client, splBalance } from "@/scripts/agent-client";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext, type NextServer } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { databaseLegs, startTestDatabase, type TestDatabase } from "../support/postgres";
import { sessionCookie } from "../support/session";
import { startRpcProxy } from "../support/rpc-proxy";
import { startSwitchboard } from "../support/switchboard";

const AUTH_SECRET = "solana-test-secret-0123456789abcdef0123456";

describe.each(databaseLegs())("paying on Solana on $name", ({ name, skip }) => {
  if (skip) {
    it.skip("needs PostgreSQL binaries", () => {});
    return;
  }
  let devnet: Devnet;
  let app: NextServer;
  let database: TestDatabase | undefined;
  let databaseUrl: string;
  let merchantStart = 0n;
  /** Tokens sent to the merchant outside Tollgate (the orphan test). */
  let outsideTollgate = 0n;
  let switchboard: Awaited<ReturnType<typeof startSwitchboard>>;

  const svm = () => devnet.config.svm;
  const buyer = (i: number) => svm().buyers[i]!.address;
  const tokens = (owner: string) => splBalance(svm().rpcUrl, svm().mint.address, owner);
  const url = (p: string) => `${app.url}${p}`;

  /** Signs a Solana payment for `p` with the official client, without sending it. */
  async function signPayment(p: string, buyerIndex: number, init?: RequestInit): Promise<Record<string, string>> {
    const challenge = await fetch(url(p), init);
    expect(challenge.status).toBe(402);
    const client = new x402HTTPClient(await createSvmX402Client(devnet.config, buyerIndex));
    const required = client.getPaymentRequiredResponse((h) => challenge.headers.get(h), await challenge.json());
    return client.encodePaymentSignatureHeader(await client.createPaymentPayload(required));
  }

  beforeAll(async () => {
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    database = await startTestDatabase(name, "solana");
    databaseUrl = database.url;
    await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet.config);
    // The summarizer (a handler that can fail on bad input) priced on Solana too.
    const db = await openDatabase(parseDatabaseUrl(databaseUrl));
    try {
      await upsertPricedRoute(db.prisma, {
        method: "POST",
        pathPattern: "/api/demo/summarize",
        description: "Extractive summary, keywords and reading stats of a text",
        paymentOptions: [{ network: svm().network, asset: svm().mint.address, payTo: svm().payTo, amount: "50000", extra: {} }],
      });
    } finally {
      await db.close();
    }
    switchboard = await startSwitchboard(devnet.config.facilitatorUrl);
    app = await startNext({
      mode: "start",
      port: await freePort(),
      env: {
        ...devnetAppEnv(devnet.config),
        FACILITATOR_URL: switchboard.url,
        FACILITATOR_TIMEOUT_MS: "5000",
        SETTLEMENT_CHECK_MS: "2000",
        RECONCILE_INTERVAL_MS: "500",
        RECONCILE_AFTER_MS: "1000",
        SUPPORTED_REFRESH_MS: "500",
        DATABASE_URL: databaseUrl,
        AUTH_SECRET,
      },
    });
    merchantStart = await tokens(svm().payTo);
  });

  afterAll(async () => {
    await app?.stop();
    await switchboard?.close();
    await devnet?.stop();
    await database?.stop();
  });

  it("the official client pays a Solana-priced route; the SPL balances move by exactly the price", async () => {
    const [before, merchantBefore] = [await tokens(buyer(0)), await tokens(svm().payTo)];
    const res = await (await createSvmPayingFetch(devnet.config, 0))(url("/api/demo/quote"));
    expect(res.status).toBe(200);
    expect((await res.json()).text).toEqual(expect.any(String));
    const settle = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(settle).toMatchObject({ success: true, network: svm().network, payer: buyer(0) });
    expect(settle.transaction).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/); // a base58 signature
    expect(await tokens(buyer(0))).toBe(before - 10_000n);
    expect(await tokens(svm().payTo)).toBe(merchantBefore + 10_000n);
  });

  it("one route priced on both networks is paid once each way", async () => {
    const evmBuyer = devnet.config.buyers[1]!;
    const [solBefore, merchantBefore] = [await tokens(buyer(1)), await tokens(svm().payTo)];
    const evm = await createPayingFetch(devnet.config, evmBuyer.privateKey as Hex)(url("/api/demo/quote"));
    expect(evm.status).toBe(200);
    expect(decodePaymentResponseHeader(evm.headers.get("PAYMENT-RESPONSE")!).network).toBe(devnet.config.network);
    const sol = await (await createSvmPayingFetch(devnet.config, 1))(url("/api/demo/quote"));
    expect(sol.status).toBe(200);
    expect(decodePaymentResponseHeader(sol.headers.get("PAYMENT-RESPONSE")!).network).toBe(svm().network);
    expect(await tokens(buyer(1))).toBe(solBefore - 10_000n);
    expect(await tokens(svm().payTo)).toBe(merchantBefore + 10_000n);
  });

  it("v1: the x402-fetch client pays on Solana (solana-devnet) with X-PAYMENT; the row names the CAIP-2 network", async () => {
    // x402 1.x estimates compute units by simulating with replaceRecentBlockhash, and its
    // payment names the network "solana-devnet": the facilitator must settle that through the
    // configured RPC, never the public cluster's (unreachable here, so a miss fails this test).
    const [before, merchantBefore] = [await tokens(buyer(2)), await tokens(svm().payTo)];
    const res = await (await createSvmPayingFetchV1(devnet.config, 2))(url("/api/demo/quote"));
    expect(res.status).toBe(200);
    expect((await res.json()).text).toEqual(expect.any(String));
    const settle = JSON.parse(Buffer.from(res.headers.get("X-PAYMENT-RESPONSE")!, "base64").toString());
    expect(settle).toMatchObject({ success: true, network: "solana-devnet", payer: buyer(2) });
    expect(await tokens(buyer(2))).toBe(before - 10_000n);
    expect(await tokens(svm().payTo)).toBe(merchantBefore + 10_000n);
    // The merchant's export (the app holds PGlite): one row, settled, under the CAIP-2 network.
    const cookie = await sessionCookie(AUTH_SECRET, devnet.config.payTo, app.url);
    const csv = await (await fetch(url("/dashboard/payments/export"), { headers: { cookie } })).text();
    const rows = (parse(csv, { columns: true }) as Record<string, string>[]).filter((r) => r.transaction === settle.transaction);
    expect(rows).toEqual([expect.objectContaining({ status: "settled", network: svm().network, payer: buyer(2), amount_atomic: "10000", x402_version: "1" })]);
  });

  it("the same signed transaction, replayed and sent concurrently, is served and charged once", async () => {
    const before = await tokens(buyer(2));
    const headers = await signPayment("/api/demo/quote", 2);
    const responses = await Promise.all([1, 2, 3, 4].map(() => fetch(url("/api/demo/quote"), { headers })));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 402, 402, 402]);
    const again = await fetch(url("/api/demo/quote"), { headers });
    expect(again.status).toBe(402);
    expect((await again.json()).text).toBeUndefined();
    expect(await tokens(buyer(2))).toBe(before - 10_000n);
  });

  it("one signed transaction in several encodings (junk in the fee payer's empty signature slot), sent concurrently, is served and charged once", async () => {
    const before = await tokens(buyer(2));
    const headers = await signPayment("/api/demo/quote", 2);
    const payload = JSON.parse(Buffer.from(headers["PAYMENT-SIGNATURE"]!, "base64").toString());
    const bytes = Buffer.from(payload.payload.transaction, "base64");
    // [signature count][fee payer's slot, empty: the facilitator signs it][buyer's signature][message]
    expect(bytes[0]).toBe(2);
    expect(bytes.subarray(1, 65).every((b) => b === 0)).toBe(true);
    const variants = [headers, ...[1, 2, 3].map((n) => {
      const junk = Buffer.from(bytes);
      junk.fill(n, 1, 65);
      return { "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify({ ...payload, payload: { transaction: junk.toString("base64") } })).toString("base64") };
    })];
    const responses = await Promise.all(variants.map((h) => fetch(url("/api/demo/quote"), { headers: h })));
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 402, 402, 402]);
    expect(bodies.filter((b) => b.text !== undefined)).toHaveLength(1);
    expect(await tokens(buyer(2))).toBe(before - 10_000n);
  });

  it("once a payment is used, no change to its transaction's bytes (changed, cut, grown) buys anything more: 400/402 only (fuzz)", async () => {
    const headers = await signPayment("/api/demo/quote", 3);
    const paid = await fetch(url("/api/demo/quote"), { headers });
    expect(paid.status).toBe(200);
    await paid.arrayBuffer();
    const before = await tokens(buyer(3));
    const payload = JSON.parse(Buffer.from(headers["PAYMENT-SIGNATURE"]!, "base64").toString());
    const bytes = Buffer.from(payload.payload.transaction, "base64");
    // Another encoding of the same payment (trailing bytes, the fee payer's empty slot) is refused
    // as used; any other change is another, invalid, payment.
    const mutation = fc.oneof(
      fc.record({ at: fc.integer({ min: 65, max: bytes.length - 1 }), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => {
        const b = Buffer.from(bytes);
        b[at]! ^= xor;
        return b;
      }),
      fc.integer({ min: 0, max: bytes.length - 1 }).map((n) => bytes.subarray(0, n)),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((extra) => Buffer.concat([bytes, extra])),
      fc.integer({ min: 0, max: 255 }).map((count) => Buffer.concat([Buffer.from([count]), bytes.subarray(1)])),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (tx) => {
        const res = await fetch(url("/api/demo/quote"), { headers: { "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify({ ...payload, payload: { transaction: tx.toString("base64") } })).toString("base64") } });
        const body = await res.text();
        expect([400, 402], body.slice(0, 200)).toContain(res.status);
        // The quote's answer starts with its "text"; a 402 shows that field only inside the declared output example.
        expect(body.trimStart().startsWith('{"text":')).toBe(false);
      }),
      { numRuns: 60 },
    );
    expect(await tokens(buyer(3))).toBe(before);
  });

  it("a failing handler is not charged: the transaction is never submitted", async () => {
    const before = await tokens(buyer(3));
    const res = await (await createSvmPayingFetch(devnet.config, 3))(url("/api/demo/summarize"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ txt: "wrong field" }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("PAYMENT-RESPONSE")).toBeNull();
    expect(await tokens(buyer(3))).toBe(before);
    // …and a good request is charged the route's price.
    const ok = await (await createSvmPayingFetch(devnet.config, 3))(url("/api/demo/summarize"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "Agents pay per request. Summaries cost five cents. Settlement follows success." }),
    });
    expect(ok.status).toBe(200);
    expect(await tokens(buyer(3))).toBe(before - 50_000n);
  });

  it("refuses a payment for another amount (402) and a malformed transaction (400), charging nothing", async () => {
    const before = await tokens(buyer(4));
    const headers = await signPayment("/api/demo/quote", 4);
    const payload = JSON.parse(Buffer.from(headers["PAYMENT-SIGNATURE"]!, "base64").toString());
    const cheaper = { ...payload, accepted: { ...payload.accepted, amount: "1" } };
    const wrongAmount = await fetch(url("/api/demo/quote"), { headers: { "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify(cheaper)).toString("base64") } });
    expect(wrongAmount.status).toBe(402);
    expect((await wrongAmount.json()).code).toBe("payment_invalid");
    const garbled = { ...payload, payload: { transaction: "AAAA" } };
    const malformed = await fetch(url("/api/demo/quote"), { headers: { "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify(garbled)).toString("base64") } });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.message).toMatch(/payload\.transaction/);
    expect(await tokens(buyer(4))).toBe(before);
  });

  it("a settlement whose answer is lost is found on chain by its message and served inline", async () => {
    const before = await tokens(buyer(0));
    let landed = "";
    switchboard.interceptNextSettle(async ({ forward }) => {
      landed = JSON.parse((await forward()).text).transaction;
      return { kind: "garbage" };
    });
    const res = await (await createSvmPayingFetch(devnet.config, 0))(url("/api/demo/quote"));
    expect(res.status).toBe(200);
    expect((await res.json()).text).toEqual(expect.any(String));
    expect(decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!)).toMatchObject({ success: true, transaction: landed, network: svm().network });
    expect(await tokens(buyer(0))).toBe(before - 10_000n);
  });

  it("a settlement that lands after the buyer was told to wait is served to the retry of the same transaction, once", async () => {
    const before = await tokens(buyer(1));
    const headers = await signPayment("/api/demo/quote", 1);
    const held = switchboard.holdNextSettle();
    const first = await fetch(url("/api/demo/quote"), { headers });
    expect(first.status).toBe(503);
    expect((await first.json()).error.code).toBe("settlement_pending");
    const transaction = await held.release();
    const retry = await fetch(url("/api/demo/quote"), { headers });
    expect(retry.status).toBe(200);
    expect(decodePaymentResponseHeader(retry.headers.get("PAYMENT-RESPONSE")!)).toMatchObject({ success: true, transaction });
    const third = await fetch(url("/api/demo/quote"), { headers });
    expect(third.status).toBe(402);
    expect(await tokens(buyer(1))).toBe(before - 10_000n);
  });

  it("a settle that never reached the chain is asked again when the same transaction is presented again: served once, charged once", async () => {
    const before = await tokens(buyer(2));
    const headers = await signPayment("/api/demo/quote", 2);
    // The facilitator answers 500 without ever sending the transaction.
    switchboard.interceptNextSettle(async () => ({ kind: "answer", status: 500, text: JSON.stringify({ error: "internal error" }) }));
    const first = await fetch(url("/api/demo/quote"), { headers });
    expect(first.status).toBe(503);
    expect((await first.json()).error.code).toBe("settlement_pending");
    expect(await tokens(buyer(2))).toBe(before);
    const retry = await fetch(url("/api/demo/quote"), { headers });
    expect(retry.status).toBe(200);
    expect((await retry.json()).text).toEqual(expect.any(String));
    expect(decodePaymentResponseHeader(retry.headers.get("PAYMENT-RESPONSE")!)).toMatchObject({ success: true, network: svm().network });
    const third = await fetch(url("/api/demo/quote"), { headers });
    expect(third.status).toBe(402);
    expect(await tokens(buyer(2))).toBe(before - 10_000n);
  });

  it("a settle success naming another (well-formed) signature is corrected from the chain by the reconciler, not flagged as an orphan", async () => {
    const before = await tokens(buyer(3));
    const headers = await signPayment("/api/demo/quote", 3);
    const named = getBase58Decoder().decode(new Uint8Array(64).fill(9));
    const landing = switchboard.misnameNextSettle(named);
    const res = await fetch(url("/api/demo/quote"), { headers });
    const landed = await landing;
    expect(res.status).toBe(200);
    expect(await tokens(buyer(3))).toBe(before - 10_000n);
    // The export lists each payment's transaction: the chain's, once the reconciler's scan found it.
    const cookie = await sessionCookie(AUTH_SECRET, devnet.config.payTo, app.url);
    for (;;) {
      const csv = await (await fetch(url("/dashboard/payments/export"), { headers: { cookie } })).text();
      if (csv.includes(landed)) {
        expect(csv).not.toContain(named);
        break;
      }
      await new Promise((r) => setTimeout(r, 200)); // until the next reconciler pass corrected it
    }
  });

  it("the reconciler's audit reads a settled payment from its own transaction: carried by the one that landed, by no other", async () => {
    const refOf = (headers: Record<string, string>) => {
      const payload = decodePaymentSignatureHeader(headers["PAYMENT-SIGNATURE"]!);
      return onchainRefOf(svm().network, payload.payload)!;
    };
    const headers = await signPayment("/api/demo/quote", 3);
    const res = await fetch(url("/api/demo/quote"), { headers });
    expect(res.status).toBe(200);
    const { transaction } = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    const expected = { asset: svm().mint.address, payTo: svm().payTo, amount: 10_000n };
    expect(await carriesPayment([svm().rpcUrl], expected, refOf(headers), transaction)).toBe(true);
    // A signature no transaction has, and a landed transaction that is another payment's.
    expect(await carriesPayment([svm().rpcUrl], expected, refOf(headers), getBase58Decoder().decode(new Uint8Array(64).fill(9)))).toBe(false);
    expect(await carriesPayment([svm().rpcUrl], expected, refOf(await signPayment("/api/demo/quote", 3)), transaction)).toBe(false);

    // Asked where the payment went (checkOnchain, as for a disproved or open row), the chain check
    // pages through the payer's signatures: 210 later transactions of the payer (1..210 units to
    // their own token account) do not hide it.
    const rpc = createSolanaRpc(svm().rpcUrl);
    const payer = await createKeyPairSignerFromBytes(new Uint8Array(getBase58Encoder().encode(svm().buyers[3]!.secretKey)));
    const [own] = await findAssociatedTokenPda({ owner: payer.address, mint: address(svm().mint.address), tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const { value: latest } = await rpc.getLatestBlockhash().send();
    for (let amount = 1n; amount <= 210n; amount++) {
      const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayerSigner(payer, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
        (m) => appendTransactionMessageInstruction(getTransferCheckedInstruction({ source: own, mint: address(svm().mint.address), destination: own, authority: payer, amount, decimals: 6 }), m),
      );
      await rpc.sendTransaction(getBase64EncodedWireTransaction(await signTransactionMessageWithSigners(message)), { encoding: "base64" }).send();
    }
    expect((await rpc.getSignaturesForAddress(payer.address, { limit: 1000 }).send()).length).toBeGreaterThan(210);
    expect(await checkOnchain([svm().rpcUrl], expected, refOf(headers), new Date(Date.now() - 60_000))).toMatchObject({ state: "settled", transaction });
    // A payer busier than the search reads (here: more than 200 transactions since): the merchant's
    // token account is searched instead. It finds the payment that landed, and reads to the start for
    // one that never did (signed, not sent): not landed yet, not "unknown".
    const busy = { svmSignaturesMax: 200 };
    expect(await checkOnchain([svm().rpcUrl], expected, refOf(headers), new Date(Date.now() - 60_000), busy)).toMatchObject({ state: "settled", transaction });
    const unsent = refOf(await signPayment("/api/demo/quote", 3));
    expect(await checkOnchain([svm().rpcUrl], expected, unsent, new Date(Date.now() - 60_000), busy)).toEqual({ state: "not_settled", final: false, reason: "transaction_not_landed_yet" });
    expect(await checkOnchain([svm().rpcUrl], expected, unsent, new Date(Date.now() - 60_000))).toEqual({ state: "not_settled", final: false, reason: "transaction_not_landed_yet" });
    // A load-balanced RPC: the node asked about the blockhash is past its last valid height, the
    // node asked for signatures has not seen the payment land yet. The check must not call the
    // landed payment "never landed": the lagging node refuses a search below the slot the first
    // one answered at, so the answer is "unknown", asked again later.
    const lagging = await startRpcProxy(svm().rpcUrl, async (call, node) => {
      if (call.method === "isBlockhashValid") return { result: { context: ((await node()) as { context: unknown }).context, value: false } };
      if (call.method === "getSignaturesForAddress") {
        const config = call.params[1] as { minContextSlot?: unknown } | undefined;
        if (config?.minContextSlot !== undefined) return { error: { code: -32016, message: "Minimum context slot has not been reached" } };
        return { result: ((await node()) as { signature: string }[]).filter((entry) => entry.signature !== transaction) };
      }
    });
    try {
      expect(await checkOnchain([lagging.url], expected, refOf(headers), new Date(Date.now() - 60_000))).toMatchObject({ state: "unknown" });
    } finally {
      lagging.close();
    }
  });

  it("a forged settle success is disproved by the audit and the served payment settled from the kept transaction while its blockhash is valid, charged once", async () => {
    const [before, merchantBefore] = [await tokens(buyer(1)), await tokens(svm().payTo)];
    const headers = await signPayment("/api/demo/quote", 1);
    // The settle call is answered "settled in <a well-formed signature>" without reaching the
    // facilitator: the buyer is served on that word, nothing moved.
    const forged = getBase58Decoder().decode(new Uint8Array(64).fill(7));
    switchboard.interceptNextSettle(async () => ({ kind: "answer", status: 200, text: JSON.stringify({ success: true, transaction: forged, network: svm().network, payer: buyer(1) }) }));
    const served = await fetch(url("/api/demo/quote"), { headers });
    expect(served.status).toBe(200);
    expect(await tokens(buyer(1))).toBe(before);
    const db = name === "PGlite" ? null : await openDatabase(parseDatabaseUrl(databaseUrl));
    // The dashboard's export (PGlite serves one process) or the database shows the row's transaction.
    const transactionOf = async (): Promise<string | null> => {
      if (db) {
        const row = await db.prisma.payment.findFirst({ where: { payer: buyer(1), network: svm().network }, orderBy: { createdAt: "desc" } });
        return row?.status === "settled" && row.confirmedAt ? row.transaction : null;
      }
      const csv = await (await fetch(url("/dashboard/payments/export"), { headers: { cookie: await sessionCookie(AUTH_SECRET, devnet.config.payTo, app.url) } })).text();
      return csv.includes(forged) ? null : "left the books";
    };
    try {
      // The audit reads the named signature (none), asks the chain (the transfer absent, the
      // blockhash still valid), reopens the row and has the facilitator settle the kept transaction.
      for (;;) {
        if ((await transactionOf()) && (await tokens(buyer(1))) === before - 10_000n) break;
        await new Promise((r) => setTimeout(r, 200)); // until the reconciler's next pass
      }
      expect(await tokens(svm().payTo)).toBe(merchantBefore + 10_000n);
      if (db) {
        const row = (await db.prisma.payment.findFirst({ where: { payer: buyer(1), network: svm().network }, orderBy: { createdAt: "desc" } }))!;
        expect(row).toMatchObject({ status: "settled", errorReason: null, settleRequest: null });
        expect(row.transaction).not.toBe(forged);
        const expected = { asset: svm().mint.address, payTo: svm().payTo, amount: 10_000n };
        const payload = decodePaymentSignatureHeader(headers["PAYMENT-SIGNATURE"]!);
        expect(await carriesPayment([svm().rpcUrl], expected, onchainRefOf(svm().network, payload.payload)!, row.transaction!)).toBe(true);
      }
      // Presented again, it buys nothing more: served once, charged once.
      const again = await fetch(url("/api/demo/quote"), { headers });
      expect(again.status).toBe(402);
      expect(await tokens(buyer(1))).toBe(before - 10_000n);
    } finally {
      await db?.close();
    }
  });

  it("follows the facilitator's /supported: a rotated fee payer is offered within SUPPORTED_REFRESH_MS, and payments work through the change", async () => {
    const feePayerIn402 = async () => {
      const challenge = await fetch(url("/api/demo/quote"));
      const required = decodePaymentRequiredHeader(challenge.headers.get("PAYMENT-REQUIRED")!);
      return required.accepts.find((a) => a.network === svm().network)?.extra?.feePayer as string | undefined;
    };
    const original = await feePayerIn402();
    expect(original).toEqual(expect.any(String));
    // The facilitator now names another fee payer (here: only in what it says it supports).
    const rotated = getBase58Decoder().decode(new Uint8Array(32).fill(5));
    switchboard.rewriteSupported((supported) => ({ ...supported, kinds: supported.kinds.map((k) => (k.network === svm().network ? { ...k, extra: { ...k.extra, feePayer: rotated } } : k)) }));
    for (;;) {
      if ((await feePayerIn402()) === rotated) break;
      await new Promise((r) => setTimeout(r, 100)); // until the next refresh read it
    }
    // And back: the 402 follows again, and the official client pays with what it offers.
    switchboard.rewriteSupported(null);
    for (;;) {
      if ((await feePayerIn402()) === original) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = await tokens(buyer(4));
    const res = await (await createSvmPayingFetch(devnet.config, 4))(url("/api/demo/quote"));
    expect(res.status).toBe(200);
    expect(await tokens(buyer(4))).toBe(before - 10_000n);
  });

  it("refuses a transaction whose blockhash expired (402 with the reason), charging nothing", async () => {
    const before = await tokens(buyer(4));
    const headers = await signPayment("/api/demo/quote", 4);
    const expire = await fetch(svm().rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tollgateDevnet_expireBlockhash", params: [] }) });
    expect((await expire.json()).result).toEqual(expect.any(String));
    const res = await fetch(url("/api/demo/quote"), { headers });
    expect(res.status).toBe(402);
    const body = await res.json();
    expect(body.code).toBe("payment_invalid");
    expect(body.error).toMatch(/Payment invalid: \S+/);
    expect(body.text).toBeUndefined();
    expect(await tokens(buyer(4))).toBe(before);
  });

  it("flags a transfer to the merchant that no payment explains (the reconciler's scan), shown on the dashboard", async () => {
    const rpc = createSolanaRpc(svm().rpcUrl);
    const payer = await createKeyPairSignerFromBytes(new Uint8Array(getBase58Encoder().encode(svm().buyers[0]!.secretKey)));
    const [source] = await findAssociatedTokenPda({ owner: payer.address, mint: address(svm().mint.address), tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const [destination] = await findAssociatedTokenPda({ owner: address(svm().payTo), mint: address(svm().mint.address), tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const { value: latest } = await rpc.getLatestBlockhash().send();
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(payer, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
      (m) => appendTransactionMessageInstruction(getTransferCheckedInstruction({ source, mint: address(svm().mint.address), destination, authority: payer, amount: 7_000n, decimals: 6 }), m),
    );
    const signed = await signTransactionMessageWithSigners(message);
    const signature = await rpc.sendTransaction(getBase64EncodedWireTransaction(signed), { encoding: "base64" }).send();
    outsideTollgate += 7_000n;

    const cookie = await sessionCookie(AUTH_SECRET, devnet.config.payTo, app.url);
    for (;;) {
      const page = await (await fetch(url("/dashboard/payments"), { headers: { cookie } })).text();
      if (page.includes(signature)) {
        expect(page).toContain("Transfers to your payTo with no payment record");
        break;
      }
      await new Promise((r) => setTimeout(r, 200)); // until the next reconciler pass found it
    }

    // The scan pages back to its cursor: read two signatures at a time, it finds exactly what one
    // page of 1,000 finds (every transfer to the merchant so far, this one included); with no
    // cursor yet, the latest page only.
    const mint = svm().mint.address;
    const all = await findSvmTransfersTo([svm().rpcUrl], mint, svm().payTo, 0n);
    expect(all.length).toBeGreaterThan(10);
    expect(all.map((t) => t.signature)).toContain(signature);
    expect(await findSvmTransfersTo([svm().rpcUrl], mint, svm().payTo, 0n, { pageSize: 2 })).toEqual(all);
    const since = all[4]!.slot;
    expect(await findSvmTransfersTo([svm().rpcUrl], mint, svm().payTo, since, { pageSize: 2 })).toEqual(all.filter((t) => t.slot >= since));
    const firstScan = await findSvmTransfersTo([svm().rpcUrl], mint, svm().payTo, null, { pageSize: 2 });
    expect(firstScan).toEqual(all.slice(0, firstScan.length));
    expect(new Set(firstScan.map((t) => t.signature)).size).toBeLessThanOrEqual(2);
    // An RPC that lists the transfer's signature but does not serve its transaction yet (a
    // load-balanced provider's lagging node): the scan fails (and is run again next pass) rather
    // than moving its cursor past a transfer it never read.
    const lagging = await startRpcProxy(svm().rpcUrl, (call) => (call.method === "getTransaction" && call.params[0] === signature ? { result: null } : undefined));
    try {
      await expect(findSvmTransfersTo([lagging.url], mint, svm().payTo, 0n)).rejects.toThrow(/listed but the RPC did not serve it yet/);
    } finally {
      lagging.close();
    }
  });

  it("pays the forecast once on Solana, then signs in with Solana (SIWS through sign-in-with-x) and is served free", async () => {
    const before = await tokens(buyer(2));
    const paid = await (await createSvmPayingFetch(devnet.config, 2))(url("/api/demo/forecast"));
    expect(paid.status).toBe(200);
    expect(await tokens(buyer(2))).toBe(before - 50_000n);

    // A @solana/kit KeyPairSigner is what @x402/extensions calls a SolanaKitSigner; only the
    // readonly-ness of signMessages' parameter differs in the two packages' typings ("as never").
    const signer = await createKeyPairSignerFromBytes(new Uint8Array(getBase58Encoder().encode(svm().buyers[2]!.secretKey)));
    const challenge = await fetch(url("/api/demo/forecast"));
    const ext = decodePaymentRequiredHeader(challenge.headers.get("payment-required")!).extensions![SIGN_IN_WITH_X] as SIWxExtension;
    const chain = ext.supportedChains.find((c) => c.chainId === svm().network)!;
    expect(chain).toEqual({ chainId: svm().network, type: "ed25519" });
    const header = encodeSIWxHeader(await createSIWxPayload({ ...ext.info, chainId: chain.chainId, type: chain.type }, signer as never, url("/api/demo/forecast")));
    const free = await fetch(url("/api/demo/forecast?city=Lima"), { headers: { [SIGN_IN_WITH_X]: header } });
    expect(free.status).toBe(200);
    expect((await free.json()).city).toBe("Lima");
    expect(free.headers.get("payment-response")).toBeNull();
    expect(await tokens(buyer(2))).toBe(before - 50_000n);
    // Another Solana wallet that never paid is refused.
    const stranger = await createKeyPairSignerFromBytes(new Uint8Array(getBase58Encoder().encode(svm().buyers[3]!.secretKey)));
    const fresh = decodePaymentRequiredHeader((await fetch(url("/api/demo/forecast"))).headers.get("payment-required")!).extensions![SIGN_IN_WITH_X] as SIWxExtension;
    const refused = await fetch(url("/api/demo/forecast"), { headers: { [SIGN_IN_WITH_X]: encodeSIWxHeader(await createSIWxPayload({ ...fresh.info, chainId: chain.chainId, type: chain.type }, stranger as never, url("/api/demo/forecast"))) } });
    expect(refused.status).toBe(402);
    expect((await refused.json()).code).toBe("sign_in_refused");
  });

  it("recorded every Solana settlement once with its signature; the merchant's balance equals the settled rows", async () => {
    await app.stop(); // PGlite serves one process
    const db = await openDatabase(parseDatabaseUrl(databaseUrl));
    try {
      const rows = await db.prisma.payment.findMany({ where: { network: svm().network } });
      const settled = rows.filter((r) => r.status === "settled");
      expect(settled).toHaveLength(15); // thirteen quotes (one per test above), one summary and one forecast
      for (const r of settled) expect(r.transaction).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
      expect(new Set(settled.map((r) => r.transaction)).size).toBe(settled.length);
      const total = settled.reduce((sum, r) => sum + BigInt(r.amount.toFixed(0)), 0n);
      expect(await tokens(svm().payTo)).toBe(merchantStart + total + outsideTollgate);
      // The one transfer made outside Tollgate is flagged, and only it.
      const orphans = await db.prisma.orphanTransfer.findMany({ where: { network: svm().network } });
      expect(orphans.map((o) => o.amount.toFixed(0))).toEqual(["7000"]);
      expect(rows.filter((r) => r.status !== "settled")).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
