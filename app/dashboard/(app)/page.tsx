import Link from "next/link";
import { FacilitatorAccounts } from "@/components/dashboard/facilitator-accounts";
import { RevenueChart, type ChartRow } from "@/components/dashboard/revenue-chart";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { assetKey, changeInWords, describeAssets, revenueLines } from "@/lib/payments/display";
import { loadRevenueSeries, loadRevenueSince, loadUnsettledCounts } from "@/lib/payments/data";
import { formatAmount } from "@/lib/paywall/format";
import { paymentFilterQuery, unsettledFilters } from "@/lib/payments/schema";
import { loadRoutesForDashboard } from "@/lib/routes/data";
import { loadFacilitatorAccounts } from "@/lib/facilitator/accounts";

export const dynamic = "force-dynamic";
export const metadata = { title: "Revenue" };

const DAY = 86_400_000;

type Search = Promise<Record<string, string | string[] | undefined>>;

export default async function RevenuePage({ searchParams }: { searchParams: Search }) {
  await requireMerchantPage();
  const params = await searchParams;
  const bucket = params.bucket === "week" ? "week" : "day";
  const split = params.split === "asset" ? "asset" : "route";
  const db = await getDb();
  const now = new Date();
  const todayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const from = new Date(todayStart.getTime() - (bucket === "week" ? 12 * 7 : 30) * DAY);
  const weekStart = new Date(todayStart.getTime() - 6 * DAY);
  const monthStart = new Date(todayStart.getTime() - 29 * DAY);
  const [today, yesterday, week, prevWeek, month, prevMonth, unsettled, series, routes, facilitatorAccounts] = await Promise.all([
    loadRevenueSince(db, todayStart),
    loadRevenueSince(db, new Date(todayStart.getTime() - DAY), todayStart),
    loadRevenueSince(db, weekStart),
    loadRevenueSince(db, new Date(weekStart.getTime() - 7 * DAY), weekStart),
    loadRevenueSince(db, monthStart),
    loadRevenueSince(db, new Date(monthStart.getTime() - 30 * DAY), monthStart),
    loadUnsettledCounts(db, monthStart),
    loadRevenueSeries(db, bucket, from, new Date(todayStart.getTime() + DAY)),
    loadRoutesForDashboard(db),
    loadFacilitatorAccounts(),
  ]);
  const pricedIn = routes.flatMap((r) => r.paymentOptions);
  const assets = await describeAssets([...month.amounts, ...prevMonth.amounts, ...series, ...pricedIn]);
  const routeLabel = new Map(routes.map((r) => [r.id, `${r.method} ${r.pathPattern}`]));

  // Every day (or Monday-started week, as date_trunc counts them) of the period gets a bar slot,
  // so quiet days show as gaps rather than disappearing.
  const rowsByBucket = new Map<string, ChartRow>();
  const step = bucket === "week" ? 7 * DAY : DAY;
  let slot = bucket === "week" ? from.getTime() - ((from.getUTCDay() + 6) % 7) * DAY : from.getTime();
  for (; slot <= todayStart.getTime(); slot += step) {
    const label = new Date(slot).toISOString().slice(0, 10);
    rowsByBucket.set(label, { bucket: label });
  }
  // Money is never added across assets: one chart per unit (token symbol), its axis labelled.
  const charts = new Map<string, { rows: Map<string, ChartRow>; series: Set<string> }>();
  for (const p of series) {
    const display = assets.get(assetKey(p.network, p.asset));
    const unit = display?.decimals != null ? display.symbol : `${p.asset} (atomic units)`;
    const chart = charts.get(unit) ?? { rows: new Map([...rowsByBucket].map(([k, v]) => [k, { ...v }])), series: new Set<string>() };
    charts.set(unit, chart);
    const name = split === "asset" ? `${display?.symbol ?? p.asset} · ${display?.networkName ?? p.network}` : p.routeId ? (routeLabel.get(p.routeId) ?? "deleted route") : "deleted route";
    const label = p.bucket.toISOString().slice(0, 10);
    const row = chart.rows.get(label) ?? { bucket: label };
    const value = display?.decimals != null ? Number(formatAmount(p.amount.toFixed(0), display.decimals)) : Number(p.amount.toFixed(0));
    row[name] = Number(((Number(row[name] ?? 0) as number) + value).toFixed(6));
    chart.rows.set(label, row);
    chart.series.add(name);
  }

  const money = [
    { label: "Today (UTC)", lines: revenueLines(today.amounts, yesterday.amounts, assets, "yesterday", pricedIn), testid: "kpi-today" },
    { label: "Last 7 days", lines: revenueLines(week.amounts, prevWeek.amounts, assets, "the 7 days before", pricedIn), testid: "kpi-7d" },
    { label: "Last 30 days", lines: revenueLines(month.amounts, prevMonth.amounts, assets, "the 30 days before", pricedIn), testid: "kpi-30d" },
  ];
  // The figures count exactly the lists they link to.
  const unsettledLists = unsettledFilters(monthStart.toISOString().slice(0, 10));
  const counts = [
    { label: "Payments (30 days)", value: month.count.toLocaleString("en-US"), change: changeInWords(month.count, prevMonth.count, "the 30 days before"), testid: "kpi-count" },
    { label: "Unique payers (30 days)", value: month.payers.toLocaleString("en-US"), change: changeInWords(month.payers, prevMonth.payers, "the 30 days before"), testid: "kpi-payers" },
    { label: "Failed (30 days)", value: unsettled.failed.toLocaleString("en-US"), change: null, testid: "kpi-failed", href: `/dashboard/payments${paymentFilterQuery(unsettledLists.failed)}` },
    { label: "Not yet resolved", value: unsettled.open.toLocaleString("en-US"), change: null, testid: "kpi-open", href: `/dashboard/payments${paymentFilterQuery(unsettledLists.open)}` },
  ];
  const link = (over: Record<string, string>) => `/dashboard?${new URLSearchParams({ bucket, split, ...over })}`;

  return (
    <main>
      <h1 className="text-2xl font-bold">Revenue</h1>
      <FacilitatorAccounts accounts={facilitatorAccounts} />
      <dl className="mt-6 grid grid-cols-1 gap-3 sm:grid-cols-3">
        {money.map((k) => (
          <div key={k.label} className="rounded-xl border border-stone-200 bg-white p-4">
            <dt className="text-xs font-medium uppercase tracking-wide text-stone-600">{k.label}</dt>
            <dd className="mt-1" data-testid={k.testid}>
              {k.lines.map((l) => (
                <div key={l.key}>
                  <span className="text-lg font-semibold">{l.text}</span>
                  {l.change && <span className="ml-2 text-xs text-stone-600">{l.change}</span>}
                </div>
              ))}
            </dd>
          </div>
        ))}
      </dl>
      <dl className="mt-3 grid grid-cols-2 gap-3 md:grid-cols-4">
        {counts.map((k) => (
          <div key={k.label} className="rounded-xl border border-stone-200 bg-white p-4">
            <dt className="text-xs font-medium uppercase tracking-wide text-stone-600">{k.label}</dt>
            <dd className="mt-1">
              {k.href ? (
                <Link href={k.href} className="text-lg font-semibold underline decoration-stone-300 hover:decoration-stone-700" data-testid={k.testid}>
                  {k.value}
                </Link>
              ) : (
                <span className="text-lg font-semibold" data-testid={k.testid}>
                  {k.value}
                </span>
              )}
              {k.change && <span className="ml-2 text-xs text-stone-600">{k.change}</span>}
            </dd>
          </div>
        ))}
      </dl>
      <section className="mt-8 rounded-xl border border-stone-200 bg-white p-4">
        <div className="flex flex-wrap items-center gap-4 text-sm">
          <h2 className="mr-auto font-semibold">Settled revenue by {bucket} (UTC)</h2>
          <span>
            Per{" "}
            {(["day", "week"] as const).map((b) => (
              <Link key={b} href={link({ bucket: b })} aria-current={bucket === b ? "page" : undefined} className={`ml-1 rounded px-2 py-0.5 ${bucket === b ? "bg-stone-900 text-white" : "hover:bg-stone-100"}`}>
                {b}
              </Link>
            ))}
          </span>
          <span>
            Split by{" "}
            {(["route", "asset"] as const).map((s) => (
              <Link key={s} href={link({ split: s })} aria-current={split === s ? "page" : undefined} className={`ml-1 rounded px-2 py-0.5 ${split === s ? "bg-stone-900 text-white" : "hover:bg-stone-100"}`}>
                {s === "asset" ? "network / asset" : "route"}
              </Link>
            ))}
          </span>
        </div>
        {charts.size === 0 ? (
          <p className="py-16 text-center text-sm text-stone-600">No settled payments in this period.</p>
        ) : (
          [...charts].map(([unit, chart]) => (
            <div key={unit} className="mt-4">
              <h3 className="text-sm font-semibold text-stone-700">In {unit}</h3>
              <RevenueChart unit={unit} rows={[...chart.rows.values()]} series={[...chart.series]} />
            </div>
          ))
        )}
      </section>
    </main>
  );
}
