/**
 * `npm run bench`: the gateway's cost, measured against a baseline from the same run.
 *
 *   1. 402 challenge throughput: GET /api/demo/quote without payment (route lookup from the
 *      in-memory table + cached PaymentRequirements + header encoding) against the same app's
 *      unpriced GET /api/demo/health (proxy pass-through + handler). Ratio = priced / unpriced.
 *   2. Paid request latency: GET /api/demo/quote paid end to end with @x402/fetch (402, sign,
 *      verify, claim, handler, settle, record) against a free request, p50 and p95: on the EVM
 *      devnet (anvil) and on the local Solana (LiteSVM), the route being priced on both.
 *
 * Runs the production build (`next build` first if none) on PGlite in a temp dir, on a devnet.
 * BENCH_REQUESTS (default 2000), BENCH_CONCURRENCY (16), BENCH_PAID (40) tune it.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import { parseDatabaseUrl } from "@/lib/database/target";
import { createPayingFetch, createSvmPayingFetch } from "@/scripts/agent-client";
import { startDevnet } from "@/scripts/devnet/index";
import { prepareDatabase, startNext } from "@/scripts/stack";
import { freePort } from "@/tests/support/ports";
import { pct, throughput } from "./measure";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PAID = Number(process.env.BENCH_PAID ?? 40);
const root = path.resolve(import.meta.dirname, "..");

if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) {
  execFileSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit" });
}


/** Sequential latencies in ms of `n` calls of `fn`. */
async function latencies(n: number, fn: () => Promise<Response>, expectStatus: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fn();
    await res.arrayBuffer();
    if (res.status !== expectStatus) throw new Error(`expected ${expectStatus}, got ${res.status}`);
    out.push(performance.now() - t);
  }
  return out;
}

const fmt = (n: number) => n.toFixed(1);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-bench-"));
const devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
const databaseUrl = `pglite:${tmp}/db`;
await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet.config);
const app = await startNext({ mode: "start", port: await freePort(), env: { DATABASE_URL: databaseUrl, FACILITATOR_URL: devnet.config.facilitatorUrl, AUTH_SECRET: "bench-grant-secret-0123456789abcdef012345" } });

try {
  const free = `${app.url}/api/demo/health`;
  const priced = `${app.url}/api/demo/quote`;
  // Warm up both paths (JIT, route table, facilitator /supported, requirements cache).
  await throughput(free, 200, 200, CONCURRENCY);
  await throughput(priced, 402, 200, CONCURRENCY);

  const freeRps = await throughput(free, 200, REQUESTS, CONCURRENCY);
  const challengeRps = await throughput(priced, 402, REQUESTS, CONCURRENCY);

  const pay = createPayingFetch(devnet.config, devnet.config.buyers[0]!.privateKey as Hex, fetch);
  await latencies(3, () => pay(priced), 200);
  const paid = await latencies(PAID, () => pay(priced), 200);
  // The same route paid on the local Solana (LiteSVM behind JSON-RPC, @x402/svm on both sides).
  const paySolana = await createSvmPayingFetch(devnet.config, 0);
  await latencies(3, () => paySolana(priced), 200);
  const paidSolana = await latencies(PAID, () => paySolana(priced), 200);
  const freeLat = await latencies(PAID, () => fetch(free), 200);

  console.log(`\nTollgate gateway benchmark (${REQUESTS} requests, concurrency ${CONCURRENCY}; ${PAID} paid requests)`);
  console.log(`  unpriced GET /api/demo/health      ${fmt(freeRps)} req/s   (baseline)`);
  console.log(`  402 challenge GET /api/demo/quote  ${fmt(challengeRps)} req/s   ratio ${(challengeRps / freeRps).toFixed(2)}x baseline`);
  console.log(`  free request latency      p50 ${fmt(pct(freeLat, 50))} ms   p95 ${fmt(pct(freeLat, 95))} ms   (baseline)`);
  console.log(`  paid request latency EVM    p50 ${fmt(pct(paid, 50))} ms   p95 ${fmt(pct(paid, 95))} ms   ratio p50 ${(pct(paid, 50) / pct(freeLat, 50)).toFixed(1)}x baseline`);
  console.log(`  paid request latency Solana p50 ${fmt(pct(paidSolana, 50))} ms   p95 ${fmt(pct(paidSolana, 95))} ms   ratio p50 ${(pct(paidSolana, 50) / pct(freeLat, 50)).toFixed(1)}x baseline`);
} finally {
  await app.stop();
  await devnet.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
