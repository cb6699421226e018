import { errorResponse, TollgateError } from "@/lib/errors";
import { CATALOG_HEADERS, loadCatalog } from "@/lib/gateway/discovery";
import { publicOriginOf } from "@/lib/public-origin";
import { listCatalog, listResourcesQuerySchema, parseCatalogQuery } from "@/lib/x402/bazaar-catalog";

export const dynamic = "force-dynamic";

// GET /discovery/resources — the bazaar discovery list of this store's priced APIs (filters, limit, offset); free.
export async function GET(request: Request) {
  try {
    const parsed = parseCatalogQuery(listResourcesQuerySchema, new URL(request.url).searchParams);
    if ("error" in parsed) throw new TollgateError("bad_request", `Invalid discovery query: ${parsed.error}`);
    // A configured origin, never one a Host header made up (the answer is publicly cacheable).
    const origin = publicOriginOf(request.headers, request.url);
    return Response.json(listCatalog(await loadCatalog(origin), parsed.query), { headers: CATALOG_HEADERS });
  } catch (error) {
    return errorResponse(error, "GET /discovery/resources");
  }
}
