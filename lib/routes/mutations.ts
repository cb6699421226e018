import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { TollgateError } from "@/lib/errors";
import { pricedRouteInputSchema, type PaymentOptionInput, type PricedRouteInput } from "./schema";

type Tx = Prisma.TransactionClient;

/** Marks the route table changed; runs inside the writing transaction. */
async function bumpRevision(tx: Tx): Promise<void> {
  await tx.routeTableRevision.upsert({ where: { id: 1 }, create: { id: 1, revision: 1 }, update: { revision: { increment: 1 } } });
}

/** A parsed route's own columns, as Prisma writes them (no discovery metadata → SQL NULL). */
function routeColumns(route: ReturnType<typeof pricedRouteInputSchema.parse>) {
  const { paymentOptions, discovery, ...fields } = route;
  return { paymentOptions, fields: { ...fields, discovery: discovery ? (discovery as Prisma.InputJsonObject) : Prisma.DbNull } };
}

/** Writes a route's payment options, in `accepts` order, replacing any it had. */
async function replaceOptions(tx: Tx, routeId: string, options: PaymentOptionInput[]): Promise<void> {
  await tx.paymentOption.deleteMany({ where: { routeId } });
  await tx.paymentOption.createMany({
    data: options.map((o, position) => ({ ...o, extra: o.extra as Prisma.InputJsonObject, routeId, position })),
  });
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
  const { paymentOptions, fields } = routeColumns(route);
  return db.$transaction(async (tx) => {
    const saved = await tx.pricedRoute.upsert({
      where: { method_pathPattern: { method: route.method, pathPattern: route.pathPattern } },
      create: fields,
      update: fields,
    });
    await replaceOptions(tx, saved.id, paymentOptions);
    await bumpRevision(tx);
    return saved.id;
  });
}

/**
 * Replaces route `id` (fields and all payment options) and bumps the revision, in one transaction.
 * @throws TollgateError `bad_request` when another route already has this method and pattern,
 *   `not_found` when the route does not exist; ZodError for invalid input.
 */
export async function updatePricedRoute(db: PrismaClient, id: string, input: PricedRouteInput): Promise<void> {
  const { paymentOptions, fields } = routeColumns(pricedRouteInputSchema.parse(input));
  try {
    await db.$transaction(async (tx) => {
      await tx.pricedRoute.update({ where: { id }, data: fields });
      await replaceOptions(tx, id, paymentOptions);
      await bumpRevision(tx);
    });
  } catch (error) {
    throw routeWriteError(error, fields);
  }
}

/**
 * Creates a route with its payment options and bumps the revision.
 * @returns the new route's id.
 * @throws TollgateError `bad_request` when a route already has this method and pattern.
 */
export async function createPricedRoute(db: PrismaClient, input: PricedRouteInput): Promise<string> {
  const { paymentOptions, fields } = routeColumns(pricedRouteInputSchema.parse(input));
  try {
    return await db.$transaction(async (tx) => {
      const route = await tx.pricedRoute.create({ data: fields });
      await replaceOptions(tx, route.id, paymentOptions);
      await bumpRevision(tx);
      return route.id;
    });
  } catch (error) {
    throw routeWriteError(error, fields);
  }
}

/** Deletes a route (its options go with it; its payments keep their rows, unlinked) and bumps the revision. */
export async function deletePricedRoute(db: PrismaClient, id: string): Promise<void> {
  try {
    await db.$transaction(async (tx) => {
      await tx.pricedRoute.delete({ where: { id } });
      await bumpRevision(tx);
    });
  } catch (error) {
    throw routeWriteError(error, { method: "", pathPattern: "" });
  }
}

function routeWriteError(error: unknown, fields: { method: string; pathPattern: string }): unknown {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
    return new TollgateError("bad_request", `A route for ${fields.method} ${fields.pathPattern} already exists`, { cause: error });
  }
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025") {
    return new TollgateError("not_found", "This route no longer exists", { cause: error });
  }
  return error;
}

/** Enables or disables a route and bumps the revision. */
export async function setPricedRouteEnabled(db: PrismaClient, id: string, enabled: boolean): Promise<void> {
  try {
    await db.$transaction(async (tx) => {
      await tx.pricedRoute.update({ where: { id }, data: { enabled } });
      await bumpRevision(tx);
    });
  } catch (error) {
    throw routeWriteError(error, { method: "", pathPattern: "" });
  }
}
