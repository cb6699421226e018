import { getDb } from "@/lib/db";
import { loadChargingRoutes } from "@/lib/routes/data";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const routes = await loadChargingRoutes(await getDb());
  return (
    <main className="mx-auto max-w-3xl px-6 py-16">
      <p className="text-sm font-semibold uppercase tracking-widest text-amber-700">Tollgate</p>
      <h1 className="mt-2 text-4xl font-bold tracking-tight">Pay-per-request, with HTTP 402</h1>
      <p className="mt-4 text-lg text-stone-600">
        This server sells API calls and pages through the x402 protocol. Ask for a priced resource and you get
        <code className="mx-1 rounded bg-stone-200 px-1">402 Payment Required</code>
        with what to pay; sign a stablecoin payment, retry, and receive the resource. Settlement happens only
        after the resource was produced.
      </p>

      <h2 className="mt-12 text-xl font-semibold">Priced routes</h2>
      {routes.length === 0 ? (
        <p className="mt-3 text-stone-600">No priced routes yet.</p>
      ) : (
        <ul className="mt-4 divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white">
          {routes.map((route) => (
            <li key={route.id} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-4 py-3">
              <span className="rounded bg-stone-900 px-2 py-0.5 font-mono text-xs text-white">{route.method}</span>
              <code className="font-mono text-sm">{route.pathPattern}</code>
              <span className="text-sm text-stone-600">{route.description}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="mt-6 text-sm text-stone-600">
        Agents: the machine-readable list with payment requirements is at{" "}
        <a className="font-mono text-amber-800 underline" href="/.well-known/x402">
          /.well-known/x402
        </a>
        .
      </p>
    </main>
  );
}
