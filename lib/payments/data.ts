import { getAddress, isAddress } from "viem";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import type { PaymentCursor, PaymentFilter } from "./schema";

/** EVM addresses are stored checksummed (as facilitators report them); normalize input to match. */
function normalizeAddress(value: string): string {
  return isAddress(value, { strict: false }) ? getAddress(value) : value;
}

/** The Prisma filter for a dashboard filter. Dates are UTC days, `to` inclusive. */
export function paymentWhere(filter: PaymentFilter): Prisma.PaymentWhereInput {
  const and: Prisma.PaymentWhereInput[] = [];
  if (filter.route) and.push({ routeId: filter.route });
  if (filter.status) and.push({ status: filter.status });
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
  const after: Prisma.PaymentWhereInput | undefined = cursor
    ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] }
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

export async function loadPaymentTotals(db: PrismaClient, filter: PaymentFilter): Promise<PaymentTotals> {
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

/** One payment with everything recorded about it, or null. */
export async function loadPayment(db: PrismaClient, id: string) {
  return db.payment.findUnique({ where: { id }, include: { route: { select: { id: true, method: true, pathPattern: true, kind: true, description: true } } } });
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

/** The distinct values the filter menus offer: routes, networks, assets that have payments. */
export async function loadFilterChoices(db: PrismaClient) {
  const [routes, assets] = await Promise.all([
    db.pricedRoute.findMany({ select: { id: true, method: true, pathPattern: true }, orderBy: { pathPattern: "asc" } }),
    db.payment.groupBy({ by: ["network", "asset"], orderBy: [{ network: "asc" }, { asset: "asc" }] }),
  ]);
  return { routes, assets: assets.map((a) => ({ network: a.network, asset: a.asset })) };
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

/** Settled revenue since `since` (inclusive). */
export async function loadRevenueSince(db: PrismaClient, since: Date): Promise<RevenueWindow> {
  const where: Prisma.PaymentWhereInput = { status: "settled", createdAt: { gte: since } };
  const [amounts, stats] = await Promise.all([
    db.payment.groupBy({ by: ["network", "asset"], where, _sum: { amount: true } }),
    db.$queryRaw<{ count: bigint; payers: bigint }[]>`
      SELECT COUNT(*) AS count, COUNT(DISTINCT "payer") AS payers
      FROM "Payment" WHERE "status" = 'settled' AND "createdAt" >= ${utc(since)}`,
  ]);
  return {
    amounts: amounts.map((a) => ({ network: a.network, asset: a.asset, amount: a._sum.amount ?? new Prisma.Decimal(0) })),
    count: Number(stats[0]?.count ?? 0),
    payers: Number(stats[0]?.payers ?? 0),
  };
}

/** One point of a revenue series: a UTC day or ISO week, a series key, atomic amount, count. */
export type RevenuePoint = { bucket: Date; routeId: string | null; network: string; asset: string; amount: Prisma.Decimal; count: number };

/**
 * Settled revenue per day or week (UTC, weeks start on Monday) between `from` and `to`
 * (exclusive), split by route and asset (the caller groups as it displays).
 */
export async function loadRevenueSeries(db: PrismaClient, bucket: "day" | "week", from: Date, to: Date): Promise<RevenuePoint[]> {
  const unit = bucket === "week" ? Prisma.sql`'week'` : Prisma.sql`'day'`;
  const rows = await db.$queryRaw<{ bucket: Date; routeId: string | null; network: string; asset: string; amount: Prisma.Decimal; count: bigint }[]>`
    SELECT date_trunc(${unit}, "createdAt") AS bucket, "routeId", "network", "asset", SUM("amount") AS amount, COUNT(*) AS count
    FROM "Payment"
    WHERE "status" = 'settled' AND "createdAt" >= ${utc(from)} AND "createdAt" < ${utc(to)}
    GROUP BY 1, 2, 3, 4
    ORDER BY 1`;
  return rows.map((r) => ({ ...r, amount: new Prisma.Decimal(r.amount.toString()), count: Number(r.count) }));
}
