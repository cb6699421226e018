/**
 * The self-hosted facilitator's gas account under concurrency and RPC faults, on real parts:
 * anvil with the devnet's test USDC, the real @x402/evm facilitator code, and payments signed by
 * the official client. Between the facilitator and anvil sits a small JSON-RPC proxy
 * (tests/support/rpc-proxy.ts) that can refuse chosen calls (the fault a busy or flaky RPC
 * provider gives), since anvil itself never refuses.
 */
import { FacilitatorTimeoutError, type Network, type PaymentPayload } from "@x402/core/types";
import { BUILDER_CODE, ERC_8021_MARKER, parseBuilderCodeSuffixFromCalldata } from "@x402/extensions/builder-code";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPublicClient, createWalletClient, http as viemHttp, numberToHex, publicActions, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { BLOCK_NUMBER_CACHE_MS, createSelfHostedFacilitator, InProcessFacilitatorClient } from "@/lib/facilitator/self-hosted";
import { devnetRequirements, signDevnetPayment } from "@/scripts/agent-client";
import { balanceOf, localChain, testKey } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import type { x402Facilitator } from "@x402/core/facilitator";
import { openDatabase, type Database } from "@/lib/database/client";
import { applyMigrations } from "@/lib/database/migrations";
import { parseDatabaseUrl } from "@/lib/database/target";
import { databaseNonceStore } from "@/lib/facilitator/nonce-store";
import { awaitReceiptSpeedingUp, type SendFees, type SpeedUpClient } from "@/lib/facilitator/speed-up";
import { freePort } from "../support/ports";
import { findPostgresBin, startPostgres, startTestDatabase } from "../support/postgres";
import { startRpcProxy } from "../support/rpc-proxy";

/** anvil's account 6: funded with ether, used by no other part of the devnet. */
const GAS_KEY = testKey(6);
const gasAccount = privateKeyToAccount(GAS_KEY).address;

describe("the self-hosted facilitator's gas account", () => {
  let devnet: Devnet;
  let proxy: Awaited<ReturnType<typeof startRpcProxy>>;
  let proxyUrl: string;
  /** Reads the chain directly, past the proxy. */
  let chain: PublicClient;
  /**
   * Every `refuseEvery`-th call of one of `refuseMethods` (single calls; viem sends them
   * unbatched) is answered with a JSON-RPC error; 0 = none.
   */
  let refuseEvery = 0;
  let refuseMethods: string[] = [];
  let calls = 0;
  let refused = 0;
  /** While set, eth_fillTransaction is answered "method not found", as by providers that lack it: viem then estimates the fees itself. */
  let noFill = false;
  /** While set, the next eth_sendRawTransaction is held at the proxy until this settles (then it is cleared). */
  let sendGate: Promise<void> | undefined;
  /** Sends held by sendGate so far. */
  let held = 0;
  /** While set, every eth_blockNumber is refused, until an eth_sendRawTransaction comes (which clears it). */
  let refuseBlockNumbersUntilSend = false;
  let refusedBlockNumbers = 0;
  /** Calls the proxy passed on, by method. */
  const seen = new Map<string, number>();

  const merchantBalance = () => balanceOf(devnet.config.rpcUrl, devnet.config.asset.address as Address, devnet.config.payTo as Address);

  const requirements = () => devnetRequirements(devnet.config);

  /** A payment of 0.01 test USDC to the merchant by buyer `i % 5`, signed by the official client. */
  const payment = (i: number): Promise<PaymentPayload> => signDevnetPayment(devnet.config, i % 5, requirements());

  /** The facilitator under test, on the gas account, through the proxy; `options` override the rest. */
  const facilitator = (options: Partial<Parameters<typeof createSelfHostedFacilitator>[0]> = {}) =>
    createSelfHostedFacilitator({ evmPrivateKey: GAS_KEY, evmChains: [{ network: devnet.config.network as `${string}:${string}`, chainId: devnet.config.chainId, rpcUrls: [proxyUrl] }], receiptPollingMs: 50, ...options });
  /** Options that keep the gas account's next nonce in `prisma`'s database, as an instance on PostgreSQL does. */
  const nonceIn = (prisma: Database["prisma"]) => ({ nonceStore: (network: Network, address: Address) => databaseNonceStore(() => Promise.resolve(prisma), network, address) });

  /** A client of anvil's account 7, which nothing else here uses: for sends sped up directly. */
  const spareWallet = () =>
    createWalletClient({ chain: localChain(devnet.config.chainId, devnet.config.rpcUrl), account: privateKeyToAccount(testKey(7)), pollingInterval: 50, transport: viemHttp(devnet.config.rpcUrl) }).extend(publicActions);

  /**
   * anvil's pool is empty. Waited for: anvil lists a transaction for a moment after the block that
   * holds it is visible (5 of 300 sends here, read right after their receipt); a stale one stays.
   */
  const expectPoolEmpty = () => expect.poll(() => chain.request({ method: "txpool_status" } as never), { timeout: 10_000 }).toEqual({ pending: "0x0", queued: "0x0" });

  /** The gas account has nothing waiting: its pending nonce is its mined one, and anvil's pool is empty. */
  async function expectNothingQueued() {
    expect(await chain.getTransactionCount({ address: gasAccount, blockTag: "pending" })).toBe(await chain.getTransactionCount({ address: gasAccount }));
    await expectPoolEmpty();
  }

  /** The transactions in anvil's pool, of every sender. */
  type Pooled = { hash: Hex; nonce: Hex; maxFeePerGas: Hex };
  const pooled = async () => {
    const pool = (await chain.request({ method: "txpool_content" } as never)) as { pending: Record<string, Record<string, Pooled>> };
    return Object.values(pool.pending).flatMap((byNonce) => Object.values(byNonce));
  };

  beforeAll(async () => {
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    chain = createPublicClient({ transport: viemHttp(devnet.config.rpcUrl) });
    proxy = await startRpcProxy(devnet.config.rpcUrl, async (call) => {
      seen.set(call.method, (seen.get(call.method) ?? 0) + 1);
      if (call.method === "eth_sendRawTransaction") refuseBlockNumbersUntilSend = false;
      if (refuseBlockNumbersUntilSend && call.method === "eth_blockNumber") {
        refusedBlockNumbers++;
        return { error: { code: -32000, message: "refused by the test's RPC proxy" } };
      }
      if (sendGate && call.method === "eth_sendRawTransaction") {
        const gate = sendGate;
        sendGate = undefined;
        held++;
        await gate;
      }
      if (noFill && call.method === "eth_fillTransaction") return { error: { code: -32601, message: "the method eth_fillTransaction does not exist/is not available" } };
      if (refuseEvery === 0 || !refuseMethods.includes(call.method) || ++calls % refuseEvery !== 0) return;
      refused++;
      return call.method === "eth_sendRawTransaction"
        ? { error: { code: -32000, message: "refused by the test's RPC proxy" } }
        : { error: { code: 3, message: "execution reverted: refused by the test's RPC proxy" } };
    });
    proxyUrl = proxy.url;
  });

  afterAll(async () => {
    proxy?.close();
    await devnet?.stop();
  });

  // The fill (gas and fees) runs before a transaction joins the gas account's queue, the send
  // inside it: a refusal of either must cost only its own settlement.
  it.each([
    ["fills", ["eth_fillTransaction", "eth_estimateGas"]],
    ["sends", ["eth_sendRawTransaction"]],
  ])("settles a burst whose RPC refuses some %s: only those fail, no nonce gap is left, and the next settlement lands", { timeout: 120_000 }, async (_, methods) => {
    const f = facilitator();
    const merchantBefore = await merchantBalance();
    const payments = await Promise.all(Array.from({ length: 40 }, (_, i) => payment(i)));
    [refuseEvery, refuseMethods, calls, refused] = [7, methods, 0, 0];
    const results = await Promise.all(payments.map((p) => f.settle(p, requirements())));
    refuseEvery = 0;
    expect(refused).toBeGreaterThan(0);
    const settled = results.filter((r) => r.success);
    // One failed settlement per refused fill, no more (viem's nonce manager turned 5 refusals into
    // 15 to 18 failures in runs here, and left a transaction waiting behind a nonce gap).
    expect(results.length - settled.length).toBe(refused);
    for (const r of settled) expect((await chain.getTransactionReceipt({ hash: r.transaction as Hex })).status).toBe("success");
    await expectNothingQueued();
    expect(await merchantBalance()).toBe(merchantBefore + BigInt(settled.length) * 10_000n);
    const next = await f.settle(await payment(1), requirements());
    expect(next).toMatchObject({ success: true });
    await expectNothingQueued();
  });

  it("recovers when another sender used its next nonce: the settlement is sent again with the chain's count", { timeout: 60_000 }, async () => {
    const f = facilitator();
    expect(await f.settle(await payment(2), requirements())).toMatchObject({ success: true });
    // Someone else spends the gas account's next nonce (another process with the same key).
    const wallet = createWalletClient({ chain: localChain(devnet.config.chainId, devnet.config.rpcUrl), account: privateKeyToAccount(GAS_KEY), transport: viemHttp(devnet.config.rpcUrl) });
    await chain.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: gasAccount, value: 1n }) });
    const after = await f.settle(await payment(3), requirements());
    expect(after).toMatchObject({ success: true });
    await expectNothingQueued();
  });

  it("recovers when another sender's transaction holds its next nonce in the pool: the settlement is sent again after it", { timeout: 60_000 }, async () => {
    const f = facilitator();
    expect(await f.settle(await payment(4), requirements())).toMatchObject({ success: true });
    const merchantBefore = await merchantBalance();
    // Blocks stop being mined on every transaction, as on a real chain between blocks; another
    // process with the same key puts a transaction with the gas account's next nonce in the pool,
    // paying more than any estimate, so the settlement's send cannot replace it.
    await chain.request({ method: "evm_setAutomine", params: [false] } as never);
    try {
      const wallet = createWalletClient({ chain: localChain(devnet.config.chainId, devnet.config.rpcUrl), account: privateKeyToAccount(GAS_KEY), transport: viemHttp(devnet.config.rpcUrl) });
      await wallet.sendTransaction({ to: gasAccount, value: 1n, maxFeePerGas: 100_000_000_000n, maxPriorityFeePerGas: 50_000_000_000n });
      const settling = f.settle(await payment(5), requirements());
      // Once the settlement's transaction is in the pool behind the other one, a block is mined.
      await expect.poll(() => chain.request({ method: "txpool_status" } as never), { timeout: 30_000 }).toEqual({ pending: "0x2", queued: "0x0" });
      await chain.request({ method: "evm_mine", params: [] } as never);
      expect(await settling).toMatchObject({ success: true });
    } finally {
      await chain.request({ method: "evm_setAutomine", params: [true] } as never);
    }
    expect(await merchantBalance()).toBe(merchantBefore + 10_000n);
    await expectNothingQueued();
  });

  it("a base fee that rises before its block does not strand the settlement (nor the gas account's later transactions)", { timeout: 60_000 }, async () => {
    noFill = true;
    const f = facilitator();
    // A base fee far above the priority fee, as on a congested chain, then blocks only on demand.
    await chain.request({ method: "anvil_setNextBlockBaseFeePerGas", params: [numberToHex(100_000_000_000n)] } as never);
    await chain.request({ method: "evm_mine", params: [] } as never);
    await chain.request({ method: "evm_setAutomine", params: [false] } as never);
    try {
      const settling = f.settle(await payment(6), requirements());
      await expect.poll(() => chain.request({ method: "txpool_status" } as never), { timeout: 30_000 }).toEqual({ pending: "0x1", queued: "0x0" });
      // The next block's base fee is half as high again as the one the fees were estimated on.
      await chain.request({ method: "anvil_setNextBlockBaseFeePerGas", params: [numberToHex(150_000_000_000n)] } as never);
      await chain.request({ method: "evm_mine", params: [] } as never);
      // Its fee cap covered the new base fee: the block took it.
      expect((await chain.getBlock({ blockTag: "latest" })).transactions).toHaveLength(1);
      expect(await settling).toMatchObject({ success: true });
    } finally {
      noFill = false;
      await chain.request({ method: "evm_setAutomine", params: [true] } as never);
      // Whatever is left waits for a lower base fee: anvil's falls back on its own as blocks come.
      await chain.request({ method: "anvil_setNextBlockBaseFeePerGas", params: [numberToHex(1_000_000_000n)] } as never);
      await chain.request({ method: "evm_mine", params: [] } as never);
    }
    await expectNothingQueued();
  });

  it("a transaction the node drops from its pool unmined leaves no nonce gap: that settlement fails, the next one lands", { timeout: 60_000 }, async () => {
    // Receipts waited for 5 s here (120 s by default), so the dropped one's wait ends within the test.
    const f = facilitator({ receiptTimeoutMs: 5_000 });
    expect(await f.settle(await payment(7), requirements())).toMatchObject({ success: true });
    const merchantBefore = await merchantBalance();
    await chain.request({ method: "evm_setAutomine", params: [false] } as never);
    let dropped: PromiseSettledResult<{ success: boolean }>;
    try {
      const settling = f.settle(await payment(8), requirements());
      await expect.poll(() => chain.request({ method: "txpool_status" } as never), { timeout: 30_000 }).toEqual({ pending: "0x1", queued: "0x0" });
      // The node evicts it (a full pool, a restart), as anvil_dropTransaction does.
      const [sent] = await pooled();
      await chain.request({ method: "anvil_dropTransaction", params: [sent!.hash] } as never);
      [dropped] = await Promise.allSettled([settling]);
    } finally {
      await chain.request({ method: "evm_setAutomine", params: [true] } as never);
    }
    expect(dropped.status === "fulfilled" && dropped.value.success).toBe(false);
    // The gas account's next transaction takes the freed nonce, so it is mined rather than queued behind a gap.
    expect(await f.settle(await payment(9), requirements())).toMatchObject({ success: true });
    expect(await merchantBalance()).toBe(merchantBefore + 10_000n);
    await expectNothingQueued();
  });

  it("a settlement whose block-number reads the RPC refuses is still sent, and lands (the read before a send only times a speed-up)", { timeout: 60_000 }, async () => {
    // A new facilitator has no block number cached: every read before its first send reaches the RPC.
    const f = facilitator();
    const merchantBefore = await merchantBalance();
    refusedBlockNumbers = 0;
    refuseBlockNumbersUntilSend = true;
    try {
      expect(await f.settle(await payment(6), requirements())).toMatchObject({ success: true });
    } finally {
      refuseBlockNumbersUntilSend = false;
    }
    expect(refusedBlockNumbers).toBeGreaterThan(0);
    expect(await merchantBalance()).toBe(merchantBefore + 10_000n);
    await expectNothingQueued();
  });

  it("a settlement stuck under a base fee that rose past its fee cap is sent again with raised fees: the re-send is mined, the SettleResponse names it, the transfer happens once", { timeout: 60_000 }, async () => {
    // Re-sent after 200 ms unmined (30 s by default), once a block came without it.
    const f = facilitator({ speedUpAfterMs: 200 });
    expect(await f.settle(await payment(11), requirements())).toMatchObject({ success: true });
    const merchantBefore = await merchantBalance();
    await chain.request({ method: "evm_setAutomine", params: [false] } as never);
    let original: Pooled;
    let resent: Pooled;
    try {
      const settling = f.settle(await payment(12), requirements());
      await expect.poll(async () => (await pooled()).length, { timeout: 30_000 }).toBe(1);
      [original] = (await pooled()) as [Pooled];
      // The base fee jumps past the transaction's fee cap: the next block is mined without it
      // (geth keeps such a transaction pending; anvil drops it from its pool: either way it is stuck).
      await chain.request({ method: "anvil_setNextBlockBaseFeePerGas", params: [numberToHex(BigInt(original.maxFeePerGas) + 1n)] } as never);
      await chain.request({ method: "evm_mine", params: [] } as never);
      expect((await chain.getBlock({ blockTag: "latest" })).transactions).toHaveLength(0);
      // The facilitator sends it again, same nonce, with a fee cap that follows the new base fee.
      await expect.poll(async () => (await pooled()).filter((t) => t.hash !== original.hash).length, { timeout: 30_000 }).toBe(1);
      [resent] = (await pooled()) as [Pooled];
      expect(BigInt(resent.maxFeePerGas)).toBeGreaterThan(2n * BigInt(original.maxFeePerGas));
      await chain.request({ method: "evm_mine", params: [] } as never);
      const settled = await settling;
      expect(settled).toMatchObject({ success: true, transaction: resent.hash });
    } finally {
      await chain.request({ method: "evm_setAutomine", params: [true] } as never);
      await chain.request({ method: "anvil_setNextBlockBaseFeePerGas", params: [numberToHex(1_000_000_000n)] } as never);
      await chain.request({ method: "evm_mine", params: [] } as never);
    }
    expect((await chain.getTransactionReceipt({ hash: resent.hash })).status).toBe("success");
    await expect(chain.getTransactionReceipt({ hash: original.hash })).rejects.toThrow();
    expect(await merchantBalance()).toBe(merchantBefore + 10_000n);
    await expectNothingQueued();
    // The gas account goes on with the next nonce.
    expect(await f.settle(await payment(13), requirements())).toMatchObject({ success: true });
    await expectNothingQueued();
  });

  it("a send already mined is not sent again while its receipt wait lags behind (a busy machine's poll)", { timeout: 60_000 }, async () => {
    const wallet = spareWallet();
    const { account } = wallet;
    const blockBefore = await wallet.getBlockNumber({ cacheTime: 0 });
    const nonce = await wallet.getTransactionCount({ address: account.address });
    const fees = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
    const hash = await wallet.sendTransaction({ to: account.address, value: 1n, gas: 21_000n, nonce, ...fees });
    // automine: the next block holds it; a block past blockBefore has come, and so has its receipt.
    await expect.poll(() => wallet.getTransactionReceipt({ hash }).then((r) => r.status, () => "unmined"), { timeout: 30_000 }).toBe("success");
    let resends = 0;
    let receiptReads = 0;
    // The real client, but its receipt wait held back until the speed-up has either sent again or
    // asked the chain for the receipt itself. A test double: a poll that lags on a busy machine is
    // what makes this happen, and no real part lags on demand.
    const lagging: SpeedUpClient = {
      getBlock: () => wallet.getBlock(),
      getGasPrice: () => wallet.getGasPrice(),
      getTransactionReceipt: (args) => (receiptReads++, wallet.getTransactionReceipt(args)),
      waitForTransactionReceipt: async (args) => {
        await vi.waitFor(() => expect(receiptReads + resends).toBeGreaterThan(0), { timeout: 30_000, interval: 20 });
        return wallet.waitForTransactionReceipt(args);
      },
    };
    const resend = async (raised: SendFees) => {
      resends++;
      return wallet.sendTransaction({ to: account.address, value: 1n, gas: 21_000n, nonce, ...raised } as Parameters<typeof wallet.sendTransaction>[0]);
    };
    const receipt = await awaitReceiptSpeedingUp(lagging, hash, { fees, blockBefore, resend }, { timeoutMs: 30_000, speedUpAfterMs: 0, maxSpeedUps: 3, pollingMs: 20 });
    expect(receipt.transactionHash).toBe(hash);
    expect(resends).toBe(0);
    await expectPoolEmpty();
  });

  it("a settlement that waited its turn while a block was mined is not sent again until a block comes after it was sent", { timeout: 60_000 }, async () => {
    // Re-sent as soon as a block comes without it: only the block count decides here.
    const f = facilitator({ speedUpAfterMs: 0 });
    const merchantBefore = await merchantBalance();
    const [first, second] = await Promise.all([payment(14), payment(15)]);
    const count = (method: string) => seen.get(method) ?? 0;
    await chain.request({ method: "evm_setAutomine", params: [false] } as never);
    let release = () => {};
    try {
      // The first settlement's send is held on its way to the node, so the second waits its turn
      // in the gas account's queue, already filled, while a block is mined.
      sendGate = new Promise<void>((resolve) => (release = resolve));
      const fillsBefore = count("eth_fillTransaction");
      const settlingFirst = f.settle(first, requirements());
      await expect.poll(() => held, { timeout: 30_000 }).toBe(1);
      const settlingSecond = f.settle(second, requirements());
      await expect.poll(() => count("eth_fillTransaction") - fillsBefore, { timeout: 30_000 }).toBe(2);
      await chain.request({ method: "evm_mine", params: [] } as never);
      // A block number is kept for BLOCK_NUMBER_CACHE_MS: once that has passed, the second send's
      // turn reads the block just mined, not the one cached before it.
      await new Promise((resolve) => setTimeout(resolve, BLOCK_NUMBER_CACHE_MS + 100));
      release();
      await expect.poll(async () => (await pooled()).length, { timeout: 30_000 }).toBe(2);
      const [a, b] = (await pooled()).sort((x, y) => Number(BigInt(x.nonce) - BigInt(y.nonce))) as [Pooled, Pooled];
      // The first send was on its way while that block was mined: it counts, and the first is sent again.
      await expect.poll(async () => (await pooled()).find((t) => t.nonce === a.nonce)?.hash, { timeout: 30_000 }).not.toBe(a.hash);
      // Meanwhile the second's speed-up looks at the chain again and again (both poll every 50 ms)
      // and, with no block since its send, sends nothing.
      const polls = count("eth_getBlockByNumber");
      await expect.poll(() => count("eth_getBlockByNumber") - polls, { timeout: 30_000 }).toBeGreaterThanOrEqual(20);
      expect((await pooled()).find((t) => t.nonce === b.nonce)?.hash).toBe(b.hash);
      await chain.request({ method: "evm_mine", params: [] } as never);
      const [settledFirst, settledSecond] = await Promise.all([settlingFirst, settlingSecond]);
      expect(settledFirst).toMatchObject({ success: true });
      expect(settledFirst.transaction).not.toBe(a.hash);
      expect(settledSecond).toMatchObject({ success: true, transaction: b.hash });
    } finally {
      release();
      sendGate = undefined;
      await chain.request({ method: "evm_setAutomine", params: [true] } as never);
      await chain.request({ method: "evm_mine", params: [] } as never);
    }
    expect(await merchantBalance()).toBe(merchantBefore + 20_000n);
    await expectNothingQueued();
  });

  // The facilitator fills EIP-1559 fees wherever the chain has a base fee (anvil does), so a
  // legacy send, which chains without EIP-1559 get, is sped up here directly.
  it("a legacy-gas send stuck under a base fee that rose past its gas price is sent again at the node's gas price or more, and mined once", { timeout: 60_000 }, async () => {
    const wallet = spareWallet();
    const { account } = wallet;
    const legacy = (nonce: number, gasPrice: bigint) => wallet.sendTransaction({ to: account.address, value: 1n, gas: 21_000n, nonce, gasPrice, type: "legacy" } as Parameters<typeof wallet.sendTransaction>[0]);
    await chain.request({ method: "evm_setAutomine", params: [false] } as never);
    try {
      const blockBefore = await wallet.getBlockNumber({ cacheTime: 0 });
      const nonce = await wallet.getTransactionCount({ address: account.address });
      const gasPrice = (await wallet.getBlock()).baseFeePerGas! * 2n;
      const hash = await legacy(nonce, gasPrice);
      // Twice its gas price: the block after, at seven eighths of that, still does not take it.
      await chain.request({ method: "anvil_setNextBlockBaseFeePerGas", params: [numberToHex(gasPrice * 2n)] } as never);
      await chain.request({ method: "evm_mine", params: [] } as never);
      expect((await chain.getBlock({ blockTag: "latest" })).transactions).toHaveLength(0);
      const resent: { hash: Hex; gasPrice: bigint }[] = [];
      const resend = async (raised: SendFees) => {
        if (!("gasPrice" in raised)) throw new Error("a legacy send is sent again as legacy");
        const again = await legacy(nonce, raised.gasPrice);
        resent.push({ hash: again, gasPrice: raised.gasPrice });
        return again;
      };
      const waiting = awaitReceiptSpeedingUp(wallet, hash, { fees: { gasPrice }, blockBefore, resend }, { timeoutMs: 30_000, speedUpAfterMs: 0, maxSpeedUps: 1, pollingMs: 20 });
      await expect.poll(() => resent.length, { timeout: 30_000 }).toBe(1);
      // Not just +12.5%: the node's own gas price, which covers the risen base fee.
      expect(resent[0]!.gasPrice).toBeGreaterThan(gasPrice + gasPrice / 8n + 1n);
      expect(resent[0]!.gasPrice).toBeGreaterThanOrEqual((await chain.getBlock({ blockTag: "latest" })).baseFeePerGas! * 7n / 8n);
      await chain.request({ method: "evm_mine", params: [] } as never);
      const receipt = await waiting;
      expect(receipt).toMatchObject({ transactionHash: resent[0]!.hash, status: "success" });
      await expect(chain.getTransactionReceipt({ hash })).rejects.toThrow();
    } finally {
      await chain.request({ method: "evm_setAutomine", params: [true] } as never);
      await chain.request({ method: "anvil_setNextBlockBaseFeePerGas", params: [numberToHex(1_000_000_000n)] } as never);
      await chain.request({ method: "evm_mine", params: [] } as never);
    }
    await expectPoolEmpty();
  });

  it("a send whose block number before it could not be read counts blocks from the first one the speed-up sees: none sent again before the next block", { timeout: 60_000 }, async () => {
    const wallet = spareWallet();
    const { account } = wallet;
    const send = (nonce: number, fees: SendFees) => wallet.sendTransaction({ to: account.address, value: 1n, gas: 21_000n, nonce, ...fees } as Parameters<typeof wallet.sendTransaction>[0]);
    await chain.request({ method: "evm_setAutomine", params: [false] } as never);
    try {
      const nonce = await wallet.getTransactionCount({ address: account.address });
      const fees = { maxFeePerGas: (await wallet.getBlock()).baseFeePerGas! * 2n + 1_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
      const hash = await send(nonce, fees);
      const resent: Hex[] = [];
      const resend = async (raised: SendFees) => {
        const again = await send(nonce, raised);
        resent.push(again);
        return again;
      };
      let polls = 0;
      const counting: SpeedUpClient = { ...wallet, getBlock: () => (polls++, wallet.getBlock()) };
      const waiting = awaitReceiptSpeedingUp(counting, hash, { fees, blockBefore: undefined, resend }, { timeoutMs: 30_000, speedUpAfterMs: 0, maxSpeedUps: 1, pollingMs: 20 });
      // Unread, the block number is not taken as 0 (every block would count): with no block since, nothing is sent again.
      await expect.poll(() => polls >= 10 || resent.length > 0, { timeout: 30_000 }).toBe(true);
      expect(resent).toEqual([]);
      // A block comes without it (the base fee past its fee cap): now it is sent again.
      await chain.request({ method: "anvil_setNextBlockBaseFeePerGas", params: [numberToHex(fees.maxFeePerGas + 1n)] } as never);
      await chain.request({ method: "evm_mine", params: [] } as never);
      await expect.poll(() => resent.length, { timeout: 30_000 }).toBe(1);
      await chain.request({ method: "evm_mine", params: [] } as never);
      expect(await waiting).toMatchObject({ transactionHash: resent[0], status: "success" });
    } finally {
      await chain.request({ method: "evm_setAutomine", params: [true] } as never);
      await chain.request({ method: "anvil_setNextBlockBaseFeePerGas", params: [numberToHex(1_000_000_000n)] } as never);
      await chain.request({ method: "evm_mine", params: [] } as never);
    }
    await expectPoolEmpty();
  });

  // Two Tollgate instances on one PostgreSQL with the same FACILITATOR_EVM_PRIVATE_KEY: each has its
  // own queue, and without the shared nonce they race for the gas account's nonces.
  it.skipIf(!findPostgresBin() && process.env.CI !== "true")(
    "two instances with one gas key on one PostgreSQL take turns: a burst split over both settles every payment once, and a nonce someone else took is skipped",
    { timeout: 180_000 },
    async () => {
      const postgres = await startTestDatabase("PostgreSQL", "gas-nonce");
      const instances: Database[] = [];
      try {
        await applyMigrations(parseDatabaseUrl(postgres.url));
        for (let i = 0; i < 2; i++) instances.push(await openDatabase(parseDatabaseUrl(postgres.url)));
        const [a, b] = instances.map(({ prisma }) => facilitator(nonceIn(prisma))) as [x402Facilitator, x402Facilitator];
        const stored = async () => (await instances[0]!.prisma.gasNonce.findUnique({ where: { network_address: { network: devnet.config.network, address: gasAccount } } }))?.next;

        const merchantBefore = await merchantBalance();
        const payments = await Promise.all(Array.from({ length: 30 }, (_, i) => payment(20 + i)));
        const results = await Promise.all(payments.map((p, i) => (i % 2 ? a : b).settle(p, requirements())));
        expect(results.filter((r) => !r.success)).toEqual([]);
        expect(new Set(results.map((r) => r.transaction)).size).toBe(30);
        for (const r of results) expect((await chain.getTransactionReceipt({ hash: r.transaction as Hex })).status).toBe("success");
        await expectNothingQueued();
        expect(await merchantBalance()).toBe(merchantBefore + 30n * 10_000n);
        expect(await stored()).toBe(await chain.getTransactionCount({ address: gasAccount }));

        // A wallet with the same key, outside Tollgate, spends the stored next nonce: the next send
        // is refused ("nonce too low"), forgets it, and goes again with the chain's count.
        const wallet = createWalletClient({ chain: localChain(devnet.config.chainId, devnet.config.rpcUrl), account: privateKeyToAccount(GAS_KEY), transport: viemHttp(devnet.config.rpcUrl) });
        await chain.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: gasAccount, value: 1n }) });
        expect(await a.settle(await payment(50), requirements())).toMatchObject({ success: true });
        expect(await b.settle(await payment(51), requirements())).toMatchObject({ success: true });
        await expectNothingQueued();
        expect(await stored()).toBe(await chain.getTransactionCount({ address: gasAccount }));
        expect(await merchantBalance()).toBe(merchantBefore + 32n * 10_000n);
      } finally {
        for (const db of instances) await db.close();
        await postgres.stop();
      }
    },
  );

  it.skipIf(!findPostgresBin() && process.env.CI !== "true")(
    "with its nonce in PostgreSQL, a settlement while the database is down sends nothing and fails; once it is back the next one lands with no nonce gap",
    { timeout: 120_000 },
    async () => {
      const postgres = await startPostgres(findPostgresBin()!);
      let db: Database | undefined;
      try {
        await applyMigrations(parseDatabaseUrl(postgres.url));
        db = await openDatabase(parseDatabaseUrl(postgres.url));
        const f = facilitator(nonceIn(db.prisma));
        expect(await f.settle(await payment(60), requirements())).toMatchObject({ success: true });
        const merchantBefore = await merchantBalance();
        const sentBefore = await chain.getTransactionCount({ address: gasAccount, blockTag: "pending" });
        postgres.halt();
        const [down] = await Promise.allSettled([f.settle(await payment(61), requirements())]);
        expect(down.status === "fulfilled" && down.value.success).toBe(false);
        // Nothing was sent: the nonce was never taken.
        expect(await chain.getTransactionCount({ address: gasAccount, blockTag: "pending" })).toBe(sentBefore);
        expect(await merchantBalance()).toBe(merchantBefore);
        postgres.resume();
        expect(await f.settle(await payment(62), requirements())).toMatchObject({ success: true });
        expect(await merchantBalance()).toBe(merchantBefore + 10_000n);
        await expectNothingQueued();
      } finally {
        await db?.close();
        await postgres.stop();
      }
    },
  );

  it("run in Tollgate's process, a settle past FACILITATOR_TIMEOUT_MS ends the call as a timeout, as over HTTP", { timeout: 60_000 }, async () => {
    const client = new InProcessFacilitatorClient(facilitator(), { timeoutMs: 1_000 });
    await chain.request({ method: "evm_setAutomine", params: [false] } as never);
    try {
      // No block comes, so the receipt never does.
      await expect(client.settle(await payment(10), requirements())).rejects.toBeInstanceOf(FacilitatorTimeoutError);
    } finally {
      await chain.request({ method: "evm_setAutomine", params: [true] } as never);
      await chain.request({ method: "evm_mine", params: [] } as never);
    }
    await expectNothingQueued();
  });

  it("writes the payment's builder codes and its own into the settlement's calldata (ERC-8021), and nothing for a payment without them", { timeout: 60_000 }, async () => {
    const f = facilitator({ builderCode: "tollgate_fac" });
    expect(f.getSupported().extensions).toContain(BUILDER_CODE);
    const merchantBefore = await merchantBalance();
    const attributed = { ...(await payment(2)), extensions: { [BUILDER_CODE]: { info: { a: "my_store", s: ["agent_one", "NOT VALID"] } } } };
    const settled = await f.settle(attributed, requirements());
    expect(settled).toMatchObject({ success: true });
    const tx = await chain.getTransaction({ hash: settled.transaction as Hex });
    // The library's own reading of the suffix: the store's app code, the buyer's valid codes, the facilitator's.
    expect(parseBuilderCodeSuffixFromCalldata(tx.input)).toEqual({ a: "my_store", w: "tollgate_fac", s: ["agent_one"] });
    // A payment that carries none still gets the facilitator's own code; one with no code anywhere, no suffix.
    const plain = await f.settle(await payment(3), requirements());
    expect(parseBuilderCodeSuffixFromCalldata((await chain.getTransaction({ hash: plain.transaction as Hex })).input)).toEqual({ w: "tollgate_fac" });
    const bare = await facilitator().settle(await payment(4), requirements());
    const bareInput = (await chain.getTransaction({ hash: bare.transaction as Hex })).input;
    expect(parseBuilderCodeSuffixFromCalldata(bareInput)).toBeUndefined();
    expect(bareInput.toLowerCase()).not.toContain(ERC_8021_MARKER);
    // Every one of them paid the merchant once.
    expect(await merchantBalance()).toBe(merchantBefore + 3n * 10_000n);
    await expectNothingQueued();
  });
});
