import "server-only";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { TollgateError } from "@/lib/errors";
import type { PaywallRequest } from "@/lib/paywall/request";
import { publicOriginOf } from "@/lib/public-origin";
import { pathFromSegments } from "@/lib/x402/request-path";
import { getRouteSnapshot } from "./route-cache";
import { isPageAccessProof, isUpstreamCall, PAGE_ACCESS_HEADER } from "./upstream";

/**
 * The second lock of a priced page, checked by the page itself. The proxy is the first lock: it
 * lets a request to a priced page through only with a payment or a grant, and then marks it with
 * a page-access proof for the canonical path it priced. Should the proxy ever read a path
 * differently from the router (a spelling the canonicalization missed), the page sees a request
 * for a priced path without a proof for *that* path, and shows the paywall instead of content.
 *
 * Call it first thing in every page that may be priced, with the path as the router resolved it:
 * `const lock = await pageLock(["articles", slug]); if (lock) return <PaywallView request={lock} lockedBy="page" />;`
 *
 * @param segments the page's path as decoded segments (from the route's params, never from a
 *   request header).
 * @returns null when the page may render (free path, or a valid proof for this path); otherwise
 *   what the paywall needs (the PaymentRequired, in x402 v2 form, and the access window).
 * @throws Next's notFound() for segments no canonical request yields (containing "/" or "\").
 * @throws TollgateError `internal` (the render fails with 500) for the proxy's loopback call of a
 *   paid request that carries no proof for this path: its buyer is then not charged.
 * @throws TollgateError `database_unavailable` / `facilitator_unavailable` when the priced routes
 *   or their requirements cannot be loaded: the page then fails (closed) with an error.
 */
export async function pageLock(segments: readonly string[]): Promise<PaywallRequest | null> {
  const target = pathFromSegments(segments);
  if (!target.ok) notFound();
  const snapshot = await getRouteSnapshot();
  // Blocked: served to nobody (the proxy answered 403 already; this is the second lock).
  if (snapshot.blocked.match("GET", target.path)) notFound();
  const route = snapshot.table.match("GET", target.path);
  if (!route) return null;
  const h = await headers();
  if (isPageAccessProof(h.get(PAGE_ACCESS_HEADER), target.path)) return null;
  // The proxy's loopback call runs a paid request's handler: without a valid proof for this path,
  // the proxy priced another path than the router resolved (or the proof expired). The render
  // fails (500) rather than show a paywall with status 200, which would settle: a handler's
  // failure is never charged.
  if (isUpstreamCall(h)) {
    throw new TollgateError("internal", `The page lock of ${target.href} refused a paid call without a valid proof for this path (the proxy priced another path, or the proof expired); nothing is charged`);
  }
  console.warn(`[tollgate] page lock: ${target.href} is priced but the proxy did not let this request through for it; showing the paywall`);
  const { requirements } = await snapshot.requirementsFor(route);
  if (requirements.length === 0) throw new TollgateError("facilitator_unavailable", "None of this page's payment options is supported by the facilitator");
  const resource = { url: `${publicOriginOf(h)}${target.href}`, description: route.description, mimeType: route.mimeType };
  return {
    paymentRequired: { x402Version: 2, error: "Payment required", resource, accepts: requirements },
    accessWindowSeconds: route.accessWindowSeconds,
  };
}
