import { errorResponse, TollgateError } from "@/lib/errors";

export const dynamic = "force-dynamic";

// Where next.config.mjs rewrites a request whose Next-Router-State-Tree header Next could not
// parse: Next would answer it with a 500 from its page renderer. The header is Next's own, sent
// only by its client router; the proxy never sees it (Next strips it before the proxy runs).
function badRouterState(): Response {
  return errorResponse(new TollgateError("bad_request", "Malformed Next-Router-State-Tree header"), "bad router state");
}

export { badRouterState as GET, badRouterState as HEAD, badRouterState as POST, badRouterState as PUT, badRouterState as PATCH, badRouterState as DELETE, badRouterState as OPTIONS };
