import Link from "next/link";
import { notFound } from "next/navigation";
import { DataTable } from "@/components/dashboard/data-table";
import { RefreshWhilePending, ResendButton, WebhookEndpointActions, WebhookSecret } from "@/components/dashboard/webhook-actions";
import { WebhookEndpointForm } from "@/components/dashboard/webhook-endpoint-form";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { loadEndpointWithLog } from "@/lib/webhooks/data";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "@/lib/webhooks/schema";
import { utcTimestamp } from "@/lib/paywall/format";

export const dynamic = "force-dynamic";
export const metadata = { title: "Webhook endpoint" };

const when = (d: Date | null) => (d ? utcTimestamp(d) : "");

const STATUS_STYLE = { delivered: "text-emerald-800", pending: "text-amber-800", failed: "text-red-800" } as const;

export default async function WebhookEndpointPage({ params }: { params: Promise<{ id: string }> }) {
  await requireMerchantPage();
  const log = await loadEndpointWithLog(await getDb(), (await params).id);
  if (!log) notFound();
  const { endpoint, deliveries, total } = log;
  const editable = endpoint.source === "dashboard";
  const previousUntil = endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil > new Date() ? when(endpoint.previousSecretUntil) : null;
  return (
    <main>
      <Link href="/dashboard/webhooks" className="text-sm text-stone-600 hover:underline">
        ← Webhooks
      </Link>
      <h1 className="mt-2 break-all font-mono text-xl font-bold">{endpoint.url}</h1>
      <p className="mt-1 text-sm text-stone-600">
        {endpoint.description || "No description"} · {endpoint.enabled ? <span className="text-emerald-800">enabled</span> : <span>disabled</span>}
        {!editable && " · declared in WEBHOOK_ENDPOINTS: change it in configuration"}
      </p>

      <section className="mt-6 space-y-3 rounded-xl border border-stone-200 bg-white p-4">
        <h2 className="font-semibold">Signing secret</h2>
        <WebhookSecret secret={endpoint.secret} previousUntil={previousUntil} />
        <WebhookEndpointActions id={endpoint.id} enabled={endpoint.enabled} editable={editable} />
      </section>

      {editable && (
        <details className="mt-6">
          <summary className="cursor-pointer text-sm font-semibold">Edit URL, description and events</summary>
          <div className="mt-2 max-w-2xl">
            <WebhookEndpointForm
              id={endpoint.id}
              initial={{ url: endpoint.url, description: endpoint.description, events: endpoint.events.filter((e): e is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(e)) }}
            />
          </div>
        </details>
      )}

      <h2 className="mt-8 text-lg font-semibold">Delivery log</h2>
      <p className="text-sm text-stone-600">
        {total === 0 ? "Nothing sent yet." : `Latest ${Math.min(total, deliveries.length).toLocaleString("en-US")} of ${total.toLocaleString("en-US")} deliveries.`}
      </p>
      <RefreshWhilePending pending={deliveries.some((d) => d.status === "pending")} />
      {deliveries.length > 0 && (
        <DataTable
          columns={[
            "Event",
            "Status",
            { label: "Attempts", className: "hidden sm:table-cell" },
            { label: "Last answer", className: "hidden md:table-cell" },
            { label: "Next retry (UTC)", className: "hidden md:table-cell" },
            "",
          ]}
          className="mt-2"
        >
          {deliveries.map((d) => (
            <tr key={d.id} className="border-b border-stone-100 align-top last:border-0" data-testid="delivery-row">
              <td className="px-3 py-2">
                <div className="font-mono">{d.event.type}</div>
                <div className="break-all font-mono text-xs text-stone-600">{d.event.id}</div>
                {d.event.paymentId && (
                  <Link className="text-xs text-amber-800 hover:underline" href={`/dashboard/payments/${d.event.paymentId}`}>
                    payment
                  </Link>
                )}
                <div className="text-xs text-stone-600">{when(d.createdAt)}</div>
              </td>
              <td className={`px-3 py-2 ${STATUS_STYLE[d.status]}`}>
                <span data-testid="delivery-status">{d.status === "pending" ? (d.attempts === 0 ? "queued" : "retrying") : d.status}</span>
                <div className="text-xs text-stone-600 md:hidden">
                  {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"}
                  {d.lastStatusCode !== null && ` · last ${d.lastStatusCode}`}
                  {d.status === "pending" && d.nextAttemptAt && ` · next ${when(d.nextAttemptAt)}`}
                </div>
              </td>
              <td className="hidden px-3 py-2 sm:table-cell">
                <details>
                  <summary className="cursor-pointer">{d.attempts}</summary>
                  <ol className="mt-1 space-y-1 text-xs">
                    {d.attemptLog.map((a) => (
                      <li key={a.id}>
                        #{a.attempt} {when(a.attemptedAt)} · {a.statusCode ?? "no answer"} · {a.latencyMs} ms{a.error ? ` · ${a.error}` : ""}
                      </li>
                    ))}
                  </ol>
                </details>
              </td>
              <td className="hidden px-3 py-2 md:table-cell" data-testid="delivery-answer">
                {d.lastStatusCode ?? (d.lastError ? "no answer" : "")}
                {d.lastLatencyMs !== null && <span className="text-xs text-stone-600"> · {d.lastLatencyMs} ms</span>}
                {d.lastError && d.lastStatusCode === null && <div className="text-xs text-red-800">{d.lastError}</div>}
              </td>
              <td className="hidden px-3 py-2 text-xs md:table-cell">{d.status === "pending" ? when(d.nextAttemptAt) : ""}</td>
              <td className="px-3 py-2 text-right">
                <ResendButton endpointId={endpoint.id} deliveryId={d.id} label={`${d.event.type} ${d.event.id}`} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </main>
  );
}
