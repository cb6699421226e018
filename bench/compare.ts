/**
 * `npm run bench:compare`: Tollgate's paid path against the reference SDK's, side by side.
 *
 * Builds a minimal reference app from the npm registry at bench time (next 16.4.6, @x402/next,
 * @x402/core and @x402/evm 2.25.0, pinned) in a temp dir: `GET /api/paid` wrapped in
 * `withX402` (settles after the handler succeeded, like Tollgate), `GET /api/proxied` behind
 * `paymentProxy` (settles before the handler ran), and an unpriced `GET /api/free`. Tollgate's
 * production build runs its priced `GET /api/demo/quote` on PostgreSQL (BENCH_DB=pglite for the
 * embedded database). Both charge 0.01 test USDC on one devnet through one facilitator, and are
 * measured interleaved in the same run:
 *
 *   - paid latency p50/p95 (sequential, the official @x402/fetch client: 402, sign, pay);
 *   - paid throughput with BENCH_IN_FLIGHT (20) requests in flight, in 4 interleaved rounds;
 *   - 402 challenge throughput (16 in flight);
 *   - server CPU per paid request (process group's utime+stime over the paid throughput run);
 *   - server RSS after the run (process group).
 *
 * Prints each figure and the ratio Tollgate / withX402. Goals (issue 8, PostgreSQL): paid p50
 * ≤ 1.0×, paid throughput ≥ 1.0×, 402 throughput ≥ 1.0×, RSS ≤ 1.3×.
 * BENCH_PAID (60), BENCH_PAID_LOAD (200), BENCH_REQUESTS (2000) tune it.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import { parseDatabaseUrl } from "@/lib/database/target";
import { createPayingFetch } from "@/scripts/agent-client";
import { startDevnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext } from "@/scripts/stack";
import { freePort } from "@/tests/support/ports";
import { findPostgresBin, startPostgres } from "@/tests/support/postgres";
import { groupUsage, pct, throughput } from "./measure";

const PAID = Number(process.env.BENCH_PAID ?? 60);
const PAID_LOAD = Number(process.env.BENCH_PAID_LOAD ?? 200);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 20);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const DB = process.env.BENCH_DB ?? (findPostgresBin() ? "postgres" : "pglite");
const root = path.resolve(import.meta.dirname, "..");
const REFERENCE_VERSIONS = { next: "16.4.6", react: "19.3.1", "react-dom": "19.3.1", "@x402/next": "2.25.0", "@x402/core": "2.25.0", "@x402/evm": "2.25.0" };

if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) {
  execFileSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit" });
}

/** The reference app's sources: plain JS, so it needs no TypeScript. */
const REFERENCE_FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "x402-next-reference", private: true, type: "module", dependencies: REFERENCE_VERSIONS }, null, 2),
  ".npmrc": "legacy-peer-deps=true\n",
  "next.config.mjs": "export default { poweredByHeader: false };\n",
  "lib/x402.js": `
import { HTTPFacilitatorClient } from "@x402/core/http";
import { x402ResourceServer } from "@x402/core/server";
import { ExactEvmScheme } from "@x402/evm/exact/server";
export const server = new x402ResourceServer(new HTTPFacilitatorClient({ url: process.env.FACILITATOR_URL })).register("eip155:*", new ExactEvmScheme());
export const route = {
  accepts: {
    scheme: "exact",
    network: process.env.X402_NETWORK,
    payTo: process.env.X402_PAY_TO,
    price: { amount: "10000", asset: process.env.X402_ASSET, extra: { name: "USD Coin", version: "2" } },
    maxTimeoutSeconds: 300,
  },
  description: "A quotation of the minute",
  mimeType: "application/json",
};
const QUOTES = ["Price is what you pay. Value is what you get.", "The best time to plant a tree was twenty years ago."];
export function quote() {
  const index = Math.floor(Date.now() / 60000) % QUOTES.length;
  return { text: QUOTES[index], index, servedAt: new Date().toISOString() };
}
`,
  "app/api/paid/route.js": `
import { NextResponse } from "next/server";
import { withX402 } from "@x402/next";
import { quote, route, server } from "../../../lib/x402.js";
export const dynamic = "force-dynamic";
export const GET = withX402(async () => NextResponse.json(quote()), route, server);
`,
  "app/api/proxied/route.js": `
import { quote } from "../../../lib/x402.js";
export const dynamic = "force-dynamic";
export function GET() { return Response.json(quote()); }
`,
  "app/api/free/route.js": `
export const dynamic = "force-dynamic";
export function GET() { return Response.json({ status: "ok" }); }
`,
  "proxy.js": `
import { paymentProxy } from "@x402/next";
import { route, server } from "./lib/x402.js";
export const proxy = paymentProxy({ "/api/proxied": route }, server);
export const config = { matcher: ["/api/proxied"] };
`,
};

/** Installs and builds the reference app (npm registry), once per temp dir. */
function buildReference(dir: string): void {
  for (const [file, text] of Object.entries(REFERENCE_FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  console.log(`Installing the reference app (${Object.entries(REFERENCE_VERSIONS).map(([n, v]) => `${n}@${v}`).join(", ")})…`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
  console.log("Building the reference app…");
  execFileSync(process.execPath, [path.join(dir, "node_modules/next/dist/bin/next"), "build"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
}

/** Starts the reference app under `next start`; resolves once /api/free answers. */
async function startReference(dir: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(dir, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: dir,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: "ignore",
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error("the reference app exited");
    const ok = await fetch(`${url}/api/free`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid!, "SIGTERM");
    await exited;
  };
  return { url, child, stop };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-compare-"));
const referenceDir = path.join(tmp, "reference");
buildReference(referenceDir);

const devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
const postgres = DB === "postgres" ? await startPostgres(findPostgresBin()!) : null;
const databaseUrl = postgres?.url ?? `pglite:${tmp}/db`;
await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet.config);
const tollgate = await startNext({
  mode: "start",
  port: await freePort(),
  env: { ...devnetAppEnv(devnet.config), DATABASE_URL: databaseUrl, AUTH_SECRET: "bench-compare-secret-0123456789abcdef0123" },
});
const reference = await startReference(referenceDir, {
  FACILITATOR_URL: devnet.config.facilitatorUrl,
  X402_NETWORK: devnet.config.network,
  X402_PAY_TO: devnet.config.payTo,
  X402_ASSET: devnet.config.asset.address,
});

type Target = { name: string; priced: string; pgid: number };
const targets: Target[] = [
  { name: "Tollgate", priced: `${tollgate.url}/api/demo/quote`, pgid: tollgate.process.pid! },
  { name: "withX402", priced: `${reference.url}/api/paid`, pgid: reference.child.pid! },
  { name: "paymentProxy", priced: `${reference.url}/api/proxied`, pgid: reference.child.pid! },
];
const payers = devnet.config.buyers.map((b) => createPayingFetch(devnet.config, b.privateKey as Hex));

async function paid(url: string, buyer: number): Promise<number> {
  const t = performance.now();
  const res = await payers[buyer % payers.length]!(url);
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: paid request answered ${res.status}: ${new TextDecoder().decode(body).slice(0, 300)}`);
  return performance.now() - t;
}

try {
  // Warm-up: JIT, requirements caches, facilitator /supported, database pools.
  for (const t of targets) {
    await throughput(t.priced, 402, 200, 16);
    for (let i = 0; i < 10; i++) await paid(t.priced, i);
  }

  const latency = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < PAID / 10; round++) {
    for (const t of targets) for (let i = 0; i < 10; i++) latency.get(t.name)!.push(await paid(t.priced, i));
  }

  // Paid throughput in interleaved rounds (like the latency above), so a machine that gets
  // busier or quieter during the run shifts every target alike.
  const ROUNDS = 4;
  const perRound = Math.ceil(PAID_LOAD / ROUNDS);
  const paidSeconds = new Map<string, number>(targets.map((t) => [t.name, 0]));
  const cpuSeconds = new Map<string, number>(targets.map((t) => [t.name, 0]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) {
      const before = groupUsage(t.pgid).cpuSeconds;
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async (_, worker) => {
          while (next < perRound) {
            next++;
            await paid(t.priced, worker);
          }
        }),
      );
      paidSeconds.set(t.name, paidSeconds.get(t.name)! + (performance.now() - start) / 1000);
      cpuSeconds.set(t.name, cpuSeconds.get(t.name)! + groupUsage(t.pgid).cpuSeconds - before);
    }
  }
  const paidTotal = perRound * ROUNDS;
  const paidRps = new Map<string, number>(targets.map((t) => [t.name, paidTotal / paidSeconds.get(t.name)!]));
  const cpuPerPaid = new Map<string, number>(targets.map((t) => [t.name, (cpuSeconds.get(t.name)! / paidTotal) * 1000]));

  const challengeRps = new Map<string, number>(targets.map((t) => [t.name, 0]));
  for (let round = 0; round < 3; round++) {
    for (const t of targets) challengeRps.set(t.name, challengeRps.get(t.name)! + (await throughput(t.priced, 402, REQUESTS / 2, 16)) / 3);
  }
  const rss = new Map<string, number>(targets.map((t) => [t.name, groupUsage(t.pgid).rssBytes / 2 ** 20]));

  console.log(`\nTollgate on ${DB === "postgres" ? "PostgreSQL" : "PGlite"} vs @x402/next ${REFERENCE_VERSIONS["@x402/next"]} (same devnet, same facilitator, interleaved)\n`);
  console.log("                       Tollgate    withX402   paymentProxy   Tollgate/withX402");
  const row = (label: string, get: (name: string) => number, unit: string, digits = 1) => {
    const [a, b, c] = targets.map((t) => get(t.name));
    console.log(`${label.padEnd(22)} ${a!.toFixed(digits).padStart(8)}${unit} ${b!.toFixed(digits).padStart(9)}${unit} ${c!.toFixed(digits).padStart(11)}${unit}   ${(a! / b!).toFixed(2)}×`);
  };
  row("paid p50", (n) => pct(latency.get(n)!, 50), " ms");
  row("paid p95", (n) => pct(latency.get(n)!, 95), " ms");
  row(`paid rps (${IN_FLIGHT} in flight)`, (n) => paidRps.get(n)!, "  ");
  row("402 rps (16 in flight)", (n) => challengeRps.get(n)!, "  ", 0);
  row("CPU per paid request", (n) => cpuPerPaid.get(n)!, " ms");
  console.log(`${"server RSS".padEnd(22)} ${rss.get("Tollgate")!.toFixed(0).padStart(8)} MiB ${rss.get("withX402")!.toFixed(0).padStart(6)} MiB (reference app, both routes)   ${(rss.get("Tollgate")! / rss.get("withX402")!).toFixed(2)}×`);
  console.log("\nGoals: paid p50 ≤ 1.0×, paid rps ≥ 1.0×, 402 rps ≥ 1.0×, RSS ≤ 1.3× (PostgreSQL).");
} finally {
  await tollgate.stop();
  await reference.stop();
  await devnet.stop();
  await postgres?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
