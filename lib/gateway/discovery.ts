import type { PaymentRequirements } from "@x402/core/types";
import type { DiscoveryResource } from "@x402/extensions/bazaar";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { storeSettingsOrLastKnown } from "@/lib/store/settings";
import { catalogEntry } from "@/lib/x402/bazaar-catalog";
import type { PaymentIdentifierMode, RouteDiscovery } from "@/lib/x402/route-table";
import { getRouteSnapshot } from "./route-cache";

/** One priced resource as listed for agents. */
export type DiscoveredResource = {
  method: string;
  /** Path pattern: literal, `:param` for one segment, trailing `*` for any suffix. */
  path: string;
  kind: "api" | "page";
  description: string;
  mimeType: string;
  /** The PaymentRequirements a 402 for this route offers (amounts in atomic units). */
  accepts: PaymentRequirements[];
  /** API routes: how to call it (input/output examples and JSON Schemas), as its 402s declare in the bazaar extension. */
  discovery: RouteDiscovery | null;
  /** API routes: the payment-identifier extension's setting. */
  paymentIdentifier: PaymentIdentifierMode;
};

/**
 * Every priced route with the payment requirements it currently offers, from the proxy's own
 * route snapshot (so the list never disagrees with enforcement). Routes the facilitator cannot
 * price right now are listed with an empty `accepts`.
 */
export async function listPricedResources(): Promise<DiscoveredResource[]> {
  const snapshot = await getRouteSnapshot();
  return Promise.all(
    snapshot.table.routes.map(async (route) => ({
      method: route.method,
      path: route.pathPattern,
      kind: route.kind,
      description: route.description,
      mimeType: route.mimeType,
      discovery: route.kind === "api" ? route.discovery : null,
      paymentIdentifier: route.kind === "api" ? route.paymentIdentifier : "off",
      accepts: await snapshot.requirementsFor(route).then(
        (built) => built.requirements,
        () => [],
      ),
    })),
  );
}

/** Headers of the discovery answers (/.well-known/x402, the bazaar catalog): public, cached briefly, per configured host. */
export const CATALOG_HEADERS = { "access-control-allow-origin": "*", "cache-control": "public, max-age=10", vary: "Host, X-Forwarded-Host" } as const;

/**
 * The bazaar catalog of this store (lib/x402/bazaar-catalog.ts `catalogEntry`): one entry per
 * priced API route that has something payable now, from the proxy's own route snapshot, ordered by
 * URL then method (so `offset` pages never overlap), named by
 * the store's name (else `origin`'s host) and logo (a path on this site made absolute), with its
 * builder code (BUILDER_CODE) where set.
 *
 * @param origin the configured public origin (lib/public-origin.ts), e.g. `https://store.example`.
 * @throws TollgateError `database_unavailable` when the routes were never loaded and cannot be.
 */
export async function loadCatalog(origin: string): Promise<DiscoveryResource[]> {
  const [snapshot, store] = await Promise.all([getRouteSnapshot(), storeSettingsOrLastKnown(getDb)]);
  const loadedAt = new Date().toISOString();
  const name = store.name || new URL(origin).host;
  // Stored through the settings form's link check; a hand-edited row that is no URL is left out.
  const iconUrl = store.logoUrl && URL.canParse(store.logoUrl, origin) ? new URL(store.logoUrl, origin).href : undefined;
  const entries = await Promise.all(
    snapshot.table.routes.map(async (route) => {
      const accepts = await snapshot.requirementsFor(route).then(
        (built) => built.requirements,
        () => [],
      );
      return catalogEntry(origin, { route, accepts, lastUpdated: route.updatedAt ?? loadedAt }, { name, iconUrl, builderCode: env().builderCode });
    }),
  );
  // One order for every request (the routes are read in no set order), so pages do not overlap.
  const method = (e: DiscoveryResource) => String((e.extensions?.bazaar as { info?: { input?: { method?: string } } } | undefined)?.info?.input?.method ?? "");
  return entries
    .filter((e): e is DiscoveryResource => e !== null)
    .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : method(a) < method(b) ? -1 : method(a) > method(b) ? 1 : 0));
}
