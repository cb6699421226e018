import { errorResponse } from "@/lib/errors";
import { openApiDocument } from "@/lib/gateway/agent-docs";
import { agentDocsContext } from "@/lib/gateway/agent-docs-context";
import { listPricedResources } from "@/lib/gateway/discovery";

export const dynamic = "force-dynamic";

// GET /openapi.json — OpenAPI 3.1 of the priced API routes, from the proxy's route snapshot; free.
export async function GET(request: Request) {
  try {
    const resources = await listPricedResources();
    const document = openApiDocument(resources, await agentDocsContext(request, resources));
    return Response.json(document, { headers: { "access-control-allow-origin": "*", "cache-control": "public, max-age=10" } });
  } catch (error) {
    return errorResponse(error, "GET /openapi.json");
  }
}
