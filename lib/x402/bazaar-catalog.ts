import type { HTTPRequestContext } from "@x402/core/http";
import type { PaymentRequirements } from "@x402/core/types";
import {
  BAZAAR,
  bazaarResourceServerExtension,
  isValidIconUrl,
  isValidRouteTemplate,
  isValidServiceName,
  type DiscoveryResource,
  type DiscoveryResourcesResponse,
  type SearchDiscoveryResourcesResponse,
} from "@x402/extensions/bazaar";
import { BUILDER_CODE } from "@x402/extensions/builder-code";
import { declarePaymentIdentifierExtension, PAYMENT_IDENTIFIER } from "@x402/extensions/payment-identifier";
import { z } from "zod";
import { builderCodeDeclaration, routeBazaarDeclaration } from "./extensions";
import type { PricedRouteConfig } from "./route-table";

/**
 * The bazaar's discovery API (what `withBazaar(client).extensions.bazaar` of @x402/extensions
 * calls: `GET {url}/discovery/resources` and `GET {url}/discovery/search`), answered for this
 * store's own priced API routes. specs/extensions/bazaar.md leaves how a catalog is exposed to the
 * implementation; the shapes here are the library's `DiscoveryResourcesResponse` and
 * `SearchDiscoveryResourcesResponse`, so its client reads them unchanged.
 */

/** Default and largest page of `/discovery/resources` (items). */
export const CATALOG_DEFAULT_LIMIT = 100;
export const CATALOG_MAX_LIMIT = 1000;
/** Longest `query` `/discovery/search` takes (characters), and most terms it matches. */
export const SEARCH_MAX_QUERY = 200;
const SEARCH_MAX_TERMS = 16;

const filterText = z.string().trim().min(1).max(200);
const filters = {
  type: filterText.optional(),
  payTo: filterText.optional(),
  scheme: filterText.optional(),
  network: filterText.optional(),
  extensions: filterText.optional(),
};
const count = (max: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(0).max(max));

/** `GET /discovery/resources` query parameters (ListDiscoveryResourcesParams); unknown ones are ignored. */
export const listResourcesQuerySchema = z.object({
  ...filters,
  limit: count(CATALOG_MAX_LIMIT).pipe(z.number().min(1)).optional(),
  offset: count(Number.MAX_SAFE_INTEGER).optional(),
});
export type ListResourcesQuery = z.infer<typeof listResourcesQuerySchema>;

/** `GET /discovery/search` query parameters (SearchDiscoveryResourcesParams); `cursor` is accepted and ignored (the spec lets a server ignore it). */
export const searchResourcesQuerySchema = z.object({
  ...filters,
  query: z.string().trim().min(1, "query is required").max(SEARCH_MAX_QUERY, `query is at most ${SEARCH_MAX_QUERY} characters`),
  limit: count(CATALOG_MAX_LIMIT).pipe(z.number().min(1)).optional(),
  cursor: z.string().max(200).optional(),
});
export type SearchResourcesQuery = z.infer<typeof searchResourcesQuerySchema>;

/**
 * Reads a query string's parameters into `schema`. A parameter given twice takes its first value.
 *
 * @returns the parsed query, or `{error}`: a message naming the bad parameters (for a 400).
 */
export function parseCatalogQuery<S extends z.ZodType>(schema: S, params: URLSearchParams): { query: z.infer<S> } | { error: string } {
  const first: Record<string, string> = {};
  for (const [name, value] of params) if (!(name in first)) first[name] = value;
  const parsed = schema.safeParse(first);
  if (parsed.success) return { query: parsed.data };
  return { error: parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ") };
}

/** One priced API route as the catalog needs it: the route, what its 402 offers now, when it last changed. */
export type CatalogRoute = { route: PricedRouteConfig; accepts: PaymentRequirements[]; lastUpdated: string };

/**
 * The catalog entry of one priced API route (a DiscoveryResource), or null for a page, a route
 * with nothing payable right now (no accepts), or a method "*" route (bazaar describes one method):
 * - `resource`: `origin` + the path, with `:param` segments (and `*` as `:var1`, bazaar's spelling)
 *   for a dynamic route, whose `extensions.bazaar.routeTemplate` names the same template (the
 *   catalog key, specs/extensions/bazaar.md "Dynamic Routes and routeTemplate");
 * - `accepts`: the v2 PaymentRequirements (amounts in atomic units) its 402 offers;
 * - `extensions`: the `bazaar` declaration its 402 carries (method, input and output examples and
 *   schemas), `payment-identifier` where the route takes ids, and `builder-code` with the store's
 *   code (`store.builderCode`, BUILDER_CODE) when it has one;
 * - `serviceName`/`iconUrl`: the store's name and logo where bazaar's own validators accept them.
 */
export function catalogEntry(origin: string, { route, accepts, lastUpdated }: CatalogRoute, store: { name?: string; iconUrl?: string; builderCode?: string | null } = {}): DiscoveryResource | null {
  if (route.kind !== "api" || route.method === "*" || accepts.length === 0) return null;
  const method = route.method.toUpperCase();
  // Enriched as a 402 is, but for no call in particular: the method only, no pathParams.
  const context = { method, adapter: { getPath: () => route.pathPattern } } as unknown as HTTPRequestContext;
  const bazaar = bazaarResourceServerExtension.enrichDeclaration!(routeBazaarDeclaration(route, method), context) as Record<string, unknown>;
  const template = route.pathPattern.split("/").map((segment) => (segment === "*" ? ":var1" : segment)).join("/");
  // As the library enriches a 402: a pattern of wildcards only ("/*") gets no template.
  const wildcardOnly = route.pathPattern.split("/").filter(Boolean).every((segment) => segment === "*");
  if (template.includes(":") && !wildcardOnly && isValidRouteTemplate(template)) bazaar.routeTemplate = template;
  const extensions: Record<string, unknown> = { [BAZAAR.key]: bazaar };
  if (route.paymentIdentifier !== "off") extensions[PAYMENT_IDENTIFIER] = declarePaymentIdentifierExtension(route.paymentIdentifier === "required");
  if (store.builderCode) extensions[BUILDER_CODE] = builderCodeDeclaration(store.builderCode);
  return {
    resource: `${origin}${template}`,
    type: "http",
    x402Version: 2,
    accepts,
    lastUpdated,
    description: route.description,
    mimeType: route.mimeType,
    ...(store.name && isValidServiceName(store.name) ? { serviceName: store.name } : {}),
    ...(store.iconUrl && isValidIconUrl(store.iconUrl) ? { iconUrl: store.iconUrl } : {}),
    extensions,
  };
}

type Filters = Pick<ListResourcesQuery, "type" | "payTo" | "scheme" | "network" | "extensions">;

/** Whether an entry passes the filters: type, and an accepted option with that payTo (EVM addresses in any case), scheme and network. */
function passes(entry: DiscoveryResource, f: Filters): boolean {
  if (f.type !== undefined && entry.type !== f.type) return false;
  if (f.extensions !== undefined && !Object.hasOwn(entry.extensions ?? {}, f.extensions)) return false;
  const payTo = f.payTo?.startsWith("0x") ? f.payTo.toLowerCase() : f.payTo;
  return entry.accepts.some(
    (a) =>
      (payTo === undefined || (a.payTo.startsWith("0x") ? a.payTo.toLowerCase() : a.payTo) === payTo) &&
      (f.scheme === undefined || a.scheme === f.scheme) &&
      (f.network === undefined || a.network === f.network),
  );
}

/**
 * One page of the catalog (`GET /discovery/resources`): the entries passing the filters, in the
 * order given, `offset` skipped, at most `limit` (default CATALOG_DEFAULT_LIMIT).
 */
export function listCatalog(entries: DiscoveryResource[], query: ListResourcesQuery): DiscoveryResourcesResponse {
  const matching = entries.filter((e) => passes(e, query));
  const limit = query.limit ?? CATALOG_DEFAULT_LIMIT;
  const offset = query.offset ?? 0;
  return { x402Version: 2, items: matching.slice(offset, offset + limit), pagination: { limit, offset, total: matching.length } };
}

/** What a search term is looked for in: the URL, method, description, MIME type and how to call it. */
function searchText(entry: DiscoveryResource): string {
  const bazaar = entry.extensions?.[BAZAAR.key] as { info?: unknown } | undefined;
  return [entry.resource, entry.description ?? "", entry.mimeType ?? "", JSON.stringify(bazaar?.info ?? {})].join("\n").toLowerCase();
}

/**
 * `GET /discovery/search`: the entries passing the filters whose text holds every term of
 * `query` (whitespace-separated, case-insensitive, at most 16 terms), those matching in the URL
 * or description first; at most `limit` (default CATALOG_DEFAULT_LIMIT), `partialResults` when
 * more matched. Pagination is not offered (`cursor` is ignored, as the spec allows).
 */
export function searchCatalog(entries: DiscoveryResource[], query: SearchResourcesQuery): SearchDiscoveryResourcesResponse {
  const terms = [...new Set(query.query.toLowerCase().split(/\s+/).filter(Boolean))].slice(0, SEARCH_MAX_TERMS);
  const scored = entries
    .filter((e) => passes(e, query))
    .map((entry, index) => {
      const text = searchText(entry);
      const headline = `${entry.resource}\n${entry.description ?? ""}`.toLowerCase();
      return { entry, index, hit: terms.every((t) => text.includes(t)), score: terms.filter((t) => headline.includes(t)).length };
    })
    .filter((s) => s.hit)
    .sort((a, b) => b.score - a.score || a.index - b.index);
  const limit = query.limit ?? CATALOG_DEFAULT_LIMIT;
  return { x402Version: 2, resources: scored.slice(0, limit).map((s) => s.entry), partialResults: scored.length > limit };
}
