/**
 * Several RPC endpoints per network (EVM_CHAINS' `rpcUrl` and SOLANA_RPC_URLS as lists): when
 * the first provider is down, every chain read and send goes to the next. The chains (anvil with
 * the devnet's test USDC, the local SVM with its test mint), the facilitator code (@x402/evm,
 * @x402/svm), the official client schemes and the reconciler are real; the providers that are
 * down are played by a server that drops every connection, one that answers every call 503 (as a
 * provider's gateway does in an outage) and one that never answers, since no hosted RPC is
 * reachable from this machine.
 */
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { decodePaymentSignatureHeader } from "@x402/core/http";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createPublicClient } from "viem";
import { address, createKeyPairFromBytes, getBase58Encoder, getTransactionDecoder, getTransactionEncoder, partiallySignTransaction } from "@solana/kit";
import { evmTransport, solanaRpc } from "@/lib/chains/rpc";
import { forgetRpcHealth, RPC_REST_MS, rpcOrder } from "@/lib/chains/rpc-health";
import type { RpcUrls } from "@/lib/chains/rpc-urls";
import { createSelfHostedFacilitator } from "@/lib/facilitator/self-hosted";
import { signSvmPaymentHeaders } from "@/lib/paywall/sign-svm";
import { checkOnchain, findSvmTransfersTo, onchainRefOf } from "@/lib/settlement/onchain";
import { reconcileOnce } from "@/lib/settlement/reconciler";
import { devnetRequirements, signDevnetPayment, splBalance } from "@/scripts/agent-client";
import { testKey } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { svmTestSigner } from "@/scripts/devnet/svm";
import { freePort } from "../support/ports";
import { payMerchantOutsideX402, priceDevnetQuote } from "../support/payments";
import { usePglite } from "../support/pglite";
import { startRpcDropping, startRpcGarbage, startRpcOutage, startRpcProxy, startRpcSilent } from "../support/rpc-proxy";

const database = usePglite("rpc-fallback");

describe("a network's RPC endpoints, tried in order (one that failed lately last)", () => {
  let devnet: Devnet;
  let outage: Awaited<ReturnType<typeof startRpcOutage>>;
  let dropping: Awaited<ReturnType<typeof startRpcDropping>>;
  /** The dropping endpoint's URL. */
  let dropped: string;

  const svm = () => devnet.config.svm;
  const evmRequirements = () => devnetRequirements(devnet.config);
  const evmExpected = () => ({ asset: devnet.config.asset.address, payTo: devnet.config.payTo, amount: 10_000n });
  const evmEndpoints = (): RpcUrls => [dropped, outage.url, devnet.config.rpcUrl];
  const svmEndpoints = (): RpcUrls => [outage.url, svm().rpcUrl];
  const svmRequirements = (): PaymentRequirements => ({
    scheme: "exact",
    network: svm().network as `${string}:${string}`,
    asset: svm().mint.address,
    amount: "10000",
    payTo: svm().payTo,
    maxTimeoutSeconds: 300,
    extra: { feePayer: svm().feePayer },
  });
  const paymentRequired = (requirements: PaymentRequirements): PaymentRequired => ({
    x402Version: 2,
    resource: { url: "http://localhost/api/demo/quote", description: "A quote", mimeType: "application/json" },
    accepts: [requirements],
  });
  /** Solana buyer `i` as a browser wallet: signs the bytes it is handed, and counts how often it was asked. */
  async function browserWallet(i: number, { decline = false } = {}) {
    const buyer = svm().buyers[i]!;
    const keys = await createKeyPairFromBytes(new Uint8Array(getBase58Encoder().encode(buyer.secretKey)));
    const wallet = {
      asked: 0,
      address: address(buyer.address),
      async signTransactionBytes(bytes: Uint8Array) {
        wallet.asked++;
        if (decline) throw new Error("User rejected the request.");
        const signed = await partiallySignTransaction([keys], getTransactionDecoder().decode(bytes));
        return new Uint8Array(getTransactionEncoder().encode(signed));
      },
    };
    return wallet;
  }
  /** An endpoint that never answers, and the local SVM behind a proxy that counts the calls it passes on. */
  async function silentThenCounted() {
    const hanging = await startRpcSilent();
    let asked = 0;
    const counted = await startRpcProxy(svm().rpcUrl, () => {
      asked++;
      return undefined;
    });
    return {
      hanging,
      counted,
      svmAsked: () => asked,
      close: () => {
        counted.close();
        hanging.close();
      },
    };
  }
  const svmFacilitator = async (rpcUrls: RpcUrls) => createSelfHostedFacilitator({ svm: [{ network: svmRequirements().network, feePayer: (await svmTestSigner("fee-payer")).signer, rpcUrls }] });

  beforeAll(async () => {
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    outage = await startRpcOutage();
    dropping = await startRpcDropping();
    dropped = dropping.url;
  });

  // Each test starts from the listed order: what an earlier one saw fail is forgotten.
  beforeEach(() => forgetRpcHealth());

  afterAll(async () => {
    vi.unstubAllEnvs();
    outage?.close();
    dropping?.close();
    await devnet?.stop();
  });

  it("EVM: the self-hosted facilitator settles, and Tollgate finds the settlement, past a dropped and an unavailable endpoint", { timeout: 120_000 }, async () => {
    const createdAt = new Date();
    const paid: PaymentPayload = await signDevnetPayment(devnet.config, 0, evmRequirements());
    const facilitator = createSelfHostedFacilitator({ evmPrivateKey: testKey(6), evmChains: [{ network: evmRequirements().network, chainId: devnet.config.chainId, rpcUrls: evmEndpoints() }], receiptPollingMs: 50 });
    const before = outage.requests();
    expect(await facilitator.verify(paid, evmRequirements())).toMatchObject({ isValid: true });
    const settled = await facilitator.settle(paid, evmRequirements());
    expect(settled).toMatchObject({ success: true });
    expect(outage.requests()).toBeGreaterThan(before);
    const ref = onchainRefOf(evmRequirements().network, paid.payload)!;
    expect(await checkOnchain(evmEndpoints(), evmExpected(), ref, createdAt)).toMatchObject({ state: "settled", transaction: settled.transaction });
    // With no endpoint that answers, the chain's word is unknown: never "not settled".
    expect(await checkOnchain([dropped, outage.url], evmExpected(), ref, createdAt)).toMatchObject({ state: "unknown", unreachable: true });
  });

  it("EVM: the reconciler's scan reads the chain through the endpoint that answers (EVM_CHAINS lists them)", { timeout: 120_000 }, async () => {
    // (env() is read once per process: set before the reconciler's first call.)
    vi.stubEnv("EVM_CHAINS", JSON.stringify({ [devnet.config.chainId]: { rpcUrl: [outage.url, devnet.config.rpcUrl], name: "Local devnet" } }));
    const db = database().prisma;
    await priceDevnetQuote(db, devnet.config);
    const direct = await payMerchantOutsideX402(devnet.config, 1, 12_345n);
    const summary = await reconcileOnce(db, { olderThanMs: 0 });
    expect(summary.decisions.filter((d) => d.startsWith("scan "))).toEqual([]);
    expect(summary.decisions).toContainEqual(expect.stringContaining(direct));

    // The next pass reads the last blocks again, through the same endpoints, and flags nothing twice.
    expect((await reconcileOnce(db, { olderThanMs: 0 })).orphans).toBe(0);
  });

  it("Solana: the paywall signs, the facilitator settles and Tollgate finds the transfer, past an unavailable endpoint", { timeout: 120_000 }, async () => {
    const createdAt = new Date();
    const requirements = svmRequirements();
    const merchantBefore = await splBalance(svm().rpcUrl, svm().mint.address, svm().payTo);
    const wallet = await browserWallet(0);
    const before = outage.requests();
    // The browser's paywall: the first endpoint fails before the wallet is asked, so the next one builds the transaction.
    const headers = await signSvmPaymentHeaders(paymentRequired(requirements), requirements, wallet, [dropped, outage.url, svm().rpcUrl]);
    expect(wallet.asked).toBe(1);
    expect(outage.requests()).toBeGreaterThan(before);
    const paid = decodePaymentSignatureHeader(headers["PAYMENT-SIGNATURE"]!);
    const facilitator = await svmFacilitator(svmEndpoints());
    expect(await facilitator.verify(paid, requirements)).toMatchObject({ isValid: true });
    const settled = await facilitator.settle(paid, requirements);
    expect(settled).toMatchObject({ success: true });
    expect(await splBalance(svm().rpcUrl, svm().mint.address, svm().payTo)).toBe(merchantBefore + 10_000n);

    const ref = onchainRefOf(requirements.network, paid.payload)!;
    const expected = { asset: requirements.asset, payTo: requirements.payTo, amount: 10_000n };
    expect(await checkOnchain(svmEndpoints(), expected, ref, createdAt)).toMatchObject({ state: "settled", transaction: settled.transaction });
    expect(await checkOnchain([dropped, outage.url], expected, ref, createdAt)).toMatchObject({ state: "unknown", unreachable: true });
    const transfers = await findSvmTransfersTo(svmEndpoints(), requirements.asset, requirements.payTo, 0n);
    expect(transfers.map((t) => t.signature)).toContain(settled.transaction);
  });

  it("Solana: a wallet's refusal is final; no other endpoint asks it again", { timeout: 60_000 }, async () => {
    const requirements = svmRequirements();
    let secondAsked = 0;
    const second = await startRpcProxy(svm().rpcUrl, () => {
      secondAsked++;
      return undefined;
    });
    try {
      const wallet = await browserWallet(1, { decline: true });
      await expect(signSvmPaymentHeaders(paymentRequired(requirements), requirements, wallet, [svm().rpcUrl, second.url])).rejects.toThrow("User rejected the request.");
      expect(wallet.asked).toBe(1);
      expect(secondAsked).toBe(0);
    } finally {
      second.close();
    }
  });

  it("an endpoint that never answers costs a call its timeout, then the next one answers; the caller's abort ends the call at once", { timeout: 30_000 }, async () => {
    const { hanging, counted, svmAsked, close } = await silentThenCounted();
    try {
      expect(await solanaRpc([hanging.url, counted.url], { timeoutMs: 300 }).getSlot().send()).toBeGreaterThan(0n);
      expect(svmAsked()).toBe(1);
      const client = createPublicClient({ transport: evmTransport([hanging.url, devnet.config.rpcUrl], { timeout: 300, retryCount: 0 }) });
      expect(await client.getChainId()).toBe(devnet.config.chainId);
      // The paywall's Solana signing gives up on the silent endpoint and builds on the next; the
      // wallet is asked once. (Forgotten first: the calls above left the silent endpoint resting.)
      forgetRpcHealth();
      const requirements = svmRequirements();
      const wallet = await browserWallet(2);
      const headers = await signSvmPaymentHeaders(paymentRequired(requirements), requirements, wallet, [hanging.url, svm().rpcUrl], { endpointTimeoutMs: 300 });
      expect(wallet.asked).toBe(1);
      expect(await (await svmFacilitator([svm().rpcUrl])).verify(decodePaymentSignatureHeader(headers["PAYMENT-SIGNATURE"]!), requirements)).toMatchObject({ isValid: true });
      // Aborted by the caller while the first endpoint hangs: the call ends then, not after the
      // endpoint's 60 s (past this test's own limit), and the next endpoint is not asked. The
      // caller's abort says nothing about the endpoint: it keeps its place.
      forgetRpcHealth();
      const abort = new AbortController();
      const call = solanaRpc([hanging.url, counted.url], { timeoutMs: 60_000 }).getSlot().send({ abortSignal: abort.signal });
      abort.abort(new Error("the caller gave up"));
      await expect(call).rejects.toThrow();
      expect(svmAsked()).toBe(1);
      expect(rpcOrder([hanging.url, counted.url])).toEqual([hanging.url, counted.url]);
    } finally {
      close();
    }
  });

  it("an endpoint that failed is asked after the others for a while, so only the first call pays its timeout; then it is asked first again", { timeout: 60_000 }, async () => {
    const { hanging, counted, svmAsked, close } = await silentThenCounted();
    try {
      // Solana: the first call waits out the silent endpoint; the next ones go straight to the one that answers.
      const rpc = solanaRpc([hanging.url, counted.url], { timeoutMs: 300 });
      for (let i = 0; i < 3; i++) expect(await rpc.getSlot().send()).toBeGreaterThan(0n);
      expect(hanging.requests()).toBe(1);
      expect(svmAsked()).toBe(3);
      // The rest is process-wide: a new client (each chain check builds its own) and the paywall's signing skip it too.
      expect(await solanaRpc([hanging.url, counted.url], { timeoutMs: 300 }).getSlot().send()).toBeGreaterThan(0n);
      const requirements = svmRequirements();
      const wallet = await browserWallet(3);
      await signSvmPaymentHeaders(paymentRequired(requirements), requirements, wallet, [hanging.url, svm().rpcUrl], { endpointTimeoutMs: 300 });
      expect(wallet.asked).toBe(1);
      expect(hanging.requests()).toBe(1);

      // EVM, an endpoint in an outage (503): asked once, then after the one that answers.
      const client = () => createPublicClient({ transport: evmTransport([outage.url, devnet.config.rpcUrl], { timeout: 300, retryCount: 0 }) });
      const before = outage.requests();
      for (let i = 0; i < 3; i++) expect(await client().getChainId()).toBe(devnet.config.chainId);
      expect(outage.requests()).toBe(before + 1);
      // Both resting: both are still asked, in the listed order; nothing is dropped.
      await expect(createPublicClient({ transport: evmTransport([dropped, outage.url], { retryCount: 0 }) }).getChainId()).rejects.toThrow();
      expect(outage.requests()).toBe(before + 2);

      // Past the rest, the listed order again: the first endpoint is asked first (and, still
      // silent or down, rests again).
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + RPC_REST_MS + 1 });
      try {
        expect(rpcOrder([hanging.url, counted.url])).toEqual([hanging.url, counted.url]);
        expect(await rpc.getSlot().send()).toBeGreaterThan(0n);
        expect(hanging.requests()).toBe(2);
        const seen = outage.requests();
        expect(await client().getChainId()).toBe(devnet.config.chainId);
        expect(outage.requests()).toBe(seen + 1);
      } finally {
        vi.useRealTimers();
      }
    } finally {
      close();
    }
  });

  it("an endpoint that answers 200 with a page that is not JSON is passed over, and rests, on both networks", { timeout: 30_000 }, async () => {
    const garbage = await startRpcGarbage();
    try {
      for (let i = 0; i < 2; i++) expect(await solanaRpc([garbage.url, svm().rpcUrl]).getSlot().send()).toBeGreaterThan(0n);
      expect(garbage.requests()).toBe(1);
      forgetRpcHealth();
      for (let i = 0; i < 2; i++) expect(await createPublicClient({ transport: evmTransport([garbage.url, devnet.config.rpcUrl], { retryCount: 0 }) }).getChainId()).toBe(devnet.config.chainId);
      expect(garbage.requests()).toBe(2);
      // The paywall's signing passes it over too (forgotten first, so that it is asked).
      forgetRpcHealth();
      const requirements = svmRequirements();
      const wallet = await browserWallet(4);
      await signSvmPaymentHeaders(paymentRequired(requirements), requirements, wallet, [garbage.url, svm().rpcUrl]);
      expect(wallet.asked).toBe(1);
      expect(rpcOrder([garbage.url, svm().rpcUrl])).toEqual([svm().rpcUrl, garbage.url]);
    } finally {
      garbage.close();
    }
  });

  it("a node's JSON-RPC error is an answer: the endpoint keeps its place", { timeout: 30_000 }, async () => {
    let evmAsked = 0;
    const refusing = await startRpcProxy(devnet.config.rpcUrl, (call) => {
      if (call.method !== "eth_chainId") return undefined;
      evmAsked++;
      return { error: { code: -32005, message: "request limit reached for this method" } };
    });
    let svmAsked = 0;
    const lagging = await startRpcProxy(svm().rpcUrl, (call) => {
      if (call.method !== "getSlot") return undefined;
      svmAsked++;
      return { error: { code: -32016, message: "Minimum context slot has not been reached" } };
    });
    try {
      // EVM: viem asks the next endpoint after a JSON-RPC error, but the first keeps its place.
      const client = createPublicClient({ transport: evmTransport([refusing.url, devnet.config.rpcUrl], { retryCount: 0 }) });
      for (let i = 0; i < 2; i++) expect(await client.getChainId()).toBe(devnet.config.chainId);
      expect(evmAsked).toBe(2);
      expect(rpcOrder([refusing.url, devnet.config.rpcUrl])[0]).toBe(refusing.url);
      // Solana: the node's error is the answer, asked of no other endpoint, and the node keeps its place.
      const rpc = solanaRpc([lagging.url, svm().rpcUrl]);
      for (let i = 0; i < 2; i++) await expect(rpc.getSlot().send()).rejects.toThrow();
      expect(svmAsked).toBe(2);
      expect(rpcOrder([lagging.url, svm().rpcUrl])[0]).toBe(lagging.url);
    } finally {
      refusing.close();
      lagging.close();
    }
  });
});
