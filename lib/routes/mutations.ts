import { Prisma, type PrismaClient, type RouteState } from "@/lib/generated/prisma/client";
import { TollgateError } from "@/lib/errors";
import { pricedRouteInputSchema, type PaymentOptionInput, type PricedRouteInput } from "./schema";

type Tx = Prisma.TransactionClient;

/** What the audit log keeps of a route: everything that changes what buyers get or pay. */
async function auditView(tx: Tx, id: string): Promise<Prisma.InputJsonObject | null> {
  const route = await tx.pricedRoute.findUnique({ where: { id }, include: { paymentOptions: { orderBy: { position: "asc" } } } });
  if (!route) return null;
  return {
    state: route.state,
    method: route.method,
    pathPattern: route.pathPattern,
    kind: route.kind,
    description: route.description,
    mimeType: route.mimeType,
    accessWindowSeconds: route.accessWindowSeconds,
    paymentIdentifier: route.paymentIdentifier,
    settleAfterComplete: route.settleAfterComplete,
    siwxAccess: route.siwxAccess,
    freeQuota: route.freeQuota,
    freeQuotaWindowSeconds: route.freeQuotaWindowSeconds,
    paymentOptions: route.paymentOptions.map((o) => ({ network: o.network, asset: o.asset, amount: o.amount.toFixed(0), payTo: o.payTo, maxTimeoutSeconds: o.maxTimeoutSeconds })),
  };
}

/**
 * Records a route change in RouteAudit, inside the writing transaction: `actor` (the merchant's
 * address) did `action`, the route looked like `before` and now looks like what it is.
 */
async function audit(tx: Tx, id: string, actor: string, action: "created" | "updated" | "state" | "deleted", before: Prisma.InputJsonObject | null): Promise<void> {
  const after = action === "deleted" ? null : await auditView(tx, id);
  const view = (after ?? before) as { method?: string; pathPattern?: string } | null;
  await tx.routeAudit.create({
    data: {
      routeId: action === "deleted" ? null : id,
      label: `${view?.method ?? "?"} ${view?.pathPattern ?? "?"}`,
      actor,
      action,
      before: before ?? Prisma.DbNull,
      after: after ?? Prisma.DbNull,
    },
  });
}

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
 * are replaced as a whole) and bumps the route table revision, in one transaction. For seeds and
 * tests: it writes no audit entry (the dashboard's writes below do).
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
 * Replaces route `id` (fields and all payment options), records the change for `actor` and bumps
 * the revision, in one transaction.
 * @throws TollgateError `bad_request` when another route already has this method and pattern,
 *   `not_found` when the route does not exist; ZodError for invalid input.
 */
export async function updatePricedRoute(db: PrismaClient, id: string, input: PricedRouteInput, actor: string): Promise<void> {
  const { paymentOptions, fields } = routeColumns(pricedRouteInputSchema.parse(input));
  try {
    await db.$transaction(async (tx) => {
      const before = await auditView(tx, id);
      await tx.pricedRoute.update({ where: { id }, data: fields });
      await replaceOptions(tx, id, paymentOptions);
      await audit(tx, id, actor, "updated", before);
      await bumpRevision(tx);
    });
  } catch (error) {
    throw routeWriteError(error, fields);
  }
}

/**
 * Creates a route with its payment options, records it for `actor` and bumps the revision.
 * @returns the new route's id.
 * @throws TollgateError `bad_request` when a route already has this method and pattern.
 */
export async function createPricedRoute(db: PrismaClient, input: PricedRouteInput, actor: string): Promise<string> {
  const { paymentOptions, fields } = routeColumns(pricedRouteInputSchema.parse(input));
  try {
    return await db.$transaction(async (tx) => {
      const route = await tx.pricedRoute.create({ data: fields });
      await replaceOptions(tx, route.id, paymentOptions);
      await audit(tx, route.id, actor, "created", null);
      await bumpRevision(tx);
      return route.id;
    });
  } catch (error) {
    throw routeWriteError(error, fields);
  }
}

/**
 * Deletes a route (its options go with it; its payments and audit entries keep their rows,
 * unlinked), records it for `actor` (null: no audit entry, for tests) and bumps the revision.
 */
export async function deletePricedRoute(db: PrismaClient, id: string, actor: string | null): Promise<void> {
  try {
    await db.$transaction(async (tx) => {
      const before = await auditView(tx, id);
      await tx.pricedRoute.delete({ where: { id } });
      if (actor) await audit(tx, id, actor, "deleted", before);
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

/**
 * Sets a route's state (charging, free, blocked), records the change for `actor` and bumps the
 * revision, in one transaction. Setting the state it already has writes nothing.
 * @throws TollgateError `not_found` when the route does not exist.
 */
export async function setPricedRouteState(db: PrismaClient, id: string, state: RouteState, actor: string): Promise<void> {
  try {
    await db.$transaction(async (tx) => {
      const before = await auditView(tx, id);
      if (!before) throw new TollgateError("not_found", "This route no longer exists");
      if (before.state === state) return;
      await tx.pricedRoute.update({ where: { id }, data: { state } });
      await audit(tx, id, actor, "state", before);
      await bumpRevision(tx);
    });
  } catch (error) {
    throw routeWriteError(error, { method: "", pathPattern: "" });
  }
}
