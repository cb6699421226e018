/**
 * The dashboard's data layer against real databases (PGlite, and PostgreSQL when available, in
 * this suite's non-UTC time zone): trigger-maintained daily totals always equal a direct
 * aggregate of the payments, whatever writes them, and keyset pages walk every row once.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/lib/database/client";
import { applyMigrations } from "@/lib/database/migrations";
import { parseDatabaseUrl } from "@/lib/database/target";
import { seedDemoRoutes } from "@/lib/demo/seed";
import { seedPayments } from "@/lib/demo/seed-payments";
import { iteratePayments, loadPaymentsPage, loadPaymentTotals, loadRevenueSeries, loadUnsettledCounts, paymentWhere } from "@/lib/payments/data";
import { recordSettlement, releasePayment, reservePayment } from "@/lib/payments/mutations";
import { decodeCursor, encodeCursor, OPEN_STATUSES, parsePaymentFilter, paymentFilterQuery, unsettledFilters, type PaymentCursor, type PaymentFilter } from "@/lib/payments/schema";
import { deletePricedRoute } from "@/lib/routes/mutations";
import { databaseLegs, startTestDatabase, type TestDatabase } from "../support/postgres";

describe.each(databaseLegs())("payment data on $name", ({ name, skip }) => {
  if (skip) {
    it.skip("needs PostgreSQL binaries", () => {});
    return;
  }
  let db: Database;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    database = await startTestDatabase(name, "data");
    const target = parseDatabaseUrl(database.url);
    await applyMigrations(target);
    db = await openDatabase(target);
    const asset = (address: string) => ({ address, eip712: { name: "USD Coin", version: "2" } });
    await seedDemoRoutes(db.prisma, {
      network: "eip155:84532",
      asset: asset("0x1111111111111111111111111111111111111111"),
      altAsset: asset("0x2222222222222222222222222222222222222222"),
      payTo: "0x3333333333333333333333333333333333333333",
    });
    await seedPayments(db.prisma, 3000, { days: 40 });
  });
  afterAll(async () => {
    await db?.close();
    await database?.stop();
  });

  /** The same totals computed the slow, obvious way. */
  async function direct(filter: PaymentFilter) {
    const where = paymentWhere(filter);
    const byStatus = await db.prisma.payment.groupBy({ by: ["status"], where, _count: { _all: true } });
    const settled = await db.prisma.payment.groupBy({ by: ["network", "asset"], where: { AND: [where, { status: "settled" }] }, _sum: { amount: true }, _count: { _all: true } });
    return {
      count: byStatus.reduce((n, s) => n + s._count._all, 0),
      byStatus: Object.fromEntries(byStatus.map((s) => [s.status, s._count._all])),
      settled: settled.map((s) => ({ network: s.network, asset: s.asset, amount: s._sum.amount!.toFixed(0), count: s._count._all })).sort((a, b) => a.asset.localeCompare(b.asset)),
    };
  }
  async function fromRollups(filter: PaymentFilter) {
    const t = await loadPaymentTotals(db.prisma, filter);
    return { ...t, settled: t.settled.map((s) => ({ ...s, amount: s.amount.toFixed(0) })).sort((a, b) => a.asset.localeCompare(b.asset)) };
  }

  async function filters(): Promise<PaymentFilter[]> {
    const route = await db.prisma.pricedRoute.findFirstOrThrow({ where: { pathPattern: "/articles/field-notes" } });
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    return [
      {},
      { route: route.id },
      { status: "failed" },
      { asset: "0x2222222222222222222222222222222222222222" },
      { from: day(10), to: day(3) },
      { route: route.id, status: "settled", from: day(20) },
      { status: "open" },
      { status: "open", from: day(10) },
    ];
  }

  it("daily totals equal a direct aggregate after a bulk insert", async () => {
    for (const f of await filters()) expect(await fromRollups(f)).toEqual(await direct(f));
  });

  it("stay equal through claims, settlements, failures, releases and route deletion", async () => {
    const route = await db.prisma.pricedRoute.findFirstOrThrow({ where: { pathPattern: "/api/demo/quote" } });
    const base = { routeId: route.id, resource: "https://shop.example/api/demo/quote", method: "GET", payer: "0x4444444444444444444444444444444444444444", scheme: "exact", network: "eip155:84532", asset: "0x1111111111111111111111111111111111111111", amount: "10000", payTo: "0x3333333333333333333333333333333333333333", x402Version: 2 };
    const a = (await reservePayment(db.prisma, { ...base, paymentKey: "k-a" }))!;
    const b = (await reservePayment(db.prisma, { ...base, paymentKey: "k-b" }))!;
    const c = (await reservePayment(db.prisma, { ...base, paymentKey: "k-c" }))!;
    expect(await reservePayment(db.prisma, { ...base, paymentKey: "k-a" })).toBeNull();
    await recordSettlement(db.prisma, a, { success: true, transaction: "0xabc", payer: base.payer });
    await recordSettlement(db.prisma, b, { success: false, transaction: "", errorReason: "invalid_exact_evm_insufficient_balance" });
    await releasePayment(db.prisma, c);
    for (const f of await filters()) expect(await fromRollups(f)).toEqual(await direct(f));

    const field = await db.prisma.pricedRoute.findFirstOrThrow({ where: { pathPattern: "/articles/field-notes" } });
    await deletePricedRoute(db.prisma, field.id, null);
    expect(await fromRollups({})).toEqual(await direct({}));
    const orphans = await db.prisma.payment.count({ where: { routeId: null } });
    expect(orphans).toBeGreaterThan(0);
    const orphanTotal = await db.prisma.paymentDailyTotal.aggregate({ where: { routeId: "" }, _sum: { count: true } });
    expect(Number(orphanTotal._sum.count)).toBe(orphans);
  });

  it("the Failed and Not yet resolved figures count the very lists they link to: failed ones of the period, open ones of any age", async () => {
    const route = await db.prisma.pricedRoute.findFirstOrThrow({ where: { pathPattern: "/api/demo/quote" } });
    const old = new Date(Date.now() - 45 * 86_400_000);
    const row = { routeId: route.id, resource: "https://shop.example/api/demo/quote", method: "GET", scheme: "exact", network: "eip155:84532", asset: "0x1111111111111111111111111111111111111111", amount: "10000", payTo: "0x3333333333333333333333333333333333333333", x402Version: 2, createdAt: old, updatedAt: old };
    // Older than the 30 days: an open payment still needs a look; a failed one is out of the period.
    for (const status of [...OPEN_STATUSES, "failed"] as const) await db.prisma.payment.create({ data: { ...row, status, paymentKey: `old-${status}` } });
    const since = new Date(Date.now() - 29 * 86_400_000);
    const lists = unsettledFilters(since.toISOString().slice(0, 10));
    const counts = await loadUnsettledCounts(db.prisma, since);
    expect(counts).toEqual({ failed: (await direct(lists.failed)).count, open: (await direct(lists.open)).count });
    expect(counts.open).toBe(await db.prisma.payment.count({ where: { status: { in: OPEN_STATUSES } } }));
    expect(counts.failed).toBe(await db.prisma.payment.count({ where: { status: "failed", createdAt: { gte: new Date(`${since.toISOString().slice(0, 10)}T00:00:00.000Z`) } } }));
    expect(await db.prisma.payment.count({ where: { ...paymentWhere(lists.open), paymentKey: { startsWith: "old-" } } })).toBe(OPEN_STATUSES.length);
    // The link's query reads back as the same filter.
    for (const filter of Object.values(lists)) expect(parsePaymentFilter(new URLSearchParams(paymentFilterQuery(filter)))).toEqual(filter);
  });

  it("revenue series from the rollups add up to the settled amounts", async () => {
    const from = new Date(Date.now() - 60 * 86_400_000);
    const to = new Date(Date.now() + 86_400_000);
    const series = await loadRevenueSeries(db.prisma, "week", from, to);
    const sum = series.reduce((n, p) => n + BigInt(p.amount.toFixed(0)), 0n);
    const settled = await db.prisma.payment.aggregate({ where: { status: "settled" }, _sum: { amount: true } });
    expect(sum).toBe(BigInt(settled._sum.amount!.toFixed(0)));
    for (const p of series) expect(p.bucket.getUTCDay()).toBe(1); // weeks start on Monday (UTC)
  });

  it("the dashboard's Older link walks every row once, payment ids of either kind (UUID claims, older cuids)", async () => {
    const route = await db.prisma.pricedRoute.findFirstOrThrow({ where: { pathPattern: "/api/demo/quote" } });
    const claim = { routeId: route.id, resource: "https://shop.example/api/demo/quote", method: "GET", payer: null, scheme: "exact", network: "eip155:84532", asset: "0x1111111111111111111111111111111111111111", amount: "10000", payTo: "0x3333333333333333333333333333333333333333", x402Version: 2 };
    const claimed = [];
    for (let i = 0; i < 30; i++) claimed.push((await reservePayment(db.prisma, { ...claim, paymentKey: `page-walk-${i}` }))!);
    expect(claimed.every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true);
    await db.prisma.payment.create({ data: { ...claim, id: "cl9x2y3z4a5b6c7d8e9f0g1h2", paymentKey: "page-walk-cuid", status: "pending" } });
    const filter = { route: route.id, status: "pending" as const };
    const seen: string[] = [];
    let cursor: PaymentCursor | null = null;
    do {
      const page = await loadPaymentsPage(db.prisma, filter, cursor, 7);
      seen.push(...page.rows.map((r) => r.id));
      // What the link carries: the cursor as text in the URL, read back by the next request.
      cursor = page.next ? decodeCursor(new URL(`http://x/?cursor=${encodeCursor(page.next)}`).searchParams.get("cursor")) : null;
      if (page.next) expect(cursor).toEqual(page.next);
    } while (cursor);
    expect(seen.sort()).toEqual((await db.prisma.payment.findMany({ where: paymentWhere(filter), select: { id: true } })).map((r) => r.id).sort());
    expect(seen).toEqual(expect.arrayContaining([...claimed, "cl9x2y3z4a5b6c7d8e9f0g1h2"]));
    // Anything else in the link is no cursor: the first page.
    for (const junk of ["", "!!", encodeCursor({ createdAt: new Date(), id: "x" }).slice(0, -2), Buffer.from("2026-01-01T00:00:00Z|DROP TABLE").toString("base64url")]) expect(decodeCursor(junk)).toBeNull();
  });

  it("reads any filter a URL can carry without a database error (fuzz)", async () => {
    const keys = ["route", "status", "network", "asset", "payer", "from", "to", "q"] as const;
    const value = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.constantFrom("0000-01-01", "9999-12-31", "1969-12-31", "1970-01-01", "9998-12-31", "2026-02-30", "\u0000", "0x\u0000", "%00", "settled", "open", "eip155:84532", " 0xABC ", "   "),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), value), async (params) => {
        const filter = parsePaymentFilter(new URLSearchParams(params));
        // A link the dashboard writes for this filter reads back as the same filter.
        expect(parsePaymentFilter(new URLSearchParams(paymentFilterQuery(filter)))).toEqual(filter);
        await loadPaymentsPage(db.prisma, filter, null, 5);
        await loadPaymentTotals(db.prisma, filter);
        for await (const batch of iteratePayments(db.prisma, filter, 5)) {
          expect(batch.length).toBeLessThanOrEqual(5);
          break;
        }
      }),
      { numRuns: 150 },
    );
    // The bounds themselves are kept; what lies beyond is dropped (the filter shows unset).
    expect(parsePaymentFilter(new URLSearchParams({ from: "1970-01-01", to: "9998-12-31" }))).toEqual({ from: "1970-01-01", to: "9998-12-31" });
    expect(parsePaymentFilter(new URLSearchParams({ from: "0000-01-01", to: "9999-12-31", payer: "0x\u0000", q: "a\u0000" }))).toEqual({});
  });

  it("keyset pages walk every row of a filtered set once, newest first", async () => {
    for (const filter of [{}, { status: "settled" as const }]) {
      const seen: { id: string; createdAt: Date }[] = [];
      for await (const batch of iteratePayments(db.prisma, filter, 97)) seen.push(...batch);
      expect(seen).toHaveLength(await db.prisma.payment.count({ where: paymentWhere(filter) }));
      expect(new Set(seen.map((r) => r.id)).size).toBe(seen.length);
      for (let i = 1; i < seen.length; i++) {
        const [prev, cur] = [seen[i - 1]!, seen[i]!];
        expect(prev.createdAt > cur.createdAt || (prev.createdAt.getTime() === cur.createdAt.getTime() && prev.id > cur.id)).toBe(true);
      }
    }
  });
});
