import type { NextRequest } from "next/server";
import { handleProxyRequest } from "@/lib/gateway/proxy";

// Prices live in the database, so every path may be priced: run on all but static assets.
export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};

/**
 * Next's proxy (Next 16's middleware, on Node.js): every matched request goes to the gateway,
 * which passes free paths, answers 402s, and runs paid ones (lib/gateway/proxy.ts).
 */
export function proxy(request: NextRequest) {
  return handleProxyRequest(request);
}
