import type { NextRequest } from "next/server";
import { handleProxyRequest } from "@/lib/gateway/proxy";

// Prices live in the database, so every path may be priced: run on all but static assets.
export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};

export function proxy(request: NextRequest) {
  return handleProxyRequest(request);
}
