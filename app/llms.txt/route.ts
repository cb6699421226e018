import { errorResponse } from "@/lib/errors";
import { llmsText } from "@/lib/gateway/agent-docs";
import { agentDocsContext } from "@/lib/gateway/agent-docs-context";
import { listPricedResources } from "@/lib/gateway/discovery";

export const dynamic = "force-dynamic";

// GET /llms.txt — a short plain index of what is sold and how to pay, for agents; free.
export async function GET(request: Request) {
  try {
    const resources = await listPricedResources();
    const text = llmsText(resources, await agentDocsContext(request, resources));
    return new Response(text, { headers: { "content-type": "text/plain; charset=utf-8", "access-control-allow-origin": "*", "cache-control": "public, max-age=10" } });
  } catch (error) {
    return errorResponse(error, "GET /llms.txt");
  }
}
