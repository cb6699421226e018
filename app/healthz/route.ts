export const dynamic = "force-dynamic";

// GET /healthz — liveness: the process serves HTTP. No I/O, never priced (lib/gateway/health.ts).
export function GET() {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
