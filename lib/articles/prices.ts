import type { RouteTable } from "@/lib/x402/route-table";
import { ARTICLES } from "./articles";

/**
 * What each demo article costs, by path ("0.02 USDC on Base Sepolia or 0.02 USDC on Solana
 * Devnet"): matched in the proxy's own route table (`table`), so the list says what the proxy
 * will ask; `prices` are its routes' prices by route id (describeRoutePrices). An article no
 * charging route prices is absent: it is free.
 */
export function articlePrices(table: RouteTable, prices: Map<string, string[]>): Map<string, string> {
  return new Map(
    ARTICLES.flatMap((a) => {
      const path = `/articles/${a.slug}`;
      const route = table.match("GET", path);
      return route ? [[path, (prices.get(route.id) ?? []).join(" or ")] as const] : [];
    }),
  );
}
