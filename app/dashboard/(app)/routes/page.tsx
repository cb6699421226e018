import Link from "next/link";
import { DataTable } from "@/components/dashboard/data-table";
import { RouteRowActions } from "@/components/dashboard/route-row-actions";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { assetKey, describeAssets, formatAssetAmount } from "@/lib/payments/display";
import { loadRoutesForDashboard } from "@/lib/routes/data";
import { paymentFilterQuery } from "@/lib/payments/schema";
import { ROUTE_STATE_COPY } from "@/lib/routes/schema";

export const dynamic = "force-dynamic";

const STATE_STYLE = { charging: "text-emerald-800", free: "text-amber-800", blocked: "text-red-800" } as const;
export const metadata = { title: "Routes" };

export default async function RoutesPage() {
  await requireMerchantPage();
  const routes = await loadRoutesForDashboard(await getDb());
  const assets = await describeAssets(routes.flatMap((r) => r.paymentOptions));
  return (
    <main>
      <div className="flex items-end gap-3">
        <h1 className="mr-auto text-2xl font-bold">Priced routes</h1>
        <Link href="/dashboard/routes/new" className="rounded-lg bg-stone-900 px-4 py-2 text-sm font-semibold text-white">
          New route
        </Link>
      </div>
      <p className="mt-2 text-sm text-stone-600">Changes apply to the next request; no restart or deploy.</p>
      <DataTable columns={["Route", { label: "Kind", className: "hidden md:table-cell" }, "Price", { label: "Paid", className: "hidden sm:table-cell" }, { label: "State", className: "hidden md:table-cell" }, { label: "", className: "hidden md:table-cell" }]}>
        {routes.map((r) => {
          const label = `${r.method} ${r.pathPattern}`;
          return (
            <tr key={r.id} className="border-b border-stone-100 last:border-0" data-testid="route-row">
              <td className="px-3 py-2">
                <Link href={`/dashboard/routes/${r.id}`} className="font-mono text-amber-800 hover:underline">
                  {label}
                </Link>
                <div className="text-xs text-stone-600">{r.description}</div>
                {/* Phones: state and actions under the route (their columns are hidden there). */}
                <div className="mt-2 space-y-1 md:hidden">
                  <span className={`text-sm ${STATE_STYLE[r.state]}`} data-testid="route-state-compact">
                    {r.state}
                  </span>
                  <RouteRowActions id={r.id} state={r.state} label={label} align="start" />
                </div>
              </td>
              <td className="hidden px-3 py-2 md:table-cell">
                {r.kind}
                {r.kind === "api" && r.paymentIdentifier !== "off" && (
                  <div className="text-xs text-stone-600" title="payment-identifier extension: retries with the same id are answered once, charged once">
                    payment-identifier{r.paymentIdentifier === "required" ? " (required)" : ""}
                  </div>
                )}
                {r.kind === "api" && r.siwxAccess && (
                  <div className="text-xs text-stone-600" data-testid="route-access">
                    sells {Math.round(r.accessWindowSeconds / 360) / 10} h of access · {r._count.entitlements.toLocaleString("en-US")} in force
                  </div>
                )}
                {r.kind === "api" && !r.settleAfterComplete && <div className="text-xs text-stone-600">streamed</div>}
                {r.kind === "api" && r.freeQuota > 0 && (
                  <div className="text-xs text-stone-600">
                    {r.freeQuota} free per caller per {Math.round(r.freeQuotaWindowSeconds / 360) / 10} h
                  </div>
                )}
              </td>
              <td className="px-3 py-2">
                {/* One option a line: the amount whole, its network under it (a phone's column is narrow; on wider screens it stays on one line). */}
                {r.paymentOptions.map((o) => {
                  const asset = assets.get(assetKey(o.network, o.asset));
                  return (
                    <div key={o.id} className="[&:not(:first-child)]:mt-1">
                      <span className="whitespace-nowrap">{formatAssetAmount(o.amount, asset)}</span>{" "}
                      <span className="block text-xs text-stone-600 md:whitespace-nowrap">on {asset?.networkName}</span>
                    </div>
                  );
                })}
              </td>
              <td className="hidden px-3 py-2 sm:table-cell">
                <Link href={`/dashboard/payments${paymentFilterQuery({ route: r.id, status: "settled" })}`} className="underline decoration-stone-300 hover:decoration-stone-700" aria-label={`${r._count.payments} settled ${r._count.payments === 1 ? "payment" : "payments"}`} data-testid="route-paid">
                  {r._count.payments.toLocaleString("en-US")}
                </Link>
              </td>
              <td className="hidden px-3 py-2 md:table-cell" data-testid="route-state">
                <span className={STATE_STYLE[r.state]} title={ROUTE_STATE_COPY[r.state].help}>
                  {r.state}
                </span>
              </td>
              {/* Wide enough for the three buttons on one line; an error message wraps under them. */}
              <td className="hidden px-3 py-2 md:table-cell">
                <div className="min-w-[13rem]">
                  <RouteRowActions id={r.id} state={r.state} label={label} />
                </div>
              </td>
            </tr>
          );
        })}
        {routes.length === 0 && (
          <tr>
            <td colSpan={6} className="px-3 py-10 text-center text-stone-600">
              No priced routes yet.
            </td>
          </tr>
        )}
      </DataTable>
    </main>
  );
}
