import { RETRY_AFTER_SECONDS } from "@/lib/errors";
import { checkReadiness } from "@/lib/gateway/health";

export const dynamic = "force-dynamic";

// GET /readyz — readiness: database, priced routes, facilitator and settlement journal; 503 when
// this instance cannot take paid requests (lib/gateway/health.ts). Never priced.
export async function GET() {
  const readiness = await checkReadiness();
  if (readiness.status === "not_ready") return Response.json(readiness, { status: 503, headers: { "cache-control": "no-store", "retry-after": String(RETRY_AFTER_SECONDS) } });
  return Response.json(readiness, { headers: { "cache-control": "no-store" } });
}
