export const dynamic = "force-dynamic";

const SKIES = ["clear", "hazy", "overcast", "drizzle", "breezy"] as const;

// GET /api/demo/weather?city=NAME — current weather (made up, stable per city and hour). In the
// seeded demo each caller gets 3 free calls a day (signed in with sign-in-with-x, or by IP behind
// a trusted proxy), then pays 0.01 USDC a call.
export function GET(request: Request) {
  const city = (new URL(request.url).searchParams.get("city") ?? "Lisbon").trim().slice(0, 80) || "Lisbon";
  const hour = Math.floor(Date.now() / 3_600_000);
  const h = ([...city.toLowerCase()].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 11) ^ (hour * 2_654_435_761)) >>> 0;
  return Response.json({ city, sky: SKIES[h % SKIES.length], temperatureC: 5 + (h % 25), windKph: (h >>> 8) % 40, servedAt: new Date().toISOString() });
}
