import Link from "next/link";
import { notFound } from "next/navigation";
import { RouteEditor } from "@/components/dashboard/route-editor";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { shortAddress, utcTimestamp } from "@/lib/paywall/format";
import { describeRouteChange } from "@/lib/routes/audit";
import { loadRoute, loadRouteAudit } from "@/lib/routes/data";
import { loadEditorNetworks, routeToForm } from "@/lib/routes/editor";

export const dynamic = "force-dynamic";
export const metadata = { title: "Edit route" };

const ACTION_WORDS: Record<string, string> = { created: "created the route", updated: "edited the route", state: "changed the state", deleted: "deleted the route" };

export default async function EditRoutePage({ params }: { params: Promise<{ id: string }> }) {
  await requireMerchantPage();
  const db = await getDb();
  const id = (await params).id;
  const route = await loadRoute(db, id);
  if (!route) notFound();
  const [form, networks, history] = await Promise.all([routeToForm(route), loadEditorNetworks(route.paymentOptions.map((o) => o.network)), loadRouteAudit(db, route.id)]);
  return (
    <main>
      <Link href="/dashboard/routes" className="text-sm text-stone-600 hover:underline">
        ← Routes
      </Link>
      <h1 className="mt-2 font-mono text-2xl font-bold">
        {route.method} {route.pathPattern}
      </h1>
      <RouteEditor id={route.id} initial={form} networks={networks} />
      <section className="mt-10" aria-labelledby="history-heading">
        <h2 id="history-heading" className="text-lg font-semibold">
          History
        </h2>
        {history.length === 0 ? (
          <p className="mt-1 text-sm text-stone-600">No changes recorded from the dashboard yet.</p>
        ) : (
          <ol className="mt-2 space-y-3" data-testid="route-history">
            {history.map((entry) => {
              const changes = entry.action === "created" ? [] : describeRouteChange(entry.before, entry.after);
              return (
                <li key={entry.id} className="rounded-lg border border-stone-200 bg-white p-3 text-sm" data-testid="route-history-entry">
                  <div>
                    <time dateTime={entry.createdAt.toISOString()}>{utcTimestamp(entry.createdAt)} UTC</time> ·{" "}
                    <span className="font-mono" title={entry.actor}>
                      {shortAddress(entry.actor)}
                    </span>{" "}
                    {ACTION_WORDS[entry.action] ?? entry.action}
                  </div>
                  {changes.length > 0 && (
                    <ul className="mt-1 list-disc pl-5 font-mono text-xs text-stone-700">
                      {changes.map((c, i) => (
                        <li key={i}>{c}</li>
                      ))}
                    </ul>
                  )}
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </main>
  );
}
