export const dynamic = "force-dynamic";

const SKIES = ["sunny", "partly cloudy", "cloudy", "showers", "windy"] as const;

// GET /api/demo/forecast?city=NAME — a three-day forecast (made up, stable per city and day).
// Priced in the seeded demo at 0.05 USDC for an hour of access: after one payment, the payer's
// wallet calls it free for the hour by signing in with sign-in-with-x.
export function GET(request: Request) {
  const city = (new URL(request.url).searchParams.get("city") ?? "Lisbon").trim().slice(0, 80) || "Lisbon";
  const today = Math.floor(Date.now() / 86_400_000);
  const seed = [...city.toLowerCase()].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const days = [0, 1, 2].map((offset) => {
    const h = (seed ^ ((today + offset) * 2_654_435_761)) >>> 0;
    return {
      date: new Date((today + offset) * 86_400_000).toISOString().slice(0, 10),
      sky: SKIES[h % SKIES.length],
      highC: 12 + (h % 17),
      lowC: 4 + ((h >>> 8) % 9),
      rainChance: ((h >>> 16) % 11) * 10,
    };
  });
  return Response.json({ city, days, servedAt: new Date().toISOString() });
}
