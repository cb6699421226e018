import { errorResponse, TollgateError } from "@/lib/errors";
import { summarize, summarizeRequestSchema } from "@/lib/demo/summarize";

export const dynamic = "force-dynamic";

// POST /api/demo/summarize — extractive summary, keywords and stats of {text, sentences?};
// priced in the seeded demo (0.05 USDC). A bad body answers 400, so the buyer is not charged.
export async function POST(request: Request) {
  try {
    let json: unknown;
    try {
      json = await request.json();
    } catch {
      throw new TollgateError("bad_request", "Body must be JSON: {\"text\": \"…\", \"sentences\": 3}");
    }
    const parsed = summarizeRequestSchema.safeParse(json);
    if (!parsed.success) throw new TollgateError("bad_request", parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
    return Response.json(summarize(parsed.data.text, parsed.data.sentences));
  } catch (error) {
    return errorResponse(error, "POST /api/demo/summarize");
  }
}
