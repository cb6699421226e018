/**
 * `npm run bench:settle`: how many settlements a second the self-hosted facilitator's one gas
 * account sends when its RPC is remote.
 *
 * The facilitator (lib/facilitator/self-hosted.ts, the real @x402/evm code) settles on the local
 * anvil through a JSON-RPC proxy that holds every call BENCH_RPC_MS ms (default 25, a hosted RPC
 * provider's round trip), counting the calls by method. anvil mines a block per transaction, or
 * one every BENCH_BLOCK_S seconds. Payments are signed by the official
 * client. It measures, in one run:
 *
 *   - sequential (baseline): BENCH_SETTLEMENTS settlements one after another;
 *   - burst: as many again, all at once.
 *
 * Prints settlements per second for each, burst / sequential, and the RPC calls per settlement.
 * The gas account sends one transaction at a time (a nonce gap otherwise), so what runs inside
 * that queue bounds a burst: the fewer round trips in it, the higher the ratio.
 *
 * BENCH_INSTANCES=2 (or more) runs that many facilitators with the one gas key, as several
 * Tollgate instances on one PostgreSQL do: the next nonce is kept in a throwaway PostgreSQL
 * (lib/facilitator/nonce-store.ts), each instance with its own connection pool, and the burst is
 * spread over them; the sequential baseline uses the first. BENCH_INSTANCES=1 with
 * BENCH_NONCES=postgres measures one instance on the database-held nonce.
 */
import type { PaymentPayload } from "@x402/core/types";
import { openDatabase, type Database } from "@/lib/database/client";
import { applyMigrations } from "@/lib/database/migrations";
import { parseDatabaseUrl } from "@/lib/database/target";
import { databaseNonceStore } from "@/lib/facilitator/nonce-store";
import { createSelfHostedFacilitator } from "@/lib/facilitator/self-hosted";
import { devnetRequirements, signDevnetPayment } from "@/scripts/agent-client";
import { testKey } from "@/scripts/devnet/chain";
import { startDevnet } from "@/scripts/devnet/index";
import { freePort } from "@/tests/support/ports";
import { startTestDatabase, type TestDatabase } from "@/tests/support/postgres";
import { startRpcProxy } from "@/tests/support/rpc-proxy";

const RPC_MS = Number(process.env.BENCH_RPC_MS ?? 25);
const N = Number(process.env.BENCH_SETTLEMENTS ?? 20);
/** BENCH_NO_FILL=1: answer eth_fillTransaction "method not found", as many hosted RPC providers do. */
const NO_FILL = process.env.BENCH_NO_FILL === "1";
/** BENCH_BLOCK_S=2: anvil mines a block every 2 s, as Base does, instead of one per transaction. */
const BLOCK_S = Number(process.env.BENCH_BLOCK_S ?? 0);
/** BENCH_INSTANCES=2: two facilitators with one gas key, their nonce kept in PostgreSQL. */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);
/** BENCH_NONCES=postgres: the next nonce kept in PostgreSQL (implied by BENCH_INSTANCES > 1). */
const IN_POSTGRES = process.env.BENCH_NONCES === "postgres" || INSTANCES > 1;

const devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
const calls = new Map<string, number>();
// viem sends every call on its own (no batches), so each is held and counted here.
const proxy = await startRpcProxy(devnet.config.rpcUrl, async (call) => {
  calls.set(call.method, (calls.get(call.method) ?? 0) + 1);
  await new Promise((resolve) => setTimeout(resolve, RPC_MS));
  if (NO_FILL && call.method === "eth_fillTransaction") return { error: { code: -32601, message: "the method eth_fillTransaction does not exist/is not available" } };
});
const rpcUrl = proxy.url;

const requirements = devnetRequirements(devnet.config);
const payments = (n: number): Promise<PaymentPayload[]> => Promise.all(Array.from({ length: n }, (_, i) => signDevnetPayment(devnet.config, i % 5, requirements)));
let postgres: TestDatabase | undefined;
const databases: Database[] = [];
if (IN_POSTGRES) {
  postgres = await startTestDatabase("PostgreSQL", "bench-settle");
  await applyMigrations(parseDatabaseUrl(postgres.url));
  for (let i = 0; i < INSTANCES; i++) databases.push(await openDatabase(parseDatabaseUrl(postgres.url)));
}
// anvil's account 6: a gas account no other part of the devnet uses. Receipts polled as in production.
const facilitators = Array.from({ length: INSTANCES }, (_, i) =>
  createSelfHostedFacilitator({
    evmPrivateKey: testKey(6),
    evmChains: [{ network: requirements.network, chainId: devnet.config.chainId, rpcUrls: [rpcUrl] }],
    nonceStore: databases[i] ? (network, address) => databaseNonceStore(() => Promise.resolve(databases[i]!.prisma), network, address) : undefined,
  }),
);
const facilitator = facilitators[0]!;

async function run(label: string, concurrent: boolean): Promise<number> {
  const batch = await payments(N);
  calls.clear();
  const start = performance.now();
  let failed = 0;
  if (concurrent) failed = (await Promise.all(batch.map((p, i) => facilitators[i % INSTANCES]!.settle(p, requirements)))).filter((r) => !r.success).length;
  else for (const p of batch) failed += (await facilitator.settle(p, requirements)).success ? 0 : 1;
  const seconds = (performance.now() - start) / 1000;
  if (failed > 0) throw new Error(`${label}: ${failed} of ${N} settlements failed`);
  const perSettlement = [...calls].map(([method, n]) => `${method} ${(n / N).toFixed(1)}`).join(", ");
  console.log(`${label.padEnd(10)} ${N} settlements in ${seconds.toFixed(2)} s = ${(N / seconds).toFixed(1)}/s; RPC calls per settlement: ${perSettlement}`);
  return N / seconds;
}

try {
  if (BLOCK_S > 0) await fetch(devnet.config.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_setIntervalMining", params: [BLOCK_S] }) });
  console.log(`RPC round trip held ${RPC_MS} ms per call; ${BLOCK_S > 0 ? `a block every ${BLOCK_S} s` : "a block per transaction"}; ${INSTANCES} instance(s), next nonce in ${IN_POSTGRES ? "PostgreSQL" : "memory"}`);
  await run("warm-up", false);
  const sequential = await run("sequential", false);
  const burst = await run("burst", true);
  console.log(`burst / sequential: ${(burst / sequential).toFixed(2)}×`);
} finally {
  proxy.close();
  await devnet.stop();
  for (const db of databases) await db.close();
  await postgres?.stop();
}
