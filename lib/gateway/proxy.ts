import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { errorResponse } from "@/lib/errors";
import { enforcePayment, hasPageAccess, preflightResponse } from "./enforce";
import { getRouteSnapshot } from "./route-cache";
import { isUpstreamCall, PAYWALL_HEADER, PAYWALL_PATH } from "./upstream";

/**
 * Everything proxy.ts does: free requests pass, priced ones go through x402 enforcement (pages
 * pass with a valid access grant), and the gateway's own loopback calls reach their handler, or
 * the paywall. If the priced routes cannot be known (the database was never readable), every
 * request fails closed with 503.
 */
export async function handleProxyRequest(request: NextRequest): Promise<Response> {
  if (isUpstreamCall(request.headers)) {
    // Next runs the proxy again for the rewritten request: by then it is at the paywall.
    if (!request.headers.has(PAYWALL_HEADER) || request.nextUrl.pathname === PAYWALL_PATH) return NextResponse.next();
    // Next treats a rewrite as internal only when its origin equals the one the server listens
    // as (`-H 127.0.0.1` → http://127.0.0.1:PORT), but NextURL renames 127.0.0.1 to localhost,
    // which would make this rewrite an external proxy. Next publishes its origin; use it.
    return NextResponse.rewrite(new URL(PAYWALL_PATH, env().nextOrigin ?? request.nextUrl.origin));
  }
  // The paywall page exists only behind the loopback call.
  if (request.nextUrl.pathname === PAYWALL_PATH) return new NextResponse(null, { status: 404 });
  let snapshot;
  try {
    snapshot = await getRouteSnapshot();
  } catch (error) {
    return errorResponse(error, `route table for ${request.method} ${request.nextUrl.pathname}`);
  }
  const path = request.nextUrl.pathname;
  if (request.method === "OPTIONS") {
    const wanted = request.headers.get("access-control-request-method") ?? "GET";
    return snapshot.table.match(wanted, path) ? preflightResponse() : NextResponse.next();
  }
  const route = snapshot.table.match(request.method, path);
  if (!route) return NextResponse.next();
  if (route.kind === "page" && (await hasPageAccess(request, route))) return NextResponse.next();
  return enforcePayment(request, route, snapshot);
}
