import Link from "next/link";
import { UnlockedBadge } from "@/components/unlocked-badge";
import { ARTICLES } from "@/lib/articles/articles";
import { articlePrices } from "@/lib/articles/prices";
import { getDb } from "@/lib/db";
import { getRouteSnapshot } from "@/lib/gateway/route-cache";
import { describeRoutePrices } from "@/lib/payments/display";
import { storeSettingsOrLastKnown } from "@/lib/store/settings";

export const dynamic = "force-dynamic";

/** The demo store's front page: its articles with prices and unlocked state, its priced API, and where agents and the merchant go. */
export default async function HomePage() {
  // The charging routes as the proxy holds them (no query of its own), and the store's name.
  const [snapshot, store] = await Promise.all([getRouteSnapshot(), storeSettingsOrLastKnown(getDb)]);
  const routes = snapshot.table.routes;
  const prices = await describeRoutePrices(routes);
  const articlePriceOf = articlePrices(snapshot.table, prices);
  const apis = routes.filter((r) => r.kind === "api").sort((a, b) => a.pathPattern.localeCompare(b.pathPattern));
  return (
    <main className="mx-auto max-w-3xl px-6 py-16">
      <p className="text-sm font-semibold uppercase tracking-widest text-amber-800">{store.name || "Tollgate demo store"}</p>
      <h1 className="mt-2 text-4xl font-bold tracking-tight">Pages and APIs, paid per use</h1>
      <p className="mt-4 text-lg text-stone-600">
        Read a priced article for a few cents from a browser wallet, or call a priced API from an agent. No account, no card: payments use the open x402 protocol
        and settle only after what you bought was produced.
      </p>

      <h2 className="mt-12 text-xl font-semibold">Articles</h2>
      <ul className="mt-4 divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white">
        {ARTICLES.map((a) => {
          const path = `/articles/${a.slug}`;
          const price = articlePriceOf.get(path);
          return (
            <li key={a.slug} className="px-4 py-4" data-testid="article-item">
              <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                <a href={path} className="text-lg font-semibold text-amber-800 underline">
                  {a.title}
                </a>
                <span className="text-sm text-stone-700" data-testid="article-price">
                  {price ?? "Free"}
                </span>
                {price && <UnlockedBadge path={path} />}
              </div>
              <p className="mt-1 text-sm text-stone-600">
                {a.summary} · {a.readingMinutes} min read
              </p>
            </li>
          );
        })}
      </ul>
      <p className="mt-3 text-sm">
        <a className="text-amber-800 underline" href="/receipts">
          Your receipts
        </a>
      </p>

      <h2 className="mt-12 text-xl font-semibold">For agents</h2>
      {apis.length === 0 ? (
        <p className="mt-3 text-stone-600">No priced API routes yet.</p>
      ) : (
        <ul className="mt-4 divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white">
          {apis.map((route) => (
            <li key={route.id} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-4 py-3">
              <span className="rounded bg-stone-900 px-2 py-0.5 font-mono text-xs text-white">{route.method === "*" ? "ANY" : route.method}</span>
              <code className="font-mono text-sm">{route.pathPattern}</code>
              <span className="text-sm text-stone-700">{(prices.get(route.id) ?? []).join(" or ")}</span>
              <span className="w-full text-sm text-stone-600">{route.description}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="mt-4 text-sm text-stone-600">
        Machine-readable:{" "}
        <a className="font-mono text-amber-800 underline" href="/.well-known/x402">
          /.well-known/x402
        </a>
        ,{" "}
        <a className="font-mono text-amber-800 underline" href="/openapi.json">
          /openapi.json
        </a>
        ,{" "}
        <a className="font-mono text-amber-800 underline" href="/discovery/resources">
          /discovery/resources
        </a>{" "}
        (bazaar) and{" "}
        <a className="font-mono text-amber-800 underline" href="/llms.txt">
          /llms.txt
        </a>
        . Any x402 client pays them, e.g. <code className="font-mono">@x402/fetch</code>.
      </p>

      <p className="mt-12 border-t border-stone-200 pt-6 text-sm text-stone-600">
        Selling here?{" "}
        <Link className="text-amber-800 underline" href="/dashboard">
          Open the dashboard
        </Link>
        .
      </p>
    </main>
  );
}
