export const dynamic = "force-dynamic";

// GET /api/demo/health — liveness of the demo API; free.
export function GET() {
  return Response.json({ status: "ok", time: new Date().toISOString() });
}
