/**
 * `npm run discover -- STORE_URL [--query TEXT] [--network CAIP2] [--limit N]`
 *
 * Lists what an x402 store sells to agents with the official bazaar client (@x402/extensions'
 * `withBazaar` on an HTTPFacilitatorClient pointed at the store: GET /discovery/resources, or
 * /discovery/search with --query). Works against any Tollgate, devnet or not. Prints each priced
 * API: method and URL, description, every way to pay (amount in atomic units, asset, network,
 * recipient) and how to call it (the bazaar declaration's input). Exits 1 when the store does not
 * answer the discovery API.
 */
import { parseArgs } from "node:util";
import { HTTPFacilitatorClient } from "@x402/core/http";
import { withBazaar, type DiscoveryExtension, type DiscoveryResource } from "@x402/extensions/bazaar";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { query: { type: "string" }, network: { type: "string" }, limit: { type: "string" } },
});
const store = positionals[0]?.replace(/\/+$/, "");
const limit = values.limit === undefined ? undefined : Number(values.limit);
if (!store || !/^https?:\/\//.test(store) || (limit !== undefined && !(Number.isInteger(limit) && limit > 0))) {
  console.error("usage: npm run discover -- STORE_URL [--query TEXT] [--network CAIP2] [--limit N]");
  process.exit(2);
}

const bazaar = withBazaar(new HTTPFacilitatorClient({ url: store })).extensions.bazaar;
let items: DiscoveryResource[];
let note = "";
try {
  if (values.query !== undefined) {
    const found = await bazaar.search({ query: values.query, network: values.network, limit });
    items = found.resources;
    if (found.partialResults) note = " (more matched: raise --limit)";
  } else {
    const listed = await bazaar.listResources({ network: values.network, limit });
    items = listed.items;
    if (listed.pagination.total > items.length) note = ` (${listed.pagination.total} in all: raise --limit)`;
  }
} catch (error) {
  console.error(`${store} did not answer the bazaar discovery API: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

console.log(`${items.length} priced API${items.length === 1 ? "" : "s"} at ${store}${values.query !== undefined ? ` matching "${values.query}"` : ""}${note}`);
for (const item of items) {
  const declared = item.extensions?.bazaar as (DiscoveryExtension & { routeTemplate?: string }) | undefined;
  const input = declared?.info.input as Record<string, unknown> | undefined;
  const method = typeof input?.method === "string" ? input.method : "?";
  console.log(`\n${method} ${item.resource}${item.description ? `\n  ${item.description}` : ""}`);
  for (const a of item.accepts) {
    const name = typeof a.extra?.name === "string" ? ` (${a.extra.name})` : "";
    console.log(`  pay          ${a.amount} atomic units of ${a.asset}${name} on ${a.network}, to ${a.payTo}`);
  }
  const example = input?.body ?? input?.queryParams;
  if (example !== undefined && JSON.stringify(example) !== "{}") console.log(`  ${input?.body !== undefined ? "body" : "query"}        ${JSON.stringify(example)}`);
  if (declared?.routeTemplate) console.log(`  template     ${declared.routeTemplate} (fill in the :names)`);
}
