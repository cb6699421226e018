import type { PrismaClient } from "@/lib/generated/prisma/client";
import { upsertPricedRoute } from "@/lib/routes/mutations";

/** An EIP-3009 token demo routes are priced in. */
export type DemoAsset = {
  /** Token contract address. */
  address: string;
  /** The token's EIP-712 domain, which the exact EVM scheme signs against. */
  eip712: { name: string; version: string };
};

/** Where demo payments go: tokens on one network, to one merchant address. */
export type DemoPaymentTarget = {
  /** CAIP-2, e.g. "eip155:84532". */
  network: string;
  /** The main asset (USDC), and an alternative (EURC) offered beside it on one article. */
  asset: DemoAsset;
  altAsset: DemoAsset;
  payTo: string;
  /**
   * A Solana network priced beside the EVM one on the quote route: CAIP-2 id, the USDC mint
   * (base58) and the merchant's wallet (whose token account for the mint exists).
   */
  svm?: { network: string; mint: string; payTo: string };
};

/** Demo prices in atomic units of 6-decimal tokens. */
export const DEMO_PRICES = { quote: "10000", summarize: "50000", stream: "20000", forecast: "50000", weather: "10000", deepDive: "20000", fieldNotes: "10000" } as const;

/**
 * Writes the demo's priced routes (idempotent):
 * - API: `GET /api/demo/quote` at 0.01 USDC, `POST /api/demo/summarize` at 0.05 USDC,
 *   `GET /api/demo/stream` (server-sent events, streamed after settlement) at 0.02 USDC,
 *   `GET /api/demo/forecast` at 0.05 USDC for an hour of access (sign-in-with-x), also on Solana,
 *   `GET /api/demo/weather`: 3 free calls a day per caller, then 0.01 USDC;
 * - pages: `/articles/deep-dive` at 0.02 USDC, `/articles/field-notes` at 0.01 USDC or 0.01 EURC.
 * With `svm`, the quote and the deep dive can also be paid in USDC on Solana.
 * `GET /api/demo/health` and `/articles/welcome` stay free (no row).
 */
export async function seedDemoRoutes(db: PrismaClient, target: DemoPaymentTarget): Promise<void> {
  const option = (amount: string, asset: DemoAsset = target.asset) => ({
    scheme: "exact",
    network: target.network,
    asset: asset.address,
    amount,
    payTo: target.payTo,
    extra: { name: asset.eip712.name, version: asset.eip712.version },
    maxTimeoutSeconds: 300,
  });
  const solana = (amount: string) =>
    target.svm ? [{ scheme: "exact", network: target.svm.network, asset: target.svm.mint, amount, payTo: target.svm.payTo, extra: {}, maxTimeoutSeconds: 300 }] : [];
  await upsertPricedRoute(db, {
    method: "GET",
    pathPattern: "/api/demo/quote",
    description: "A quotation of the minute",
    mimeType: "application/json",
    discovery: {
      outputExample: { text: "Price is what you pay. Value is what you get.", author: "Warren Buffett", index: 0, servedAt: "2026-01-01T00:00:00.000Z" },
      outputSchema: {
        type: "object",
        properties: { text: { type: "string" }, author: { type: "string" }, index: { type: "integer" }, servedAt: { type: "string", format: "date-time" } },
        required: ["text", "author", "index", "servedAt"],
      },
    },
    paymentOptions: [option(DEMO_PRICES.quote), ...solana(DEMO_PRICES.quote)],
  });
  await upsertPricedRoute(db, {
    method: "POST",
    pathPattern: "/api/demo/summarize",
    description: "Extractive summary, keywords and reading stats of a text",
    mimeType: "application/json",
    discovery: {
      bodyType: "json",
      inputExample: { text: "x402 revives HTTP 402. A server answers with payment requirements. The client pays and retries.", sentences: 2 },
      inputSchema: {
        properties: { text: { type: "string", minLength: 1, maxLength: 100000 }, sentences: { type: "integer", minimum: 1, maximum: 10, default: 3 } },
        required: ["text"],
      },
      outputExample: {
        summary: "x402 revives HTTP 402. The client pays and retries.",
        sentences: ["x402 revives HTTP 402.", "The client pays and retries."],
        keywords: [{ word: "x402", count: 1 }],
        stats: { characters: 96, words: 16, sentences: 3, readingTimeSeconds: 4 },
      },
      outputSchema: {
        type: "object",
        properties: {
          summary: { type: "string" },
          sentences: { type: "array", items: { type: "string" } },
          keywords: { type: "array", items: { type: "object", properties: { word: { type: "string" }, count: { type: "integer" } } } },
          stats: { type: "object" },
        },
      },
    },
    paymentOptions: [option(DEMO_PRICES.summarize)],
  });
  await upsertPricedRoute(db, {
    method: "GET",
    pathPattern: "/api/demo/stream",
    description: "A short market tape as server-sent events, streamed as produced",
    mimeType: "text/event-stream",
    discovery: {
      inputExample: { events: "5" },
      inputSchema: {
        properties: {
          events: { type: "string", pattern: "^[0-9]+$", description: "how many events, 1-20 (default 5)" },
          format: { type: "string", enum: ["sse", "ndjson"], description: "sse (default): server-sent events; ndjson: one JSON object a line (application/x-ndjson)" },
        },
      },
    },
    paymentOptions: [option(DEMO_PRICES.stream)],
  });
  await upsertPricedRoute(db, {
    method: "GET",
    pathPattern: "/api/demo/forecast",
    description: "Three-day weather forecast for a city; one payment buys an hour of calls (sign in with x402 sign-in-with-x)",
    mimeType: "application/json",
    siwxAccess: true,
    accessWindowSeconds: 3_600,
    discovery: {
      inputExample: { city: "Lisbon" },
      inputSchema: { properties: { city: { type: "string", maxLength: 80 } } },
      outputExample: { city: "Lisbon", days: [{ date: "2026-01-01", sky: "sunny", highC: 18, lowC: 9, rainChance: 10 }], servedAt: "2026-01-01T00:00:00.000Z" },
    },
    paymentOptions: [option(DEMO_PRICES.forecast), ...solana(DEMO_PRICES.forecast)],
  });
  await upsertPricedRoute(db, {
    method: "GET",
    pathPattern: "/api/demo/weather",
    description: "Current weather for a city: 3 free calls a day per caller (sign in with x402 sign-in-with-x), then paid",
    mimeType: "application/json",
    freeQuota: 3,
    freeQuotaWindowSeconds: 86_400,
    discovery: { inputExample: { city: "Lisbon" }, inputSchema: { properties: { city: { type: "string", maxLength: 80 } } } },
    paymentOptions: [option(DEMO_PRICES.weather)],
  });
  await upsertPricedRoute(db, {
    method: "GET",
    pathPattern: "/articles/deep-dive",
    kind: "page",
    description: "Deep dive: what a paid request really costs",
    mimeType: "text/html",
    accessWindowSeconds: 86_400,
    paymentOptions: [option(DEMO_PRICES.deepDive), ...solana(DEMO_PRICES.deepDive)],
  });
  await upsertPricedRoute(db, {
    method: "GET",
    pathPattern: "/articles/field-notes",
    kind: "page",
    description: "Field notes from running a paywall",
    mimeType: "text/html",
    accessWindowSeconds: 86_400,
    paymentOptions: [option(DEMO_PRICES.fieldNotes), option(DEMO_PRICES.fieldNotes, target.altAsset)],
  });
}
