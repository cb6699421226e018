import type { PricedRouteConfig } from "@/lib/x402/route-table";

/**
 * A priced route as the route table holds it, with every setting at its default (an API route,
 * `GET /api/x`, no extensions, no quota, no payment options) except those in `over`. For unit
 * tests that need route objects without a database.
 */
export function routeConfig(over: Partial<PricedRouteConfig> = {}): PricedRouteConfig {
  return {
    id: "r",
    method: "GET",
    pathPattern: "/api/x",
    kind: "api",
    description: "",
    mimeType: "application/json",
    accessWindowSeconds: 86400,
    paymentIdentifier: "off",
    discovery: null,
    settleAfterComplete: false,
    siwxAccess: false,
    freeQuota: 0,
    freeQuotaWindowSeconds: 86400,
    paymentOptions: [],
    ...over,
  };
}
