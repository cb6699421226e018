import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { PricedRouteConfig } from "@/lib/x402/route-table";
import { discoverySchema } from "./schema";

/** The route table's revision: bumped by every route write (0 before the first). */
export async function loadRouteTableRevision(db: PrismaClient): Promise<number> {
  const row = await db.routeTableRevision.findUnique({ where: { id: 1 }, select: { revision: true } });
  return row?.revision ?? 0;
}

/** Every enabled priced route with its payment options (in `position` order), as plain data. */
export async function loadEnabledRoutes(db: PrismaClient): Promise<PricedRouteConfig[]> {
  const rows = await db.pricedRoute.findMany({
    where: { enabled: true },
    include: { paymentOptions: { orderBy: [{ position: "asc" }, { createdAt: "asc" }] } },
  });
  return rows.map((r) => ({
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
  }));
}

/** Every route (enabled or not) with its options and number of settled payments, for the dashboard. */
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
