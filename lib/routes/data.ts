import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { PricedRouteConfig } from "@/lib/x402/route-table";
import { discoverySchema } from "./schema";

/** The route table's revision: bumped by every route write (0 before the first). */
export async function loadRouteTableRevision(db: PrismaClient): Promise<number> {
  const row = await db.routeTableRevision.findUnique({ where: { id: 1 }, select: { revision: true } });
  return row?.revision ?? 0;
}

/** Every charging route with its payment options (in `position` order), as plain data. */
export async function loadChargingRoutes(db: PrismaClient): Promise<PricedRouteConfig[]> {
  return (await loadEnforcedRoutes(db)).charging;
}

/**
 * The routes the proxy enforces, as plain data: `charging` ones (served after payment) and
 * `blocked` ones (not served). `free` routes are left out: to the proxy they are unpriced.
 */
export async function loadEnforcedRoutes(db: PrismaClient): Promise<{ charging: PricedRouteConfig[]; blocked: PricedRouteConfig[] }> {
  const rows = await db.pricedRoute.findMany({
    where: { state: { in: ["charging", "blocked"] } },
    include: { paymentOptions: { orderBy: [{ position: "asc" }, { createdAt: "asc" }] } },
  });
  const configs = rows.map((r) => ({
    id: r.id,
    method: r.method,
    pathPattern: r.pathPattern,
    kind: r.kind,
    description: r.description,
    mimeType: r.mimeType,
    accessWindowSeconds: r.accessWindowSeconds,
    paymentIdentifier: r.paymentIdentifier,
    settleAfterComplete: r.settleAfterComplete,
    siwxAccess: r.siwxAccess,
    freeQuota: r.freeQuota,
    freeQuotaWindowSeconds: r.freeQuotaWindowSeconds,
    // Written through discoverySchema only; read back leniently (a hand-edited row cannot break the proxy).
    discovery: discoverySchema.safeParse(r.discovery ?? undefined).data ?? null,
    paymentOptions: r.paymentOptions.map((o) => ({
      scheme: o.scheme,
      network: o.network,
      asset: o.asset,
      amount: o.amount.toFixed(0),
      payTo: o.payTo,
      extra: (o.extra ?? {}) as Record<string, unknown>,
      maxTimeoutSeconds: o.maxTimeoutSeconds,
    })),
    updatedAt: r.updatedAt.toISOString(),
  }));
  return { charging: configs.filter((_, i) => rows[i]!.state === "charging"), blocked: configs.filter((_, i) => rows[i]!.state === "blocked") };
}

/** Every route (whatever its state) with its options and number of settled payments, for the dashboard. */
export async function loadRoutesForDashboard(db: PrismaClient) {
  return db.pricedRoute.findMany({
    orderBy: [{ pathPattern: "asc" }, { method: "asc" }],
    include: {
      paymentOptions: { orderBy: { position: "asc" } },
      _count: { select: { payments: { where: { status: "settled" } }, entitlements: { where: { expiresAt: { gt: new Date() } } } } },
    },
  });
}

/** One route with its options, or null. */
export async function loadRoute(db: PrismaClient, id: string) {
  return db.pricedRoute.findUnique({ where: { id }, include: { paymentOptions: { orderBy: { position: "asc" } } } });
}

/** A route's change history, newest first (at most `take` entries). */
export async function loadRouteAudit(db: PrismaClient, routeId: string, take = 50) {
  return db.routeAudit.findMany({ where: { routeId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take });
}
