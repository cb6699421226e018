import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { pricedRouteInputSchema, type PricedRouteInput } from "./schema";

type Tx = Prisma.TransactionClient;

/** Marks the route table changed; runs inside the writing transaction. */
async function bumpRevision(tx: Tx): Promise<void> {
  await tx.routeTableRevision.upsert({ where: { id: 1 }, create: { id: 1, revision: 1 }, update: { revision: { increment: 1 } } });
}

/**
 * Creates or replaces the priced route with this method and path pattern (its payment options
 * are replaced as a whole) and bumps the route table revision, in one transaction.
 *
 * @returns the route's id.
 * @throws ZodError when the input is invalid.
 */
export async function upsertPricedRoute(db: PrismaClient, input: PricedRouteInput): Promise<string> {
  const route = pricedRouteInputSchema.parse(input);
  const { paymentOptions, ...fields } = route;
  return db.$transaction(async (tx) => {
    const saved = await tx.pricedRoute.upsert({
      where: { method_pathPattern: { method: route.method, pathPattern: route.pathPattern } },
      create: fields,
      update: fields,
    });
    await tx.paymentOption.deleteMany({ where: { routeId: saved.id } });
    await tx.paymentOption.createMany({
      data: paymentOptions.map((o, position) => ({ ...o, extra: o.extra as Prisma.InputJsonObject, routeId: saved.id, position })),
    });
    await bumpRevision(tx);
    return saved.id;
  });
}

/** Enables or disables a route and bumps the revision. */
export async function setPricedRouteEnabled(db: PrismaClient, id: string, enabled: boolean): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.pricedRoute.update({ where: { id }, data: { enabled } });
    await bumpRevision(tx);
  });
}
