import fc from "fast-check";
import type { PaymentRequirements } from "@x402/core/types";
import { BAZAAR, extractDiscoveryInfoFromExtension, validateDiscoveryExtension, type DiscoveryExtension, type DiscoveryResource } from "@x402/extensions/bazaar";
import { PAYMENT_IDENTIFIER } from "@x402/extensions/payment-identifier";
import { describe, expect, it } from "vitest";
import {
  CATALOG_DEFAULT_LIMIT,
  CATALOG_MAX_LIMIT,
  catalogEntry,
  listCatalog,
  listResourcesQuerySchema,
  parseCatalogQuery,
  searchCatalog,
  searchResourcesQuerySchema,
} from "@/lib/x402/bazaar-catalog";
import { BUILDER_CODE } from "@x402/extensions/builder-code";
import { declaredExtensions } from "@/lib/x402/extensions";
import type { PricedRouteConfig } from "@/lib/x402/route-table";
import { routeConfig } from "../support/routes";

const ORIGIN = "https://store.example";
const EVM_PAY_TO = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
const evm: PaymentRequirements = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: "0xef11D1c2aA48826D4c41e54ab82D1Ff5Ad8A64Ca", payTo: EVM_PAY_TO, maxTimeoutSeconds: 300, extra: { name: "USD Coin", version: "2" } };
const svm: PaymentRequirements = { scheme: "exact", network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", amount: "10000", asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", payTo: "HKc5mgcxny6UpUALzxRdFLzJ6LLMxkekhh7qeCxEqdRS", maxTimeoutSeconds: 300, extra: { feePayer: "E17fFEDURvkbefk6KBoNbXmu9VeNGMnYbZ4to6WSAneg" } };

const entry = (over: Partial<PricedRouteConfig>, accepts: PaymentRequirements[] = [evm], store = {}) =>
  catalogEntry(ORIGIN, { route: routeConfig(over), accepts, lastUpdated: "2026-12-01T00:00:00.000Z" }, store);

const quote = entry({ pathPattern: "/api/demo/quote", description: "A quotation of the minute", paymentIdentifier: "optional", discovery: { outputExample: { text: "Price is what you pay." } } }, [evm, svm])!;
const summarize = entry({ method: "POST", pathPattern: "/api/demo/summarize", description: "Extractive summary, keywords and reading stats of a text", discovery: { inputExample: { text: "First. Second." }, bodyType: "json" } })!;
const weather = entry({ pathPattern: "/api/weather/:city", description: "Current weather for a city" }, [svm])!;
const all = [quote, summarize, weather];

describe("catalogEntry: a priced API route as bazaar lists it", () => {
  it("carries what the route's 402 offers: accepts, the bazaar declaration for its method, payment-identifier", () => {
    expect(quote).toMatchObject({ resource: `${ORIGIN}/api/demo/quote`, type: "http", x402Version: 2, accepts: [evm, svm], lastUpdated: "2026-12-01T00:00:00.000Z", description: "A quotation of the minute", mimeType: "application/json" });
    // The same bazaar declaration a 402 for a call of the route carries.
    expect(quote.extensions?.[BAZAAR.key]).toEqual(declaredExtensions(routeConfig({ pathPattern: "/api/demo/quote", paymentIdentifier: "optional", discovery: { outputExample: { text: "Price is what you pay." } } }), { method: "GET", path: "/api/demo/quote" })?.[BAZAAR.key]);
    expect(quote.extensions?.[PAYMENT_IDENTIFIER]).toMatchObject({ info: { required: false } });
    expect(summarize.extensions?.[PAYMENT_IDENTIFIER]).toBeUndefined();
    for (const e of all) {
      const bazaar = e.extensions![BAZAAR.key] as DiscoveryExtension;
      // Valid by the library's own checks, and read back by its extractor.
      expect(validateDiscoveryExtension(bazaar)).toEqual({ valid: true });
      expect(extractDiscoveryInfoFromExtension(bazaar).input).toMatchObject({ type: "http", method: e === summarize ? "POST" : "GET" });
    }
    expect((summarize.extensions![BAZAAR.key] as DiscoveryExtension).info.input).toMatchObject({ bodyType: "json", body: { text: "First. Second." } });
  });

  it("carries the store's builder code as its 402s declare it, only where the store has one", () => {
    const over = { pathPattern: "/api/demo/quote" };
    const attributed = entry(over, [evm], { builderCode: "my_store" })!;
    expect(attributed.extensions?.[BUILDER_CODE]).toEqual(declaredExtensions(routeConfig(over), { method: "GET", path: "/api/demo/quote" }, { builderCode: "my_store" })?.[BUILDER_CODE]);
    expect(entry(over, [evm], { builderCode: null })!.extensions).not.toHaveProperty(BUILDER_CODE);
    const parsed = parseCatalogQuery(listResourcesQuerySchema, new URLSearchParams({ extensions: BUILDER_CODE }));
    if ("error" in parsed) throw new Error(parsed.error);
    expect(resources(listCatalog([attributed, summarize], parsed.query).items)).toEqual(["/api/demo/quote"]);
  });

  it("names a dynamic route by its template (the catalog key), with no call's pathParams", () => {
    const bazaar = weather.extensions![BAZAAR.key] as DiscoveryExtension & { routeTemplate?: string };
    expect(weather.resource).toBe(`${ORIGIN}/api/weather/:city`);
    expect(bazaar.routeTemplate).toBe("/api/weather/:city");
    expect(bazaar.info.input).not.toHaveProperty("pathParams");
    // A trailing wildcard is bazaar's :var1, as the library enriches a 402; wildcards only get no template.
    const files = entry({ pathPattern: "/api/files/*" })!;
    expect(files.resource).toBe(`${ORIGIN}/api/files/:var1`);
    expect((files.extensions![BAZAAR.key] as { routeTemplate?: string }).routeTemplate).toBe("/api/files/:var1");
    expect((entry({ pathPattern: "/*" })!.extensions![BAZAAR.key] as { routeTemplate?: string }).routeTemplate).toBeUndefined();
    expect((quote.extensions![BAZAAR.key] as { routeTemplate?: string }).routeTemplate).toBeUndefined();
  });

  it("lists no page, no route with nothing payable, no any-method route", () => {
    expect(entry({ kind: "page", pathPattern: "/articles/deep-dive" })).toBeNull();
    expect(entry({ pathPattern: "/api/x" }, [])).toBeNull();
    expect(entry({ method: "*", pathPattern: "/api/any" })).toBeNull();
  });

  it("names the store and its icon only where bazaar's validators take them", () => {
    expect(entry({}, [evm], { name: "Reading Room", iconUrl: "https://store.example/logo.svg" })).toMatchObject({ serviceName: "Reading Room", iconUrl: "https://store.example/logo.svg" });
    const refused = entry({}, [evm], { name: "Caf\u00e9 \u0007", iconUrl: "javascript:alert(1)" })!;
    expect(refused).not.toHaveProperty("serviceName");
    expect(refused).not.toHaveProperty("iconUrl");
  });
});

const list = (q: Record<string, string>) => {
  const parsed = parseCatalogQuery(listResourcesQuerySchema, new URLSearchParams(q));
  if ("error" in parsed) throw new Error(parsed.error);
  return listCatalog(all, parsed.query);
};
const search = (q: Record<string, string>) => {
  const parsed = parseCatalogQuery(searchResourcesQuerySchema, new URLSearchParams(q));
  if ("error" in parsed) throw new Error(parsed.error);
  return searchCatalog(all, parsed.query);
};
const resources = (items: DiscoveryResource[]) => items.map((i) => new URL(i.resource).pathname);

describe("GET /discovery/resources: filters and pages", () => {
  it("lists everything by default, with the library's pagination shape", () => {
    expect(list({})).toEqual({ x402Version: 2, items: all, pagination: { limit: CATALOG_DEFAULT_LIMIT, offset: 0, total: 3 } });
  });

  it("filters by network, scheme, payTo (an EVM address in any case), type and extension key", () => {
    expect(resources(list({ network: svm.network }).items)).toEqual(["/api/demo/quote", "/api/weather/:city"]);
    expect(resources(list({ payTo: EVM_PAY_TO.toLowerCase() }).items)).toEqual(["/api/demo/quote", "/api/demo/summarize"]);
    expect(resources(list({ payTo: svm.payTo.toLowerCase() }).items)).toEqual([]); // base58 is case-sensitive
    expect(list({ scheme: "upto" }).items).toEqual([]);
    expect(list({ type: "mcp" }).pagination.total).toBe(0);
    expect(resources(list({ extensions: PAYMENT_IDENTIFIER }).items)).toEqual(["/api/demo/quote"]);
    // A key every object inherits is no extension.
    for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) expect(list({ extensions: key }).items).toEqual([]);
    // One option must satisfy network and payTo together.
    expect(list({ network: svm.network, payTo: EVM_PAY_TO }).items).toEqual([]);
  });

  it("pages with limit and offset; total counts every match", () => {
    expect(list({ limit: "2" })).toMatchObject({ items: [quote, summarize], pagination: { limit: 2, offset: 0, total: 3 } });
    expect(list({ limit: "2", offset: "2" })).toMatchObject({ items: [weather], pagination: { limit: 2, offset: 2, total: 3 } });
    expect(list({ offset: "99" }).items).toEqual([]);
  });

  it("refuses bad numbers with a message, and takes the first of a repeated parameter", () => {
    for (const [q, message] of [
      [{ limit: "0" }, /limit/],
      [{ limit: String(CATALOG_MAX_LIMIT + 1) }, /limit/],
      [{ limit: "-1" }, /limit: must be a whole number/],
      [{ offset: "1e3" }, /offset/],
      [{ limit: "" }, /limit/],
      [{ network: "" }, /network/],
    ] as const) {
      const parsed = parseCatalogQuery(listResourcesQuerySchema, new URLSearchParams(q));
      expect("error" in parsed && parsed.error).toMatch(message);
    }
    expect(listCatalog(all, (parseCatalogQuery(listResourcesQuerySchema, new URLSearchParams("limit=1&limit=x")) as { query: never }).query).items).toHaveLength(1);
  });
});

describe("GET /discovery/search", () => {
  it("matches every term, case-insensitively, in the URL, description or how to call it; headline matches first", () => {
    expect(resources(search({ query: "QUOTATION" }).resources)).toEqual(["/api/demo/quote"]);
    expect(resources(search({ query: "summary text" }).resources)).toEqual(["/api/demo/summarize"]);
    expect(search({ query: "summary weather" }).resources).toEqual([]);
    // "price" is only in the quote's output example; "city" in the weather route's description.
    expect(resources(search({ query: "price" }).resources)).toEqual(["/api/demo/quote"]);
    expect(resources(search({ query: "api demo" }).resources)).toEqual(["/api/demo/quote", "/api/demo/summarize"]);
  });

  it("applies the filters and the limit, saying when more matched", () => {
    expect(resources(search({ query: "api", network: svm.network }).resources)).toEqual(["/api/demo/quote", "/api/weather/:city"]);
    expect(search({ query: "api", limit: "1" })).toMatchObject({ x402Version: 2, partialResults: true, resources: [quote] });
    expect(search({ query: "api", cursor: "ignored" }).partialResults).toBe(false);
  });

  it("requires a query of at most 200 characters", () => {
    for (const q of [{}, { query: "   " }, { query: "x".repeat(201) }] as Record<string, string>[]) {
      expect(parseCatalogQuery(searchResourcesQuerySchema, new URLSearchParams(q))).toHaveProperty("error", expect.stringMatching(/query/));
    }
  });
});

describe("the query parsers, fuzzed", () => {
  it("any query string either parses within bounds or yields a message; listing and searching never throw", () => {
    const param = fc.constantFrom("type", "payTo", "scheme", "network", "extensions", "limit", "offset", "query", "cursor", "x");
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.integer({ min: -5, max: 5000 }).map(String), fc.constantFrom("1e3", "0x10", " 7", "9".repeat(30), "%00", "\u0000"));
    fc.assert(
      fc.property(fc.array(fc.tuple(param, value), { maxLength: 8 }), (pairs) => {
        const params = new URLSearchParams(pairs);
        const listed = parseCatalogQuery(listResourcesQuerySchema, params);
        if ("error" in listed) expect(listed.error).toEqual(expect.any(String));
        else {
          const page = listCatalog(all, listed.query);
          expect(page.items.length).toBeLessThanOrEqual(Math.min(page.pagination.limit, CATALOG_MAX_LIMIT));
          expect(page.pagination.total).toBeLessThanOrEqual(all.length);
        }
        const searched = parseCatalogQuery(searchResourcesQuerySchema, params);
        if ("error" in searched) expect(searched.error).toEqual(expect.any(String));
        else expect(searchCatalog(all, searched.query).resources.length).toBeLessThanOrEqual(all.length);
      }),
      { numRuns: 2000 },
    );
  });
});
