import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { TollgateError } from "@/lib/errors";
import { loadEnforcedRoutes, loadRouteTableRevision } from "@/lib/routes/data";
import { buildRequirements, type BuiltRequirements, type X402Services } from "@/lib/x402/resource-server";
import { RouteTable, type PricedRouteConfig } from "@/lib/x402/route-table";
import { getX402 } from "./x402-server";

/** One loaded revision of the priced routes, with lazily built requirements per route. */
export type RouteSnapshot = {
  revision: number;
  /** The charging routes. */
  table: RouteTable;
  /** The blocked routes: a request one matches is not served (checked before `table`: blocking wins). */
  blocked: RouteTable;
  /** PaymentRequirements for a route of this snapshot, built once (facilitator-checked). */
  requirementsFor(route: PricedRouteConfig): Promise<BuiltRequirements>;
};

type CacheState = {
  snapshot?: RouteSnapshot;
  loading?: Promise<RouteSnapshot>;
  checking?: Promise<void>;
  checkedAt: number;
  stale: boolean;
};
const g = globalThis as typeof globalThis & { __tollgateRoutes?: CacheState };
const state = (): CacheState => (g.__tollgateRoutes ??= { checkedAt: 0, stale: false });

function makeSnapshot(revision: number, routes: { charging: PricedRouteConfig[]; blocked: PricedRouteConfig[] }): RouteSnapshot {
  const skipped = (route: PricedRouteConfig, error: Error) => console.error(`[tollgate] route ${route.method} ${route.pathPattern} skipped: ${error.message}`);
  const table = new RouteTable(routes.charging, skipped);
  // Per route, built with one x402 server (a /supported refresh brings a new one: rebuilt then).
  const built = new Map<string, { services: X402Services; requirements: Promise<BuiltRequirements> }>();
  return {
    revision,
    table,
    blocked: new RouteTable(routes.blocked, skipped),
    async requirementsFor(route) {
      const services = await getX402();
      let entry = built.get(route.id);
      if (!entry || entry.services !== services) {
        const requirements = buildRequirements(services.server, route.paymentOptions).then((result) => {
          for (const s of result.skipped) console.warn(`[tollgate] ${route.method} ${route.pathPattern}: option ${s.option.network}/${s.option.asset} not offered: ${s.reason}`);
          return result;
        });
        const made = { services, requirements };
        // A facilitator outage must not stick to the snapshot: forget failures.
        requirements.catch(() => built.get(route.id) === made && built.delete(route.id));
        built.set(route.id, made);
        entry = made;
      }
      return entry.requirements;
    },
  };
}

async function load(): Promise<RouteSnapshot> {
  const db = await getDb();
  let snapshot: RouteSnapshot;
  try {
    snapshot = makeSnapshot(await loadRouteTableRevision(db), await loadEnforcedRoutes(db));
  } catch (cause) {
    // Opening the client connects to nothing: an unreachable database shows here, as Prisma's own error.
    throw new TollgateError("database_unavailable", "The priced routes could not be read; try again shortly", { cause });
  }
  const s = state();
  s.snapshot = snapshot;
  s.checkedAt = Date.now();
  s.stale = false;
  return snapshot;
}

/**
 * The current priced routes. Steady state costs no database query: the snapshot is served from
 * memory, and at most once per ROUTE_REFRESH_MS a background check reads the one-row revision
 * counter, reloading the routes only when it moved. The first call, and the first after
 * `invalidateRoutes()`, wait for a load so a change in this process applies to the very next
 * request. A failed background check keeps serving the last snapshot.
 *
 * @throws TollgateError `database_unavailable` when no snapshot was ever loaded and the database
 *   cannot be read (the caller then fails closed).
 */
export async function getRouteSnapshot(): Promise<RouteSnapshot> {
  const s = state();
  if (!s.snapshot || s.stale) {
    s.loading ??= load().finally(() => (s.loading = undefined));
    return s.loading;
  }
  if (!s.checking && Date.now() - s.checkedAt >= env().routeRefreshMs) {
    s.checkedAt = Date.now();
    s.checking = (async () => {
      const revision = await loadRouteTableRevision(await getDb());
      if (revision !== s.snapshot?.revision) await load();
    })()
      .catch((error: unknown) => console.error("[tollgate] route refresh failed; serving the last known routes:", error))
      .finally(() => (s.checking = undefined));
  }
  return s.snapshot;
}

/** Makes the next request reload the routes (call after writing routes in this process). */
export function invalidateRoutes(): void {
  state().stale = true;
}
