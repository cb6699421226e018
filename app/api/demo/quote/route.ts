import { quoteAt } from "@/lib/demo/quotes";

export const dynamic = "force-dynamic";

// GET /api/demo/quote — a quotation of the minute; priced in the seeded demo (0.01 USDC).
export function GET() {
  return Response.json(quoteAt(new Date()));
}
