import fs from "node:fs";
import { getDb } from "@/lib/db";
import { journalPath } from "@/lib/settlement/journal";
import { HEALTH_CHECK_PATHS } from "@/lib/x402/route-pattern";
import { getRouteSnapshot } from "./route-cache";
import { getX402 } from "./x402-server";

/** The paths of the health checks: never priced, never blocked, answered even without a database (lib/gateway/proxy.ts). */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(HEALTH_CHECK_PATHS);

/** How long one readiness check may take before it counts as unavailable, in ms (a load balancer's probe waits a few seconds). */
export const READY_CHECK_TIMEOUT_MS = 2_000;

/** One check's result: `ok`, or `unavailable` (failed, or no answer within READY_CHECK_TIMEOUT_MS). */
export type CheckState = "ok" | "unavailable";

/**
 * What `GET /readyz` answers (JSON; HTTP 200 unless `status` is `not_ready`, then 503):
 * - `database`: the database answered `SELECT 1`;
 * - `routes`: the priced routes are known (loaded once; a stale copy serves while the database is away);
 * - `facilitator`: the facilitator's /supported was read, so payment requirements can be built
 *   (at start, and every SUPPORTED_REFRESH_MS; a facilitator that fails afterwards is seen by the
 *   paid requests themselves, each answered 503 with Retry-After);
 * - `journal`: `empty`, or `pending` while settled payments wait in the local journal for the
 *   database (lib/settlement/journal.ts; the reconciler replays them).
 *
 * `status`: `not_ready` when the database or the routes are unavailable (no payment could be
 * claimed or recorded, no price known); `degraded` when the facilitator is unavailable (pages and
 * free routes serve, paid requests get 503) or the journal is pending; else `ready`. A facilitator
 * outage is not `not_ready`: every instance shares it, and a load balancer that took them all out
 * would stop the free content as well. Names nothing internal (no addresses, no error text).
 */
export type Readiness = {
  status: "ready" | "degraded" | "not_ready";
  checks: { database: CheckState; routes: CheckState; facilitator: CheckState; journal: "empty" | "pending" };
};

/**
 * Checks what this instance needs to take paid requests, each check bounded by
 * READY_CHECK_TIMEOUT_MS and run at once. Never throws.
 */
export async function checkReadiness(): Promise<Readiness> {
  const [database, routes, facilitator] = await Promise.all([
    bounded(selectOne),
    bounded(() => getRouteSnapshot()),
    bounded(() => getX402()),
  ]);
  const journal = journalPending() ? "pending" : "empty";
  const status = database !== "ok" || routes !== "ok" ? "not_ready" : facilitator !== "ok" || journal === "pending" ? "degraded" : "ready";
  return { status, checks: { database, routes, facilitator, journal } };
}

/** How long a `database` check that passed is reused by `databaseState`, in ms. */
export const DATABASE_OK_REUSE_MS = 1_000;
let databaseOkAt = 0;
let databaseCheck: Promise<CheckState> | null = null;

/**
 * Whether the database answers `SELECT 1` (READY_CHECK_TIMEOUT_MS at most), for a page that
 * cannot be rendered without it (the dashboard: lib/gateway/proxy.ts). A pass is reused for
 * DATABASE_OK_REUSE_MS and concurrent callers share one check, so however many requests ask, the
 * database gets at most one probe at a time and about one a second. Never throws.
 */
export async function databaseState(): Promise<CheckState> {
  if (Date.now() - databaseOkAt < DATABASE_OK_REUSE_MS) return "ok";
  databaseCheck ??= bounded(selectOne).then((state) => {
    if (state === "ok") databaseOkAt = Date.now();
    databaseCheck = null;
    return state;
  });
  return databaseCheck;
}

/** The database check of both: `SELECT 1`. */
async function selectOne(): Promise<void> {
  await (await getDb()).$queryRaw`SELECT 1`;
}

/** Runs `check`: `ok` if it resolves within READY_CHECK_TIMEOUT_MS, else `unavailable` (it is left to finish on its own). */
async function bounded(check: () => Promise<unknown>): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckState>((resolve) => {
    timer = setTimeout(() => resolve("unavailable"), READY_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then((): CheckState => "ok", (): CheckState => "unavailable"), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the settlement journal holds entries not yet replayed into the database (a file that is not empty). */
function journalPending(): boolean {
  try {
    return fs.statSync(journalPath()).size > 0;
  } catch {
    return false; // no journal file: nothing waits
  }
}
