/**
 * `npm run bench:dashboard`: the dashboard at a million payments on PostgreSQL.
 *
 *   1. Payments page server time (p50, p95) for common filter sets, against a same-run baseline:
 *      the app's cheapest dynamic response (GET /api/demo/health). Goal: p50 < 200 ms.
 *   2. CSV export of all 1,000,000 rows: time, and the server's peak memory (RSS of next's
 *      process group, sampled every 50 ms) against the same export of a 100,000-row slice.
 *      Flat memory means the two peaks are about equal.
 *
 * Starts its own throwaway PostgreSQL (initdb/pg_ctl, as for the integration tests), a devnet
 * (for the demo routes' tokens), and the production build. BENCH_PAYMENTS changes the row count.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { openDatabase } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { seedPayments } from "@/lib/demo/seed-payments";
import { startDevnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext } from "@/scripts/stack";
import { freePort } from "@/tests/support/ports";
import { findPostgresBin, startPostgres } from "@/tests/support/postgres";
import { sessionCookie } from "@/tests/support/session";
import { pct } from "./measure";

const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 1_000_000);
const RUNS = 20;
const AUTH_SECRET = "bench-auth-secret-0123456789abcdef0123456789";
const root = path.resolve(import.meta.dirname, "..");

const bin = findPostgresBin();
if (!bin) throw new Error("bench:dashboard needs PostgreSQL server binaries (install postgresql, or set PG_BIN)");
if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) {
  execFileSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit" });
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

/** Resident memory (KiB) of a process and its descendants, from /proc. */
function groupRss(pid: number): number {
  let children = "";
  try {
    children = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  } catch {
    // ps exits 1 when there are no children
  }
  const pids = children.split("\n").map(Number).filter(Boolean);
  return [pid, ...pids].reduce((sum, p) => {
    try {
      return sum + Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      return sum;
    }
  }, 0);
}

async function timed(url: string, cookie: string, runs = RUNS): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: { cookie }, redirect: "manual" });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    if (i >= 2) out.push(performance.now() - t); // two warm-up requests
  }
  return out;
}

/** Streams a CSV export to nowhere, sampling the server's memory; returns rows, seconds, peak RSS. */
async function exportCsv(url: string, cookie: string, pid: number): Promise<{ rows: number; seconds: number; peakKb: number }> {
  let peakKb = groupRss(pid);
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, groupRss(pid))), 50);
  const started = performance.now();
  const res = await fetch(url, { headers: { cookie } });
  if (res.status !== 200 || !res.body) throw new Error(`export: ${res.status}`);
  let rows = 0;
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    rows += (decoder.decode(chunk.value, { stream: true }).match(/\n/g) ?? []).length;
  }
  clearInterval(sampler);
  return { rows: rows - 1, seconds: (performance.now() - started) / 1000, peakKb };
}

const postgres = await startPostgres(bin);
const devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
let app: Awaited<ReturnType<typeof startNext>> | undefined;
try {
  const target = parseDatabaseUrl(postgres.url);
  await prepareDatabase(target, devnet.config);
  const db = await openDatabase(target);
  const seeding = performance.now();
  await seedPayments(db.prisma, PAYMENTS);
  await db.prisma.$executeRawUnsafe('ANALYZE "Payment"');
  const route = await db.prisma.pricedRoute.findFirstOrThrow({ where: { pathPattern: "/api/demo/quote" } });
  const somePayer = (await db.prisma.payment.findFirstOrThrow({ where: { status: "settled" }, select: { payer: true, transaction: true } }));
  await db.close();
  console.log(`Seeded ${PAYMENTS.toLocaleString("en-US")} payments into PostgreSQL in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

  app = await startNext({ mode: "start", port: await freePort(), env: { ...devnetAppEnv(devnet.config), DATABASE_URL: postgres.url, AUTH_SECRET } });
  const cookie = await sessionCookie(AUTH_SECRET, devnet.config.payTo, app.url, 3600);

  const today = new Date().toISOString().slice(0, 10);
  const weekAgo = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
  const filters: [string, Record<string, string>][] = [
    ["no filter", {}],
    ["route", { route: route.id }],
    ["status=failed", { status: "failed" }],
    ["route + last 7 days", { route: route.id, from: weekAgo, to: today }],
    ["payer", { payer: somePayer.payer! }],
    ["search tx hash", { q: somePayer.transaction! }],
  ];
  const baseline = pct(await timed(`${app.url}/api/demo/health`, cookie), 50);
  console.log(`\nPayments page server time at ${PAYMENTS.toLocaleString("en-US")} payments (${RUNS} requests each)`);
  console.log(`  baseline GET /api/demo/health        p50 ${ms(baseline)}`);
  for (const [name, params] of filters) {
    const times = await timed(`${app.url}/dashboard/payments?${new URLSearchParams(params)}`, cookie);
    const p50 = pct(times, 50);
    console.log(`  ${name.padEnd(36)} p50 ${ms(p50).padStart(9)}  p95 ${ms(pct(times, 95)).padStart(9)}  ${(p50 / baseline).toFixed(1)}x baseline  ${p50 < 200 ? "goal met" : "OVER 200 ms"}`);
  }

  const idle = groupRss(app.process.pid!);
  const slice = await exportCsv(`${app.url}/dashboard/payments/export?${new URLSearchParams({ from: new Date(Date.now() - 9 * 86_400_000).toISOString().slice(0, 10) })}`, cookie, app.process.pid!);
  const full = await exportCsv(`${app.url}/dashboard/payments/export`, cookie, app.process.pid!);
  if (full.rows !== PAYMENTS) throw new Error(`export wrote ${full.rows} rows, expected ${PAYMENTS}`);
  console.log(`\nCSV export (server memory sampled every 50 ms; idle ${mib(idle)})`);
  console.log(`  ${slice.rows.toLocaleString("en-US").padStart(9)} rows  ${slice.seconds.toFixed(1).padStart(6)} s  peak ${mib(slice.peakKb)}   (baseline)`);
  console.log(`  ${full.rows.toLocaleString("en-US").padStart(9)} rows  ${full.seconds.toFixed(1).padStart(6)} s  peak ${mib(full.peakKb)}   ${(full.rows / slice.rows).toFixed(1)}x the rows, ${(full.peakKb / slice.peakKb).toFixed(2)}x the peak memory`);
} finally {
  await app?.stop();
  await devnet.stop();
  await postgres.stop();
}
