import { errorResponse, TollgateError } from "@/lib/errors";
import { CATALOG_HEADERS, loadCatalog } from "@/lib/gateway/discovery";
import { publicOriginOf } from "@/lib/public-origin";
import { parseCatalogQuery, searchCatalog, searchResourcesQuerySchema } from "@/lib/x402/bazaar-catalog";

export const dynamic = "force-dynamic";

// GET /discovery/search — the bazaar discovery search over this store's priced APIs (query, filters, limit); free.
export async function GET(request: Request) {
  try {
    const parsed = parseCatalogQuery(searchResourcesQuerySchema, new URL(request.url).searchParams);
    if ("error" in parsed) throw new TollgateError("bad_request", `Invalid discovery search: ${parsed.error}`);
    const origin = publicOriginOf(request.headers, request.url);
    return Response.json(searchCatalog(await loadCatalog(origin), parsed.query), { headers: CATALOG_HEADERS });
  } catch (error) {
    return errorResponse(error, "GET /discovery/search");
  }
}
