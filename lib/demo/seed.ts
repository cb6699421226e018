import type { PrismaClient } from "@/lib/generated/prisma/client";
import { upsertPricedRoute } from "@/lib/routes/mutations";

/** Where demo payments go: one EIP-3009 token on one network, to one merchant address. */
export type DemoPaymentTarget = {
  /** CAIP-2, e.g. "eip155:84532". */
  network: string;
  /** Token contract address. */
  asset: string;
  /** The token's EIP-712 domain, which the exact EVM scheme signs against. */
  eip712: { name: string; version: string };
  payTo: string;
};

/** Demo prices in atomic units of a 6-decimal USDC. */
export const DEMO_PRICES = { quote: "10000", summarize: "50000" } as const;

/**
 * Writes the demo's priced routes (idempotent): `GET /api/demo/quote` at 0.01 USDC and
 * `POST /api/demo/summarize` at 0.05 USDC. `GET /api/demo/health` stays free (no row).
 */
export async function seedDemoRoutes(db: PrismaClient, target: DemoPaymentTarget): Promise<void> {
  const option = (amount: string) => ({
    scheme: "exact",
    network: target.network,
    asset: target.asset,
    amount,
    payTo: target.payTo,
    extra: { name: target.eip712.name, version: target.eip712.version },
    maxTimeoutSeconds: 300,
  });
  await upsertPricedRoute(db, {
    method: "GET",
    pathPattern: "/api/demo/quote",
    description: "A quotation of the minute",
    mimeType: "application/json",
    paymentOptions: [option(DEMO_PRICES.quote)],
  });
  await upsertPricedRoute(db, {
    method: "POST",
    pathPattern: "/api/demo/summarize",
    description: "Extractive summary, keywords and reading stats of a text",
    mimeType: "application/json",
    paymentOptions: [option(DEMO_PRICES.summarize)],
  });
}
