import { errorResponse, TollgateError } from "@/lib/errors";
import { BAD_ROUTER_STATE } from "@/lib/gateway/request-guard";

export const dynamic = "force-dynamic";

// Where next.config.mjs rewrites a request whose Next-Router-State-Tree header is not of the
// shape Next's client sends, while the server boots (after that, lib/gateway/request-guard.ts
// answers such requests the same way before Next sees them): Next would answer it with a 500
// from its page renderer. The proxy never sees the header (Next strips it before the proxy runs).
function badRouterState(): Response {
  return errorResponse(new TollgateError("bad_request", BAD_ROUTER_STATE), "bad router state");
}

export { badRouterState as GET, badRouterState as HEAD, badRouterState as POST, badRouterState as PUT, badRouterState as PATCH, badRouterState as DELETE, badRouterState as OPTIONS };
