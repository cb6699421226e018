import Link from "next/link";
import { FacilitatorAccounts } from "@/components/dashboard/facilitator-accounts";
import { RevenueChart, type ChartRow } from "@/components/dashboard/revenue-chart";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { assetKey, describeAssets, formatAssetAmount } from "@/lib/payments/display";
import { loadRevenueSeries, loadRevenueSince, type RevenueWindow } from "@/lib/payments/data";
import { formatAmount } from "@/lib/paywall/format";
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
  const [today, week, month, series, routes, facilitatorAccounts] = await Promise.all([
    loadRevenueSince(db, todayStart),
    loadRevenueSince(db, new Date(todayStart.getTime() - 6 * DAY)),
    loadRevenueSince(db, new Date(todayStart.getTime() - 29 * DAY)),
    loadRevenueSeries(db, bucket, from, new Date(todayStart.getTime() + DAY)),
    loadRoutesForDashboard(db),
    loadFacilitatorAccounts(),
  ]);
  const assets = await describeAssets([...month.amounts, ...series]);
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
  const seriesNames = new Set<string>();
  for (const p of series) {
    const display = assets.get(assetKey(p.network, p.asset));
    const symbol = display?.symbol ?? p.asset;
    const name = split === "asset" ? `${symbol} · ${display?.networkName ?? p.network}` : `${p.routeId ? (routeLabel.get(p.routeId) ?? "deleted route") : "deleted route"} (${symbol})`;
    const label = p.bucket.toISOString().slice(0, 10);
    const row = rowsByBucket.get(label) ?? { bucket: label };
    const value = display?.decimals != null ? Number(formatAmount(p.amount.toFixed(0), display.decimals)) : Number(p.amount.toFixed(0));
    row[name] = Number(((Number(row[name] ?? 0) as number) + value).toFixed(6));
    rowsByBucket.set(label, row);
    seriesNames.add(name);
  }

  const windowText = (w: RevenueWindow) =>
    w.amounts.length ? w.amounts.map((a) => formatAssetAmount(a.amount, assets.get(assetKey(a.network, a.asset)))).join(" + ") : "0";
  const kpis = [
    { label: "Today (UTC)", value: windowText(today), testid: "kpi-today" },
    { label: "Last 7 days", value: windowText(week), testid: "kpi-7d" },
    { label: "Last 30 days", value: windowText(month), testid: "kpi-30d" },
    { label: "Payments (30 days)", value: month.count.toLocaleString("en-US"), testid: "kpi-count" },
    { label: "Unique payers (30 days)", value: month.payers.toLocaleString("en-US"), testid: "kpi-payers" },
  ];
  const link = (over: Record<string, string>) => `/dashboard?${new URLSearchParams({ bucket, split, ...over })}`;

  return (
    <main>
      <h1 className="text-2xl font-bold">Revenue</h1>
      <FacilitatorAccounts accounts={facilitatorAccounts} />
      <dl className="mt-6 grid grid-cols-2 gap-3 md:grid-cols-5">
        {kpis.map((k) => (
          <div key={k.label} className="rounded-xl border border-stone-200 bg-white p-4">
            <dt className="text-xs font-medium uppercase tracking-wide text-stone-600">{k.label}</dt>
            <dd className="mt-1 text-lg font-semibold" data-testid={k.testid}>
              {k.value}
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
        <div className="mt-4">
          <RevenueChart rows={[...rowsByBucket.values()]} series={[...seriesNames]} />
        </div>
      </section>
    </main>
  );
}
