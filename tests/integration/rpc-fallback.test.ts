/**
 * Several RPC endpoints per network (EVM_CHAINS' `rpcUrl` and SOLANA_RPC_URLS as lists): when
 * the first provider is down, every chain read and send goes to the next. The chains (anvil with
 * the devnet's test USDC, the local SVM with its test mint), the facilitator code (@x402/evm,
 * @x402/svm), the official client schemes and the reconciler are real; the providers that are
 * down are played by a server that drops every connection and by one that answers every call 503,
 * as a provider's gateway does in an outage, since no hosted RPC is reachable from this machine.
 */
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { decodePaymentSignatureHeader } from "@x402/core/http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWalletClient, erc20Abi, http as viemHttp, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { address, createKeyPairFromBytes, getBase58Encoder, getTransactionDecoder, getTransactionEncoder, partiallySignTransaction } from "@solana/kit";
import type { RpcUrls } from "@/lib/chains/rpc-urls";
import { createSelfHostedFacilitator } from "@/lib/facilitator/self-hosted";
import { signSvmPaymentHeaders } from "@/lib/paywall/sign-svm";
import { upsertPricedRoute } from "@/lib/routes/mutations";
import { checkOnchain, findSvmTransfersTo, onchainRefOf } from "@/lib/settlement/onchain";
import { reconcileOnce } from "@/lib/settlement/reconciler";
import { devnetRequirements, signDevnetPayment, splBalance } from "@/scripts/agent-client";
import { localChain, testKey } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { svmTestSigner } from "@/scripts/devnet/svm";
import { freePort } from "../support/ports";
import { usePglite } from "../support/pglite";
import { startRpcProxy } from "../support/rpc-proxy";

const database = usePglite("rpc-fallback");

/** An RPC provider in an outage: every request answered 503 by its gateway, and counted. */
async function startOutage(): Promise<{ url: string; requests: () => number; close: () => void }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** An endpoint whose every connection is dropped as soon as it is made (held by this test, so no other process can take its port). */
async function startDropping(): Promise<{ url: string; close: () => void }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe("a network's RPC endpoints, tried in order", () => {
  let devnet: Devnet;
  let outage: Awaited<ReturnType<typeof startOutage>>;
  let dropping: Awaited<ReturnType<typeof startDropping>>;
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
  const svmFacilitator = async (rpcUrls: RpcUrls) => createSelfHostedFacilitator({ svm: [{ network: svmRequirements().network, feePayer: (await svmTestSigner("fee-payer")).signer, rpcUrls }] });

  beforeAll(async () => {
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    outage = await startOutage();
    dropping = await startDropping();
    dropped = dropping.url;
  });

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
    await upsertPricedRoute(db, {
      method: "GET",
      pathPattern: "/api/demo/quote",
      description: "A quote",
      mimeType: "application/json",
      paymentOptions: [{ network: evmRequirements().network, asset: devnet.config.asset.address, amount: "10000", payTo: devnet.config.payTo, extra: { name: devnet.config.asset.name, version: devnet.config.asset.version } }],
    });
    const buyer = privateKeyToAccount(devnet.config.buyers[1]!.privateKey as Hex);
    const wallet = createWalletClient({ chain: localChain(devnet.config.chainId, devnet.config.rpcUrl), account: buyer, transport: viemHttp(devnet.config.rpcUrl) });
    const direct = await wallet.writeContract({ address: devnet.config.asset.address as Address, abi: erc20Abi, functionName: "transfer", args: [devnet.config.payTo as Address, 12_345n] });
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
});
