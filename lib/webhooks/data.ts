import type { PrismaClient } from "@/lib/generated/prisma/client";

/** Every endpoint with its queue counts, configured ones first. */
export async function loadEndpoints(db: PrismaClient) {
  const endpoints = await db.webhookEndpoint.findMany({ orderBy: [{ source: "asc" }, { createdAt: "asc" }] });
  const counts = await db.webhookDelivery.groupBy({ by: ["endpointId", "status"], _count: { _all: true } });
  return endpoints.map((e) => {
    const of = (status: string) => counts.find((c) => c.endpointId === e.id && c.status === status)?._count._all ?? 0;
    return { ...e, delivered: of("delivered"), pending: of("pending"), failed: of("failed") };
  });
}

/**
 * One endpoint and its delivery log, newest first (`take` deliveries, each with its attempts).
 * @returns null when there is no such endpoint.
 */
export async function loadEndpointWithLog(db: PrismaClient, id: string, take = 50) {
  const endpoint = await db.webhookEndpoint.findUnique({ where: { id } });
  if (!endpoint) return null;
  const [deliveries, total] = await Promise.all([
    db.webhookDelivery.findMany({
      where: { endpointId: id },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take,
      include: { event: { select: { id: true, type: true, paymentId: true } }, attemptLog: { orderBy: { attemptedAt: "asc" } } },
    }),
    db.webhookDelivery.count({ where: { endpointId: id } }),
  ]);
  return { endpoint, deliveries, total };
}
