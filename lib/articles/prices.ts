import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { assetKey, describeAssets, formatAssetAmount } from "@/lib/payments/display";
import { loadChargingRoutes } from "@/lib/routes/data";
import { RouteTable } from "@/lib/x402/route-table";
import { ARTICLES } from "./articles";

/**
 * What each demo article costs, as buyers read it ("0.02 USDC on Base Sepolia or 0.02 USDC on
 * Solana Devnet"), by path; an article no charging route prices is absent (free). Matched with the
 * proxy's own route table, so the list says what the proxy will ask.
 */
export async function loadArticlePrices(db: PrismaClient): Promise<Map<string, string>> {
  const routes = await loadChargingRoutes(db);
  const table = new RouteTable(routes);
  const priced = ARTICLES.flatMap((a) => {
    const route = table.match("GET", `/articles/${a.slug}`);
    return route ? [{ path: `/articles/${a.slug}`, options: route.paymentOptions }] : [];
  });
  const assets = await describeAssets(priced.flatMap((p) => p.options));
  return new Map(
    priced.map((p) => [
      p.path,
      p.options.map((o) => `${formatAssetAmount(o.amount, assets.get(assetKey(o.network, o.asset)))} on ${assets.get(assetKey(o.network, o.asset))?.networkName ?? o.network}`).join(" or "),
    ]),
  );
}
