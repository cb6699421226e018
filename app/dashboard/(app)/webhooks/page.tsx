import Link from "next/link";
import { DataTable } from "@/components/dashboard/data-table";
import { WebhookEndpointForm } from "@/components/dashboard/webhook-endpoint-form";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { loadEndpoints } from "@/lib/webhooks/data";

export const dynamic = "force-dynamic";
export const metadata = { title: "Webhooks" };

export default async function WebhooksPage() {
  await requireMerchantPage();
  const endpoints = await loadEndpoints(await getDb());
  return (
    <main>
      <h1 className="text-2xl font-bold">Webhooks</h1>
      <p className="mt-2 max-w-3xl text-sm text-stone-600">
        Tollgate POSTs a signed event to each endpoint when a payment settles, fails, or is resolved later by reconciliation. Deliveries follow the{" "}
        <a className="text-amber-800 underline" href="https://www.standardwebhooks.com/">
          Standard Webhooks
        </a>{" "}
        spec (verify them with any Standard Webhooks library) and are retried with exponential backoff for up to 3 days.
      </p>
      <DataTable
        columns={[
          "Endpoint",
          { label: "Events", className: "hidden md:table-cell" },
          { label: "Delivered", className: "hidden sm:table-cell" },
          { label: "Queued", className: "hidden sm:table-cell" },
          "Failed",
          "State",
        ]}
      >
        {endpoints.length === 0 && (
          <tr>
            <td colSpan={6} className="px-3 py-6 text-center text-stone-600">
              No endpoints yet. Add one below, or declare them in WEBHOOK_ENDPOINTS.
            </td>
          </tr>
        )}
        {endpoints.map((e) => (
          <tr key={e.id} className="border-b border-stone-100 last:border-0" data-testid="webhook-row">
            <td className="px-3 py-2">
              <Link href={`/dashboard/webhooks/${e.id}`} className="break-all font-mono text-amber-800 hover:underline">
                {e.url}
              </Link>
              <div className="text-xs text-stone-600 sm:hidden">
                {e.delivered.toLocaleString("en-US")} delivered · {e.pending.toLocaleString("en-US")} queued
              </div>
              <div className="text-xs text-stone-600">
                {e.description}
                {e.source === "config" && <span className="ml-1 rounded bg-stone-100 px-1">from WEBHOOK_ENDPOINTS (read-only)</span>}
              </div>
            </td>
            <td className="hidden px-3 py-2 font-mono text-xs md:table-cell">{e.events.join(", ")}</td>
            <td className="hidden px-3 py-2 sm:table-cell">{e.delivered.toLocaleString("en-US")}</td>
            <td className="hidden px-3 py-2 sm:table-cell">{e.pending.toLocaleString("en-US")}</td>
            <td className="px-3 py-2">{e.failed > 0 ? <span className="text-red-800">{e.failed.toLocaleString("en-US")}</span> : 0}</td>
            <td className="px-3 py-2">{e.enabled ? <span className="text-emerald-800">enabled</span> : <span className="text-stone-600">disabled</span>}</td>
          </tr>
        ))}
      </DataTable>
      <h2 className="mt-8 text-lg font-semibold">Add an endpoint</h2>
      <div className="mt-2 max-w-2xl">
        <WebhookEndpointForm id={null} />
      </div>
    </main>
  );
}
