export const dynamic = "force-dynamic";

const ZONES = ["UTC", "America/New_York", "Europe/Paris", "Asia/Tokyo"] as const;

// GET /api/demo/time — the server's clock in a few time zones; free in the seed (price it from the dashboard to try).
export function GET() {
  const now = new Date();
  return Response.json({
    iso: now.toISOString(),
    zones: Object.fromEntries(ZONES.map((timeZone) => [timeZone, now.toLocaleString("en-US", { timeZone, dateStyle: "medium", timeStyle: "long" })])),
  });
}
