import { getAddress, isAddress } from "viem";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { OPEN_STATUSES, unsettledFilters, type PaymentCursor, type PaymentFilter } from "./schema";

/** EVM addresses are stored checksummed (as facilitators report them); normalize input to match. */
function normalizeAddress(value: string): string {
  return isAddress(value, { strict: false }) ? getAddress(value) : value;
}

/** The Prisma filter for a dashboard filter. Dates are UTC days, `to` inclusive. */
export function paymentWhere(filter: PaymentFilter): Prisma.PaymentWhereInput {
  const and: Prisma.PaymentWhereInput[] = [];
  if (filter.route) and.push({ routeId: filter.route });
  if (filter.status) and.push({ status: statusWhere(filter.status) });
  if (filter.network) and.push({ network: filter.network });
  if (filter.asset) and.push({ asset: normalizeAddress(filter.asset) });
  if (filter.payer) and.push({ payer: normalizeAddress(filter.payer) });
  if (filter.from) and.push({ createdAt: { gte: new Date(`${filter.from}T00:00:00.000Z`) } });
  if (filter.to) and.push({ createdAt: { lt: new Date(new Date(`${filter.to}T00:00:00.000Z`).getTime() + 86_400_000) } });
  if (filter.q) {
    const q = filter.q;
    and.push({ OR: [{ transaction: q }, { transaction: q.toLowerCase() }, { payer: normalizeAddress(q) }] });
  }
  return and.length ? { AND: and } : {};
}

/** A status filter as a column condition: one state, or (`open`) any of OPEN_STATUSES. */
function statusWhere(status: NonNullable<PaymentFilter["status"]>) {
  return status === "open" ? { in: OPEN_STATUSES } : status;
}

const listSelect = {
  id: true,
  createdAt: true,
  status: true,
  resource: true,
  method: true,
  payer: true,
  network: true,
  asset: true,
  amount: true,
  transaction: true,
  errorReason: true,
  x402Version: true,
  route: { select: { id: true, method: true, pathPattern: true } },
} satisfies Prisma.PaymentSelect;

/** One row of the payments table. */
export type PaymentRow = Prisma.PaymentGetPayload<{ select: typeof listSelect }>;

/**
 * A page of payments, newest first, with keyset pagination on (createdAt, id): constant cost at
 * any depth, stable while new payments arrive.
 *
 * @returns up to `limit` rows and the cursor of the next page (null on the last page).
 */
export async function loadPaymentsPage(db: PrismaClient, filter: PaymentFilter, cursor: PaymentCursor | null, limit = 50): Promise<{ rows: PaymentRow[]; next: PaymentCursor | null }> {
  const where = paymentWhere(filter);
  // "createdAt <= c" is an index range on (createdAt, id); the NOT drops the rows already shown
  // at exactly c. (An OR of the two cases cannot use the index as a range: every page would
  // rescan from the newest row, and a million-row export would take quadratic time.)
  const after: Prisma.PaymentWhereInput | undefined = cursor
    ? { createdAt: { lte: cursor.createdAt }, NOT: { createdAt: cursor.createdAt, id: { gte: cursor.id } } }
    : undefined;
  const rows = await db.payment.findMany({
    where: after ? { AND: [where, after] } : where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: listSelect,
  });
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { rows: page, next: more && last ? { createdAt: last.createdAt, id: last.id } : null };
}

/** Totals of a filtered set: rows by status, and settled amounts per asset (atomic units). */
export type PaymentTotals = {
  count: number;
  byStatus: Partial<Record<"pending" | "settled" | "failed", number>>;
  settled: { network: string; asset: string; amount: Prisma.Decimal; count: number }[];
};

/**
 * Totals of a filtered set. Filters on route, status, network, asset and days read the daily
 * rollups ("PaymentDailyTotal", kept by triggers): constant cost at any table size. Payer and
 * search filters are selective through their indexes and aggregate the payments directly.
 */
export async function loadPaymentTotals(db: PrismaClient, filter: PaymentFilter): Promise<PaymentTotals> {
  if (!filter.payer && !filter.q) return loadTotalsFromRollups(db, filter);
  const where = paymentWhere(filter);
  const [byStatus, settled] = await Promise.all([
    db.payment.groupBy({ by: ["status"], where, _count: { _all: true } }),
    db.payment.groupBy({ by: ["network", "asset"], where: { AND: [where, { status: "settled" }] }, _sum: { amount: true }, _count: { _all: true } }),
  ]);
  return {
    count: byStatus.reduce((n, s) => n + s._count._all, 0),
    byStatus: Object.fromEntries(byStatus.map((s) => [s.status, s._count._all])),
    settled: settled.map((s) => ({ network: s.network, asset: s.asset, amount: s._sum.amount ?? new Prisma.Decimal(0), count: s._count._all })),
  };
}

function dailyWhere(filter: Pick<PaymentFilter, "route" | "status" | "network" | "asset" | "from" | "to">): Prisma.PaymentDailyTotalWhereInput {
  return {
    ...(filter.route ? { routeId: filter.route } : {}),
    ...(filter.status ? { status: statusWhere(filter.status) } : {}),
    ...(filter.network ? { network: filter.network } : {}),
    ...(filter.asset ? { asset: normalizeAddress(filter.asset) } : {}),
    ...(filter.from || filter.to
      ? { day: { ...(filter.from ? { gte: new Date(`${filter.from}T00:00:00.000Z`) } : {}), ...(filter.to ? { lte: new Date(`${filter.to}T00:00:00.000Z`) } : {}) } }
      : {}),
  };
}

async function loadTotalsFromRollups(db: PrismaClient, filter: PaymentFilter): Promise<PaymentTotals> {
  const where = dailyWhere(filter);
  // Settled amounts within the filter: none when the filter asks for another status.
  const settledWanted = !filter.status || filter.status === "settled";
  const [byStatus, settled] = await Promise.all([
    db.paymentDailyTotal.groupBy({ by: ["status"], where, _sum: { count: true } }),
    settledWanted ? db.paymentDailyTotal.groupBy({ by: ["network", "asset"], where: { ...where, status: "settled" }, _sum: { count: true, amount: true } }) : [],
  ]);
  const counts = byStatus.map((s) => [s.status, Number(s._sum.count ?? 0)] as const).filter(([, n]) => n > 0);
  return {
    count: counts.reduce((n, [, c]) => n + c, 0),
    byStatus: Object.fromEntries(counts),
    settled: settled
      .filter((s) => Number(s._sum.count ?? 0) > 0)
      .map((s) => ({ network: s.network, asset: s.asset, amount: s._sum.amount ?? new Prisma.Decimal(0), count: Number(s._sum.count ?? 0) })),
  };
}

/** One payment with everything recorded about it, or null; not the signed payment kept for the reconciler (settleRequest). */
export async function loadPayment(db: PrismaClient, id: string) {
  return db.payment.findUnique({ where: { id }, omit: { settleRequest: true }, include: { route: { select: { id: true, method: true, pathPattern: true, kind: true, description: true } } } });
}

/**
 * Every payment of a filtered set, newest first, in batches of `batchSize` (keyset pages), so
 * an export of any size holds one batch in memory at a time.
 */
export async function* iteratePayments(db: PrismaClient, filter: PaymentFilter, batchSize = 2000): AsyncGenerator<PaymentRow[]> {
  let cursor: PaymentCursor | null = null;
  do {
    const page = await loadPaymentsPage(db, filter, cursor, batchSize);
    if (page.rows.length) yield page.rows;
    cursor = page.next;
  } while (cursor);
}

/**
 * What the filter menus offer: the routes, and the networks and assets they are priced in. Read
 * from the (small) route tables, not by scanning payments, so the page stays fast at millions of
 * rows; payments in an asset no route offers any more are still found by the other filters.
 */
export async function loadFilterChoices(db: PrismaClient) {
  const [routes, assets] = await Promise.all([
    db.pricedRoute.findMany({ select: { id: true, method: true, pathPattern: true }, orderBy: { pathPattern: "asc" } }),
    db.paymentOption.findMany({ distinct: ["network", "asset"], select: { network: true, asset: true }, orderBy: [{ network: "asc" }, { asset: "asc" }] }),
  ]);
  return { routes, assets };
}

/**
 * A Date as a UTC timestamp literal for raw SQL. "createdAt" is a timestamp without time zone
 * holding UTC; an instant with an explicit Z converted AT TIME ZONE 'UTC' compares correctly
 * whatever the database session's time zone is.
 */
function utc(date: Date): Prisma.Sql {
  return Prisma.sql`(${date.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
}

/** Settled revenue per asset in a time window, with the number of payments and distinct payers. */
export type RevenueWindow = { amounts: { network: string; asset: string; amount: Prisma.Decimal }[]; count: number; payers: number };

/**
 * Settled revenue from the UTC day of `since` on (up to the UTC day of `until`, exclusive, when
 * given): amounts (atomic units, per network and asset) and count from the daily rollups,
 * distinct payers from the payments themselves.
 */
export async function loadRevenueSince(db: PrismaClient, since: Date, until?: Date): Promise<RevenueWindow> {
  const day = new Date(`${since.toISOString().slice(0, 10)}T00:00:00.000Z`);
  const end = until ? new Date(`${until.toISOString().slice(0, 10)}T00:00:00.000Z`) : null;
  const [amounts, stats] = await Promise.all([
    db.paymentDailyTotal.groupBy({ by: ["network", "asset"], where: { status: "settled", day: end ? { gte: day, lt: end } : { gte: day } }, _sum: { amount: true, count: true } }),
    db.$queryRaw<{ payers: bigint }[]>`
      SELECT COUNT(DISTINCT "payer") AS payers
      FROM "Payment" WHERE "status" = 'settled' AND "createdAt" >= ${utc(day)} ${end ? Prisma.sql`AND "createdAt" < ${utc(end)}` : Prisma.empty}`,
  ]);
  const nonEmpty = amounts.filter((a) => Number(a._sum.count ?? 0) > 0);
  return {
    amounts: nonEmpty.map((a) => ({ network: a.network, asset: a.asset, amount: a._sum.amount ?? new Prisma.Decimal(0) })),
    count: nonEmpty.reduce((n, a) => n + Number(a._sum.count ?? 0), 0),
    payers: Number(stats[0]?.payers ?? 0),
  };
}

/**
 * The payments that did not settle, counted as the lists unsettledFilters gives (the figures link
 * to them): `failed` ones created since the UTC day of `since`, and every `open` one (pending,
 * settling or unknown: not resolved yet), whatever its age. Read from the daily rollups.
 */
export async function loadUnsettledCounts(db: PrismaClient, since: Date): Promise<{ failed: number; open: number }> {
  const filters = unsettledFilters(since.toISOString().slice(0, 10));
  const [failed, open] = await Promise.all([loadPaymentTotals(db, filters.failed), loadPaymentTotals(db, filters.open)]);
  return { failed: failed.count, open: open.count };
}

/** One point of a revenue series: a UTC day or ISO week, a series key, atomic amount, count. */
export type RevenuePoint = { bucket: Date; routeId: string | null; network: string; asset: string; amount: Prisma.Decimal; count: number };

/**
 * Settled revenue per day or week (UTC, weeks start on Monday) between the UTC days of `from`
 * and `to` (exclusive), split by route and asset (the caller groups as it displays). Read from
 * the daily rollups.
 */
export async function loadRevenueSeries(db: PrismaClient, bucket: "day" | "week", from: Date, to: Date): Promise<RevenuePoint[]> {
  const unit = bucket === "week" ? Prisma.sql`'week'` : Prisma.sql`'day'`;
  const rows = await db.$queryRaw<{ bucket: Date; routeId: string; network: string; asset: string; amount: Prisma.Decimal; count: bigint }[]>`
    SELECT date_trunc(${unit}, "day")::date AS bucket, "routeId", "network", "asset", SUM("amount") AS amount, SUM("count") AS count
    FROM "PaymentDailyTotal"
    WHERE "status" = 'settled' AND "day" >= ${utc(from)}::date AND "day" < ${utc(to)}::date
    GROUP BY 1, 2, 3, 4
    HAVING SUM("count") > 0
    ORDER BY 1`;
  return rows.map((r) => ({ ...r, routeId: r.routeId || null, amount: new Prisma.Decimal(r.amount.toString()), count: Number(r.count) }));
}

/** What the money path and the reconciler need to know about a payment already claimed. */
const ledgerSelect = {
  id: true,
  status: true,
  errorReason: true,
  transaction: true,
  payer: true,
  network: true,
  asset: true,
  payTo: true,
  amount: true,
  onchainRef: true,
  createdAt: true,
  updatedAt: true,
  checkedAt: true,
  paymentKey: true,
  paymentIdentifier: true,
  x402Version: true,
} satisfies Prisma.PaymentSelect;
export type LedgerRow = Prisma.PaymentGetPayload<{ select: typeof ledgerSelect }>;

/** The payment claimed under `paymentKey` (lib/x402/payment-key.ts), or null. */
export async function loadPaymentByKey(db: PrismaClient, paymentKey: string): Promise<LedgerRow | null> {
  return db.payment.findUnique({ where: { paymentKey }, select: ledgerSelect });
}

/** The payment claimed with this payment-identifier `id`, or null. */
export async function loadPaymentByIdentifier(db: PrismaClient, paymentIdentifier: string): Promise<LedgerRow | null> {
  return db.payment.findUnique({ where: { paymentIdentifier }, select: ledgerSelect });
}

/**
 * Payments whose outcome is still open, oldest first: the reconciler's work list. `unknown` rows
 * whose state last changed before `unknownBefore`; `pending` and `settling` rows only once no
 * request can still be holding them (state last changed before `abandonedBefore`); either way
 * not asked about on chain since `unknownBefore` (`checkedAt`).
 */
export async function loadOpenPayments(db: PrismaClient, { unknownBefore, abandonedBefore }: { unknownBefore: Date; abandonedBefore: Date }, limit = 200): Promise<(LedgerRow & { settleRequest: unknown })[]> {
  return db.payment.findMany({
    where: {
      OR: [
        { status: "unknown", updatedAt: { lt: unknownBefore }, OR: [{ checkedAt: null }, { checkedAt: { lt: unknownBefore } }] },
        { status: { in: ["pending", "settling"] }, updatedAt: { lt: abandonedBefore }, OR: [{ checkedAt: null }, { checkedAt: { lt: unknownBefore } }] },
      ],
    },
    orderBy: { createdAt: "asc" },
    take: limit,
    select: { ...ledgerSelect, settleRequest: true },
  });
}

/** Whether a payment's kept response is still to be delivered (a retry of it can be served). */
export async function owesResponse(db: PrismaClient, paymentId: string): Promise<boolean> {
  return (await db.paidResponse.count({ where: { paymentId, deliveredAt: null } })) > 0;
}

/** How far back the reconciler audits settled payments against the chain, in ms: rows settled earlier are left as recorded. */
export const AUDIT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** Settled payments with an on-chain reference, settled since `settledSince`, the chain not yet seen to carry (`confirmedAt` null). */
const unconfirmedSince = (settledSince: Date) =>
  ({ status: "settled", confirmedAt: null, onchainRef: { not: Prisma.DbNull }, settledAt: { gte: settledSince } }) satisfies Prisma.PaymentWhereInput;

/**
 * Settled payments the chain has not been seen to carry yet (`confirmedAt` null): the
 * reconciler's audit list. Only rows settled since `settledSince` with an on-chain reference, and
 * not asked about since `checkedBefore`; least recently asked first, so rows the chain cannot
 * answer for yet do not hold up the others.
 */
export async function loadSettledToAudit(db: PrismaClient, { settledSince, checkedBefore }: { settledSince: Date; checkedBefore: Date }, limit = 500): Promise<(LedgerRow & { settledAt: Date | null; settleRequest: unknown })[]> {
  return db.payment.findMany({
    where: { ...unconfirmedSince(settledSince), OR: [{ checkedAt: null }, { checkedAt: { lt: checkedBefore } }] },
    orderBy: [{ checkedAt: { sort: "asc", nulls: "first" } }, { settledAt: "asc" }],
    take: limit,
    select: { ...ledgerSelect, settledAt: true, settleRequest: true },
  });
}

/** For the dashboard: open payments by state, the last reconciler passes and unexplained transfers. */
export async function loadLedgerHealth(db: PrismaClient, { unconfirmedBefore }: { unconfirmedBefore?: Date } = {}) {
  const [open, runs, orphans, unconfirmed] = await Promise.all([
    db.payment.groupBy({ by: ["status"], where: { status: { in: OPEN_STATUSES } }, _count: { _all: true } }),
    db.reconcileRun.findMany({ orderBy: { startedAt: "desc" }, take: 5 }),
    db.orphanTransfer.findMany({ orderBy: { foundAt: "desc" }, take: 20 }),
    unconfirmedBefore ? countUnconfirmed(db, unconfirmedBefore) : Promise.resolve(0),
  ]);
  return { open: Object.fromEntries(open.map((o) => [o.status, o._count._all])) as Partial<Record<"pending" | "settling" | "unknown", number>>, runs, orphans, unconfirmed };
}

/**
 * Settled payments the reconciler's audit should have confirmed on chain by now (settled within
 * AUDIT_WINDOW_MS but before `settledBefore`) and has not: the chain could not be read for them
 * (no RPC URL, an RPC down or rate-limiting), or the reconciler is not running.
 */
async function countUnconfirmed(db: PrismaClient, settledBefore: Date): Promise<number> {
  return db.payment.count({ where: { AND: [unconfirmedSince(new Date(Date.now() - AUDIT_WINDOW_MS)), { settledAt: { lt: settledBefore } }] } });
}
