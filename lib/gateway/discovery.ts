import type { PaymentRequirements } from "@x402/core/types";
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
