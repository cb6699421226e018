import { randomBytes } from "node:crypto";
import { getAddress } from "viem";
import type { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * Writes `count` realistic payments for judging the dashboard at scale (development and
 * benchmarks only; never production): spread over the last `days` days up to `now` (none
 * later) with a daily rhythm, across every payment option of every priced route, from a pool of
 * 2,000 payers, 96% settled, 3% failed with a reason, 1% pending. Generated inside the database
 * in batches of 100,000 rows (one INSERT … SELECT generate_series each), so a million rows take
 * seconds, not minutes.
 *
 * @returns the number of rows written.
 * @throws Error when there is no priced route to attach payments to.
 */
export async function seedPayments(db: PrismaClient, count: number, { days = 90, now = new Date() } = {}): Promise<number> {
  const options = await db.paymentOption.findMany({ include: { route: true }, orderBy: { id: "asc" } });
  if (options.length === 0) throw new Error("No priced routes: seed the demo routes first");
  const payers = Array.from({ length: 2000 }, () => getAddress(`0x${randomBytes(20).toString("hex")}`));
  const run = randomBytes(4).toString("hex");
  const o = {
    routeIds: options.map((x) => x.routeId),
    methods: options.map((x) => (x.route.method === "*" ? "GET" : x.route.method)),
    paths: options.map((x) => x.route.pathPattern.replace(/:([A-Za-z_]\w*)/g, "$1-1").replace(/\*$/, "item")),
    networks: options.map((x) => x.network),
    assets: options.map((x) => x.asset),
    amounts: options.map((x) => x.amount.toFixed(0)),
    payTos: options.map((x) => x.payTo),
  };
  const n = options.length;
  const spanSeconds = days * 86_400;
  const end = now.toISOString();
  let written = 0;
  for (let start = 0; start < count; start += 100_000) {
    const size = Math.min(100_000, count - start);
    written += await db.$executeRaw`
      WITH g AS (
        SELECT i,
               1 + (i % ${n}) AS opt,
               -- skewed towards recent days, with a daytime bump; never after now (the bump
               -- would otherwise date the newest rows up to an hour ahead, into tomorrow late in a UTC day)
               LEAST((${end}::timestamptz AT TIME ZONE 'UTC')
                 - make_interval(secs => floor(power(random(), 1.6) * ${spanSeconds})::int)
                 + make_interval(secs => floor(sin(random() * pi()) * 3600)::int),
                 (${end}::timestamptz AT TIME ZONE 'UTC')) AS at,
               random() AS r
        FROM generate_series(${start}::int, ${start + size - 1}::int) AS i
      )
      INSERT INTO "Payment" ("id", "routeId", "resource", "method", "payer", "scheme", "network", "asset", "amount", "payTo",
                             "transaction", "status", "errorReason", "x402Version", "paymentKey", "createdAt", "updatedAt", "settledAt")
      SELECT 'seed' || ${run} || lpad(i::text, 10, '0'),
             (${o.routeIds}::text[])[opt],
             'https://shop.example' || (${o.paths}::text[])[opt],
             (${o.methods}::text[])[opt],
             (${payers}::text[])[1 + floor(power(random(), 2) * 2000)::int],
             'exact',
             (${o.networks}::text[])[opt],
             (${o.assets}::text[])[opt],
             ((${o.amounts}::text[])[opt])::numeric,
             (${o.payTos}::text[])[opt],
             CASE WHEN r < 0.99 THEN '0x' || md5(${run} || i::text) || md5(i::text || ${run}) END,
             (CASE WHEN r < 0.96 THEN 'settled' WHEN r < 0.99 THEN 'failed' ELSE 'pending' END)::"PaymentStatus",
             CASE WHEN r >= 0.96 AND r < 0.99 THEN 'invalid_exact_evm_insufficient_balance' END,
             CASE WHEN i % 10 = 0 THEN 1 ELSE 2 END,
             md5('key' || ${run} || i::text) || md5(${run} || 'key' || i::text),
             at, at,
             CASE WHEN r < 0.96 THEN at + interval '2 seconds' END
      FROM g`;
  }
  return written;
}
