import { describe, expect, it } from "vitest";
import { summarize, summarizeRequestSchema } from "@/lib/demo/summarize";

const text =
  "Tollgate sells API calls to agents. Agents pay per request with stablecoins. " +
  "The weather was pleasant yesterday. Settlement happens after the handler succeeded, so agents never pay for errors. " +
  "Payment verification uses the facilitator.";

describe("summarize", () => {
  it("keeps the most representative sentences in their original order", () => {
    const s = summarize(text, 2);
    expect(s.sentences).toHaveLength(2);
    expect(s.sentences.join(" ")).not.toContain("weather");
    expect(text.indexOf(s.sentences[0]!)).toBeLessThan(text.indexOf(s.sentences[1]!));
    expect(s.summary).toBe(s.sentences.join(" "));
  });

  it("reports keywords and stats", () => {
    const s = summarize(text, 3);
    expect(s.keywords[0]).toEqual({ word: "agents", count: 3 });
    expect(s.stats.sentences).toBe(5);
    expect(s.stats.words).toBe(text.split(/\s+/).length);
  });

  it("validates the request body", () => {
    expect(summarizeRequestSchema.safeParse({ text: "  " }).success).toBe(false);
    expect(summarizeRequestSchema.safeParse({ text: "x", sentences: 11 }).success).toBe(false);
    expect(summarizeRequestSchema.parse({ text: "x" }).sentences).toBe(3);
  });
});
