/**
 * Reading the chain through what hosted RPC providers do and a local node does not: an
 * eth_getLogs block range capped (10 blocks on some free plans; 500 to 10,000 elsewhere, each
 * with its own error), and nodes behind a load balancer that lag one another. The chain, the
 * test USDC, the settlement (the real @x402/evm facilitator code) and the reconciler are real;
 * the provider is played by a JSON-RPC proxy in front of anvil (tests/support/rpc-proxy.ts),
 * because no hosted RPC is reachable from this machine.
 */
import type { PaymentPayload } from "@x402/core/types";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPublicClient, http as viemHttp, numberToHex, type PublicClient } from "viem";
import { createSelfHostedFacilitator } from "@/lib/facilitator/self-hosted";
import { checkOnchain, onchainRefOf } from "@/lib/settlement/onchain";
import { reconcileOnce } from "@/lib/settlement/reconciler";
import { devnetRequirements, signDevnetPayment } from "@/scripts/agent-client";
import { testKey } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { freePort } from "../support/ports";
import { payMerchantOutsideX402, priceDevnetQuote } from "../support/payments";
import { usePglite } from "../support/pglite";
import { startRpcProxy } from "../support/rpc-proxy";

/** The widest eth_getLogs range the proxy lets through, in blocks (inclusive). */
const MAX_RANGE = 10;
const database = usePglite("hosted-rpc");

describe("chain reads through a hosted RPC: capped log ranges, lagging nodes", () => {
  let devnet: Devnet;
  let proxy: Awaited<ReturnType<typeof startRpcProxy>>;
  let rpcUrl: string;
  /** Reads anvil directly, past the proxy. */
  let chain: PublicClient;
  /** eth_getLogs calls answered, and refused for their range. */
  const getLogs = { answered: 0, refused: 0 };
  /** The first test's settlement: a transfer to the merchant that no row of the second test's database names. */
  let settledTransaction: string;
  /** While > 0, eth_getLogs serves blocks only up to this many below anvil's head (a node behind the one that named the head). */
  let lagBlocks = 0;
  /** While set, an eth_call at "latest" is answered at this block (a node behind the one that named the latest block). */
  let staleCallsAt: bigint | null = null;

  const requirements = (maxTimeoutSeconds = 300) => devnetRequirements(devnet.config, { maxTimeoutSeconds });
  const expected = () => ({ asset: devnet.config.asset.address, payTo: devnet.config.payTo, amount: 10_000n });
  const mine = (blocks: number) => chain.request({ method: "anvil_mine", params: [numberToHex(blocks)] } as never);
  const payment = (buyer: number, maxTimeoutSeconds?: number): Promise<PaymentPayload> => signDevnetPayment(devnet.config, buyer, requirements(maxTimeoutSeconds));
  /** Settles straight on anvil (past the proxy), with the real facilitator code. */
  const settleOnAnvil = (p: PaymentPayload, maxTimeoutSeconds?: number) =>
    createSelfHostedFacilitator({ evmPrivateKey: testKey(6), evmChains: [{ network: requirements().network, chainId: devnet.config.chainId, rpcUrls: [devnet.config.rpcUrl] }], receiptPollingMs: 50 }).settle(p, requirements(maxTimeoutSeconds));

  beforeAll(async () => {
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    chain = createPublicClient({ transport: viemHttp(devnet.config.rpcUrl) });
    proxy = await startRpcProxy(devnet.config.rpcUrl, async (call) => {
      if (call.method === "eth_call" && staleCallsAt !== null && call.params[1] === "latest") call.params[1] = numberToHex(staleCallsAt);
      if (call.method !== "eth_getLogs") return;
      const filter = call.params[0] as { fromBlock?: string; toBlock?: string };
      if (!filter.fromBlock?.startsWith("0x") || !filter.toBlock?.startsWith("0x") || Number(filter.toBlock) - Number(filter.fromBlock) + 1 > MAX_RANGE) {
        getLogs.refused++;
        return { error: { code: -32600, message: `You can make eth_getLogs requests with up to a ${MAX_RANGE} block range.` } };
      }
      getLogs.answered++;
      if (lagBlocks > 0) {
        const served = Number(await chain.getBlockNumber({ cacheTime: 0 })) - lagBlocks;
        if (Number(filter.fromBlock) > served) return { result: [] };
        call.params[0] = { ...filter, toBlock: numberToHex(Math.min(Number(filter.toBlock), served)) };
      }
    });
    rpcUrl = proxy.url;
    // The reconciler reads the devnet's chain through the proxy.
    vi.stubEnv("EVM_CHAINS", JSON.stringify({ [devnet.config.chainId]: { rpcUrl, name: "Local devnet" } }));
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    proxy?.close();
    await devnet?.stop();
  });

  it("finds a settlement many windows back: the window shrinks to what the RPC accepts", { timeout: 120_000 }, async () => {
    const createdAt = new Date();
    const paid = await payment(0);
    // Settled straight on anvil; blocks come after it, so its log lies several capped windows back.
    const settled = await settleOnAnvil(paid);
    expect(settled).toMatchObject({ success: true });
    settledTransaction = settled.transaction;
    await mine(4 * MAX_RANGE);
    const ref = onchainRefOf(requirements().network, paid.payload)!;
    expect(await checkOnchain([rpcUrl], expected(), ref, createdAt)).toMatchObject({ state: "settled", transaction: settled.transaction });
    expect(getLogs.refused).toBeGreaterThan(0);
    // The window that worked is kept: asking again is refused no more.
    const refused = getLogs.refused;
    expect(await checkOnchain([rpcUrl], expected(), ref, createdAt)).toMatchObject({ state: "settled", transaction: settled.transaction });
    expect(getLogs.refused).toBe(refused);
  });

  it("the reconciler's scan reads every block to the chain's head and flags a transfer no payment explains", { timeout: 120_000 }, async () => {
    const db = database().prisma;
    await priceDevnetQuote(db, devnet.config);
    // A buyer pays the merchant directly, outside x402, then more blocks come.
    const orphan = await payMerchantOutsideX402(devnet.config, 1, 12_345n);
    await mine(3 * MAX_RANGE);
    const summary = await reconcileOnce(db, { olderThanMs: 0 });
    expect(summary.decisions.filter((d) => d.startsWith("scan "))).toEqual([]);
    expect(summary.decisions).toContainEqual(expect.stringContaining(orphan));
    // Both transfers to the merchant are found, the first test's settlement too (this database has no row for it).
    const found = await db.orphanTransfer.findMany({ select: { transaction: true, amount: true } });
    expect(found.map((o) => [o.transaction.toLowerCase(), o.amount.toString()]).sort()).toEqual([[orphan.toLowerCase(), "12345"], [settledTransaction.toLowerCase(), "10000"]].sort());
    // The next pass reads the last blocks again, but flags nothing twice.
    expect((await reconcileOnce(db, { olderThanMs: 0 })).orphans).toBe(0);
    expect(await db.orphanTransfer.count()).toBe(2);
  });

  it("the scan finds a transfer that an RPC node lagging behind the head did not serve on the pass that moved the cursor past it", { timeout: 120_000 }, async () => {
    const db = database().prisma;
    lagBlocks = 3;
    try {
      const late = await payMerchantOutsideX402(devnet.config, 2, 54_321n);
      await mine(1);
      // The pass reads to the head its first node named; the node serving the logs has not seen the transfer's block.
      const blind = await reconcileOnce(db, { olderThanMs: 0 });
      expect(blind.decisions.join("\n")).not.toContain(late);
      lagBlocks = 0;
      // Caught up: the next pass reads the last blocks before its cursor again and finds it.
      const caughtUp = await reconcileOnce(db, { olderThanMs: 0 });
      expect(caughtUp.orphans).toBe(1);
      expect(caughtUp.decisions).toContainEqual(expect.stringContaining(late));
    } finally {
      lagBlocks = 0;
    }
  });

  it("never fails a landed payment on the word of a node behind the one whose latest block says its authorization expired", { timeout: 120_000 }, async () => {
    const createdAt = new Date();
    const paid = await payment(3, 60);
    const beforeSettling = await chain.getBlockNumber({ cacheTime: 0 });
    const settled = await settleOnAnvil(paid, 60);
    expect(settled).toMatchObject({ success: true });
    // The chain's time moves past the authorization's validBefore (60 s after signing).
    await chain.request({ method: "evm_increaseTime", params: [numberToHex(600)] } as never);
    await mine(1);
    // "latest" calls reach a node that has not seen the settlement's block; the latest block comes from one that has.
    staleCallsAt = beforeSettling;
    try {
      expect(await checkOnchain([rpcUrl], expected(), onchainRefOf(requirements().network, paid.payload)!, createdAt)).toMatchObject({ state: "settled", transaction: settled.transaction });
    } finally {
      staleCallsAt = null;
    }
  });
});
