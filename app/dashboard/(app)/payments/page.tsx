import Link from "next/link";
import { z } from "zod";
import { DataTable } from "@/components/dashboard/data-table";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { LedgerHealth } from "@/components/dashboard/ledger-health";
import { env } from "@/lib/env";
import { loadFilterChoices, loadLedgerHealth, loadPaymentsPage, loadPaymentTotals } from "@/lib/payments/data";
import { assetKey, describeAssets, formatAssetAmount } from "@/lib/payments/display";
import { explainFailure } from "@/lib/payments/failure";
import { decodeCursor, encodeCursor, parsePaymentFilter, paymentFilterQuery } from "@/lib/payments/schema";
import { shortAddress, utcTimestamp } from "@/lib/paywall/format";

export const dynamic = "force-dynamic";
export const metadata = { title: "Payments" };

type Search = Promise<Record<string, string | string[] | undefined>>;

const STATUS_STYLE: Record<string, string> = {
  settled: "bg-emerald-100 text-emerald-900",
  failed: "bg-red-100 text-red-900",
  pending: "bg-amber-100 text-amber-900",
  settling: "bg-amber-100 text-amber-900",
  unknown: "bg-orange-200 text-orange-950",
};

export default async function PaymentsPage({ searchParams }: { searchParams: Search }) {
  await requireMerchantPage();
  const params = await searchParams;
  const filter = parsePaymentFilter(params);
  const cursor = decodeCursor(typeof params.cursor === "string" ? params.cursor : undefined);
  // How many rows come before this page (carried by the "Older" link; only labels the range).
  const start = cursor ? z.coerce.number().int().min(0).max(1e12).catch(0).parse(params.start) : 0;
  const db = await getDb();
  const [page, totals, choices, health] = await Promise.all([
    loadPaymentsPage(db, filter, cursor),
    loadPaymentTotals(db, filter),
    loadFilterChoices(db),
    // Audited RECONCILE_AFTER_MS after settling, on a pass every RECONCILE_INTERVAL_MS: a margin of two passes.
    loadLedgerHealth(db, { unconfirmedBefore: new Date(Date.now() - env().reconcileAfterMs - 2 * Math.max(env().reconcileIntervalMs, 60_000)) }),
  ]);
  const assets = await describeAssets([...choices.assets, ...page.rows]);
  const input = "mt-1 w-full rounded border border-stone-300 bg-white px-2 py-1.5 text-sm";

  return (
    <main>
      <div className="flex flex-wrap items-end gap-3">
        <h1 className="mr-auto text-2xl font-bold">Payments</h1>
        <a href={`/dashboard/payments/export${paymentFilterQuery(filter)}`} className="rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm font-medium hover:bg-stone-100" download>
          Export CSV
        </a>
      </div>

      <LedgerHealth health={health} />

      <form method="get" className="mt-6 grid grid-cols-2 gap-3 rounded-xl border border-stone-200 bg-white p-4 md:grid-cols-4" aria-label="Filters">
        <label className="text-xs font-medium text-stone-600">
          Route
          <select name="route" defaultValue={filter.route ?? ""} className={input}>
            <option value="">All routes</option>
            {choices.routes.map((r) => (
              <option key={r.id} value={r.id}>{`${r.method} ${r.pathPattern}`}</option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-stone-600">
          Status
          <select name="status" defaultValue={filter.status ?? ""} className={input}>
            <option value="">Any status</option>
            <option value="open">Not yet resolved (pending, settling or unknown)</option>
            <option value="settled">Settled</option>
            <option value="failed">Failed</option>
            <option value="pending">Pending (handler running, or left by a stopped server)</option>
            <option value="settling">Settling</option>
            <option value="unknown">Unknown (awaiting the chain)</option>
          </select>
        </label>
        <label className="text-xs font-medium text-stone-600">
          Network
          <select name="network" defaultValue={filter.network ?? ""} className={input}>
            <option value="">All networks</option>
            {[...new Set(choices.assets.map((a) => a.network))].map((n) => (
              <option key={n} value={n}>{assets.get(assetKey(n, choices.assets.find((a) => a.network === n)!.asset))?.networkName ?? n}</option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-stone-600">
          Asset
          <select name="asset" defaultValue={filter.asset ?? ""} className={input}>
            <option value="">All assets</option>
            {choices.assets.map((a) => (
              <option key={assetKey(a.network, a.asset)} value={a.asset}>{`${assets.get(assetKey(a.network, a.asset))?.symbol ?? shortAddress(a.asset)} (${shortAddress(a.asset)})`}</option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium text-stone-600">
          Payer
          <input name="payer" defaultValue={filter.payer ?? ""} placeholder="0x… or base58" className={input} />
        </label>
        <label className="text-xs font-medium text-stone-600">
          From (UTC)
          <input name="from" defaultValue={filter.from ?? ""} className={`${input} font-mono`} placeholder="YYYY-MM-DD" pattern="\d{4}-\d{2}-\d{2}" title="A UTC day as YYYY-MM-DD" inputMode="numeric" />
        </label>
        <label className="text-xs font-medium text-stone-600">
          To (UTC)
          <input name="to" defaultValue={filter.to ?? ""} className={`${input} font-mono`} placeholder="YYYY-MM-DD" pattern="\d{4}-\d{2}-\d{2}" title="A UTC day as YYYY-MM-DD" inputMode="numeric" />
        </label>
        <label className="text-xs font-medium text-stone-600">
          Search
          <input name="q" type="search" defaultValue={filter.q ?? ""} placeholder="Transaction hash or payer" className={input} />
        </label>
        <div className="col-span-2 flex gap-2 md:col-span-4">
          <button type="submit" className="rounded-lg bg-stone-900 px-4 py-2 text-sm font-semibold text-white">
            Apply filters
          </button>
          <Link href="/dashboard/payments" className="rounded-lg px-4 py-2 text-sm text-stone-700 hover:bg-stone-100">
            Clear
          </Link>
        </div>
      </form>

      <section aria-label="Totals" className="mt-4 flex flex-wrap gap-x-6 gap-y-1 text-sm text-stone-700" data-testid="payment-totals">
        <span>
          <strong>{totals.count.toLocaleString("en-US")}</strong> {totals.count === 1 ? "payment" : "payments"}
        </span>
        {Object.entries(totals.byStatus).map(([status, n]) => (
          <span key={status}>
            {n.toLocaleString("en-US")} {status}
          </span>
        ))}
        {totals.settled.map((t) => (
          <span key={assetKey(t.network, t.asset)}>
            Settled: <strong>{formatAssetAmount(t.amount, assets.get(assetKey(t.network, t.asset)))}</strong> on {assets.get(assetKey(t.network, t.asset))?.networkName}
          </span>
        ))}
      </section>

      <p className="mt-4 text-sm text-stone-700" data-testid="payments-range">
        {page.rows.length === 0 ? "No payments" : `${(start + 1).toLocaleString("en-US")}–${(start + page.rows.length).toLocaleString("en-US")} of ${totals.count.toLocaleString("en-US")}`}
      </p>
      <DataTable columns={["Time (UTC)", { label: "Route", className: "hidden sm:table-cell" }, "Amount", { label: "Payer", className: "hidden md:table-cell" }, "Status", { label: "Transaction", className: "hidden lg:table-cell" }]} className="mt-2">
        {page.rows.map((p) => (
          <tr key={p.id} className={`border-b border-stone-100 last:border-0 hover:bg-stone-50 ${p.status === "failed" ? "bg-stone-50 text-stone-600" : ""}`} data-testid="payment-row">
            <td className="whitespace-nowrap px-3 py-2">
              <Link href={`/dashboard/payments/${p.id}`} className="text-amber-800 hover:underline">
                {utcTimestamp(p.createdAt)}
              </Link>
            </td>
            <td className="hidden px-3 py-2 font-mono text-xs sm:table-cell">{p.route ? `${p.route.method} ${p.route.pathPattern}` : new URL(p.resource).pathname}</td>
            <td className="whitespace-nowrap px-3 py-2">{formatAssetAmount(p.amount, assets.get(assetKey(p.network, p.asset)))}</td>
            <td className="hidden px-3 py-2 font-mono text-xs md:table-cell">{p.payer ? shortAddress(p.payer) : "—"}</td>
            <td className="px-3 py-2">
              <span className={`rounded px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[p.status]}`}>{p.status}</span>
              {p.status === "failed" && (
                <div className="mt-1 max-w-xs text-xs" data-testid="failure-reason" title={p.errorReason ?? undefined}>
                  {explainFailure(p.errorReason).summary}
                </div>
              )}
            </td>
            <td className="hidden px-3 py-2 font-mono text-xs lg:table-cell">{p.transaction ? shortAddress(p.transaction) : "—"}</td>
          </tr>
        ))}
        {page.rows.length === 0 && (
          <tr>
            <td colSpan={6} className="px-3 py-10 text-center text-stone-600">
              No payments match these filters.
            </td>
          </tr>
        )}
      </DataTable>
      <nav className="mt-4 flex gap-3 text-sm" aria-label="Pages">
        {cursor && (
          <Link href={`/dashboard/payments${paymentFilterQuery(filter)}`} className="rounded border border-stone-300 bg-white px-3 py-1.5 hover:bg-stone-100">
            Newest
          </Link>
        )}
        {page.next && (
          <Link href={`/dashboard/payments${paymentFilterQuery(filter, { cursor: encodeCursor(page.next), start: String(start + page.rows.length) })}`} className="rounded border border-stone-300 bg-white px-3 py-1.5 hover:bg-stone-100">
            Older payments →
          </Link>
        )}
      </nav>
    </main>
  );
}
