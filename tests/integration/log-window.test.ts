/**
 * Reading the chain's logs through an RPC that caps eth_getLogs' block range, as hosted providers
 * do (10 blocks on some free plans; 500 to 10,000 elsewhere, each with its own error). The chain,
 * the test USDC, the settlement (the real @x402/evm facilitator code) and the reconciler are real;
 * the provider's rule is played by a small JSON-RPC proxy in front of anvil, because no hosted RPC
 * is reachable from this machine.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWalletClient, erc20Abi, http as viemHttp, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSelfHostedFacilitator } from "@/lib/facilitator/self-hosted";
import { upsertPricedRoute } from "@/lib/routes/mutations";
import { checkOnchain, onchainRefOf } from "@/lib/settlement/onchain";
import { reconcileOnce } from "@/lib/settlement/reconciler";
import { createX402Client } from "@/scripts/agent-client";
import { localChain, testKey } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { freePort } from "../support/ports";
import { usePglite } from "../support/pglite";

/** The widest eth_getLogs range the proxy lets through, in blocks (inclusive). */
const MAX_RANGE = 10;
const database = usePglite("log-window");

describe("an RPC that caps eth_getLogs' block range", () => {
  let devnet: Devnet;
  let proxy: http.Server;
  let rpcUrl: string;
  /** eth_getLogs calls answered, and refused for their range. */
  const getLogs = { answered: 0, refused: 0 };
  /** The first test's settlement: a transfer to the merchant that no row of the second test's database names. */
  let settledTransaction: string;

  const requirements = (): PaymentRequirements => ({
    scheme: "exact",
    network: devnet.config.network as `${string}:${string}`,
    asset: devnet.config.asset.address,
    amount: "10000",
    payTo: devnet.config.payTo,
    maxTimeoutSeconds: 300,
    extra: { name: devnet.config.asset.name, version: devnet.config.asset.version },
  });
  const expected = () => ({ asset: devnet.config.asset.address, payTo: devnet.config.payTo, amount: 10_000n });
  /** While > 0, eth_getLogs serves blocks only up to this many below anvil's head. */
  let lagBlocks = 0;
  const rpc = (body: string) => fetch(devnet.config.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
  const chainHead = async () => Number(((await (await rpc(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }))).json()) as { result: string }).result);
  const answer = (res: http.ServerResponse, id: number, result: unknown) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
  };
  const mine = (blocks: number) => fetch(devnet.config.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_mine", params: [`0x${blocks.toString(16)}`] }) });

  beforeAll(async () => {
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    proxy = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString("utf8");
      const calls = JSON.parse(body) as { id: number; method: string; params: { fromBlock?: string; toBlock?: string }[] } | unknown[];
      if (!Array.isArray(calls) && calls.method === "eth_getLogs") {
        const { fromBlock, toBlock } = calls.params[0] ?? {};
        if (!fromBlock?.startsWith("0x") || !toBlock?.startsWith("0x") || Number(toBlock) - Number(fromBlock) + 1 > MAX_RANGE) {
          getLogs.refused++;
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(JSON.stringify({ jsonrpc: "2.0", id: calls.id, error: { code: -32600, message: `You can make eth_getLogs requests with up to a ${MAX_RANGE} block range.` } }));
        }
        getLogs.answered++;
        if (lagBlocks > 0) {
          // A node behind the head another node named: it serves logs only up to its own head.
          const head = await chainHead();
          const served = head - lagBlocks;
          if (Number(fromBlock) > served) return answer(res, calls.id, []);
          calls.params[0] = { ...calls.params[0], toBlock: `0x${Math.min(Number(toBlock), served).toString(16)}` };
          const upstream = await rpc(JSON.stringify(calls));
          res.writeHead(upstream.status, { "content-type": "application/json" });
          return res.end(await upstream.text());
        }
      }
      const upstream = await fetch(devnet.config.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
      res.writeHead(upstream.status, { "content-type": "application/json" });
      res.end(await upstream.text());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    rpcUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    // The reconciler reads the devnet's chain through the capped RPC.
    vi.stubEnv("EVM_CHAINS", JSON.stringify({ [devnet.config.chainId]: { rpcUrl, name: "Local devnet" } }));
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    proxy?.closeAllConnections();
    proxy?.close();
    await devnet?.stop();
  });

  it("finds a settlement many windows back: the window shrinks to what the RPC accepts", { timeout: 120_000 }, async () => {
    const createdAt = new Date();
    const payment: PaymentPayload = await createX402Client(devnet.config, devnet.config.buyers[0]!.privateKey as Hex).createPaymentPayload({
      x402Version: 2,
      resource: { url: "http://127.0.0.1/api/demo/quote", description: "", mimeType: "application/json" },
      accepts: [requirements()],
    });
    // Settled straight on anvil; blocks come after it, so its log lies several capped windows back.
    const facilitator = createSelfHostedFacilitator({ evmPrivateKey: testKey(6), evmChains: [{ network: requirements().network, chainId: devnet.config.chainId, rpcUrl: devnet.config.rpcUrl }], receiptPollingMs: 50 });
    const settled = await facilitator.settle(payment, requirements());
    expect(settled).toMatchObject({ success: true });
    settledTransaction = settled.transaction;
    await mine(4 * MAX_RANGE);
    const ref = onchainRefOf(requirements().network, payment.payload)!;
    expect(await checkOnchain(rpcUrl, expected(), ref, createdAt)).toMatchObject({ state: "settled", transaction: settled.transaction });
    expect(getLogs.refused).toBeGreaterThan(0);
    // The window that worked is kept: asking again is refused no more.
    const refused = getLogs.refused;
    expect(await checkOnchain(rpcUrl, expected(), ref, createdAt)).toMatchObject({ state: "settled", transaction: settled.transaction });
    expect(getLogs.refused).toBe(refused);
  });

  it("the reconciler's scan reads every block to the chain's head and flags a transfer no payment explains", { timeout: 120_000 }, async () => {
    const db = database().prisma;
    await upsertPricedRoute(db, {
      method: "GET",
      pathPattern: "/api/demo/quote",
      description: "A quote",
      mimeType: "application/json",
      paymentOptions: [{ network: requirements().network, asset: devnet.config.asset.address, amount: "10000", payTo: devnet.config.payTo, extra: { name: devnet.config.asset.name, version: devnet.config.asset.version } }],
    });
    // A buyer pays the merchant directly, outside x402, then more blocks come.
    const buyer = privateKeyToAccount(devnet.config.buyers[1]!.privateKey as Hex);
    const wallet = createWalletClient({ chain: localChain(devnet.config.chainId, devnet.config.rpcUrl), account: buyer, transport: viemHttp(devnet.config.rpcUrl) });
    const orphan = await wallet.writeContract({ address: devnet.config.asset.address as Address, abi: erc20Abi, functionName: "transfer", args: [devnet.config.payTo as Address, 12_345n] });
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
    const buyer = privateKeyToAccount(devnet.config.buyers[2]!.privateKey as Hex);
    const wallet = createWalletClient({ chain: localChain(devnet.config.chainId, devnet.config.rpcUrl), account: buyer, transport: viemHttp(devnet.config.rpcUrl) });
    lagBlocks = 3;
    try {
      const late = await wallet.writeContract({ address: devnet.config.asset.address as Address, abi: erc20Abi, functionName: "transfer", args: [devnet.config.payTo as Address, 54_321n] });
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
});
