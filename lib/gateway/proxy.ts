import { NextResponse, type NextRequest } from "next/server";
import { errorResponse } from "@/lib/errors";
import { enforcePayment, preflightResponse } from "./enforce";
import { getRouteSnapshot } from "./route-cache";
import { isUpstreamCall } from "./upstream";

/**
 * Everything proxy.ts does: free requests pass, priced ones go through x402 enforcement, and the
 * gateway's own loopback calls reach their handler. If the priced routes cannot be known (the
 * database was never readable), every request fails closed with 503.
 */
export async function handleProxyRequest(request: NextRequest): Promise<Response> {
  if (isUpstreamCall(request.headers)) return NextResponse.next();
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
  return enforcePayment(request, route, snapshot);
}
