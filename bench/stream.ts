/**
 * `npm run bench:stream`: what a large paid download costs the server's memory.
 *
 * Prices `GET /api/demo/download` (a generated file, BENCH_MIB MiB, default 100) on the local
 * devnet, then pays for it twice with the official client (@x402/fetch), reading the body as it
 * arrives and sampling the server's RSS (process group) every 20 ms:
 *
 *   - streamed: the route as shipped (settled on the handler's headers, body piped);
 *   - buffered (baseline, same run): the same route set to settle after the complete response,
 *     which holds the whole body in memory before settling.
 *
 * Prints the peak RSS growth over the idle server for each, and streamed / buffered. Goal
 * (issue 11): the streamed download's peak growth stays flat, far below the file's size.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import type { Hex } from "viem";
import { openDatabase } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { upsertPricedRoute } from "@/lib/routes/mutations";
import { createPayingFetch } from "@/scripts/agent-client";
import { startDevnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext } from "@/scripts/stack";
import { freePort } from "@/tests/support/ports";
import { findPostgresBin, startPostgres } from "@/tests/support/postgres";
import { groupUsage } from "./measure";

const MIB = Number(process.env.BENCH_MIB ?? 100);
const root = path.resolve(import.meta.dirname, "..");
if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) {
  execFileSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit" });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-stream-"));
const devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
// PostgreSQL when installed: the buffered baseline keeps the whole body in the ledger too.
const postgres = findPostgresBin() ? await startPostgres(findPostgresBin()!) : null;
const databaseUrl = postgres?.url ?? `pglite:${tmp}/db`;
await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet.config);

/** Prices the download route, streamed or settled after the complete response. */
async function priceDownload(settleAfterComplete: boolean): Promise<void> {
  const db = await openDatabase(parseDatabaseUrl(databaseUrl));
  try {
    await upsertPricedRoute(db.prisma, {
      method: "GET",
      pathPattern: "/api/demo/download",
      description: "A generated file",
      mimeType: "application/octet-stream",
      paymentIdentifier: "off",
      settleAfterComplete,
      paymentOptions: [{ network: devnet.config.network, asset: devnet.config.asset.address, amount: "10000", payTo: devnet.config.payTo, extra: { name: devnet.config.asset.name, version: devnet.config.asset.version } }],
    });
  } finally {
    await db.close();
  }
}

await priceDownload(false);
const app = await startNext({
  mode: "start",
  port: await freePort(),
  env: {
    ...devnetAppEnv(devnet.config),
    DATABASE_URL: databaseUrl,
    ROUTE_REFRESH_MS: "200",
    AUTH_SECRET: "bench-stream-secret-0123456789abcdef0123",
    UPSTREAM_TIMEOUT_MS: "120000",
    // The baseline holds the whole file before settling: let it.
    MAX_BUFFERED_RESPONSE_BYTES: String(MIB * 1024 * 1024),
  },
});
const pgid = app.process.pid!;
const pay = createPayingFetch(devnet.config, devnet.config.buyers[0]!.privateKey as Hex);
const url = `${app.url}/api/demo/download?mib=${MIB}`;

/** Pays for the download and reads it; returns the peak RSS growth over `idle` and the bytes read. */
async function download(idle: number): Promise<{ peakGrowth: number; bytes: number }> {
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, groupUsage(pgid).rssBytes)), 20);
  try {
    const res = await pay(url);
    if (res.status !== 200) throw new Error(`${url}: answered ${res.status}: ${await res.text()}`);
    let bytes = 0;
    const reader = res.body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) bytes += chunk.value.byteLength;
    return { peakGrowth: peak - idle, bytes };
  } finally {
    clearInterval(sampler);
  }
}

/** RSS once the server has settled down (after a GC opportunity). */
async function idleRss(): Promise<number> {
  await new Promise((r) => setTimeout(r, 1_000));
  return groupUsage(pgid).rssBytes;
}

try {
  // Warm-up: JIT, the requirements cache, a small paid download.
  await (await pay(`${app.url}/api/demo/download?mib=1`)).arrayBuffer();
  const streamed = await download(await idleRss());

  await priceDownload(true);
  // Wait until this instance serves the new setting (ROUTE_REFRESH_MS), then measure the baseline.
  await new Promise((r) => setTimeout(r, 1_000));
  const buffered = await download(await idleRss());

  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  console.log(`\nPaid ${MIB} MiB download, server RSS peak growth over idle (${postgres ? "PostgreSQL" : "PGlite"})\n`);
  console.log(`  streamed (as shipped)           ${mib(streamed.peakGrowth).padStart(8)}   read ${mib(streamed.bytes)}`);
  console.log(`  buffered (settle after complete) ${mib(buffered.peakGrowth).padStart(7)}   read ${mib(buffered.bytes)}   (baseline)`);
  console.log(`  streamed / buffered             ${(streamed.peakGrowth / buffered.peakGrowth).toFixed(2)}×`);
  console.log(`\nGoal: the streamed download's growth stays flat (well under the file's ${MIB} MiB).`);
} finally {
  await app.stop();
  await devnet.stop();
  await postgres?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
