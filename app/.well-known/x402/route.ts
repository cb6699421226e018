import { errorResponse } from "@/lib/errors";
import { listPricedResources } from "@/lib/gateway/discovery";

export const dynamic = "force-dynamic";

// GET /.well-known/x402 — discovery: every priced route and what it accepts; free.
export async function GET(request: Request) {
  try {
    const origin = new URL(request.url).origin;
    const resources = await listPricedResources();
    return Response.json(
      { x402Version: 2, origin, resources },
      { headers: { "access-control-allow-origin": "*", "cache-control": "public, max-age=10" } },
    );
  } catch (error) {
    return errorResponse(error, "GET /.well-known/x402");
  }
}
