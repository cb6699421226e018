import { z } from "zod";

/** Body of POST /api/demo/summarize. */
export const summarizeRequestSchema = z.object({
  text: z.string().trim().min(1, "text must not be empty").max(100_000, "text must be at most 100,000 characters"),
  /** How many sentences the summary keeps (1–10, default 3). */
  sentences: z.number().int().min(1).max(10).default(3),
});
export type SummarizeRequest = z.infer<typeof summarizeRequestSchema>;

export type Summary = {
  summary: string;
  sentences: string[];
  keywords: { word: string; count: number }[];
  stats: { characters: number; words: number; sentences: number; readingTimeSeconds: number };
};

const STOPWORDS = new Set(
  "a about above after again against all am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves".split(" "),
);

/**
 * Extractive summary: sentences scored by the document frequency of their content words
 * (normalized by length), the best `count` kept in their original order. Also returns the top
 * keywords and basic statistics (reading time at 230 words per minute, in seconds).
 */
export function summarize(text: string, count: number): Summary {
  const sentences = (text.replace(/\s+/g, " ").match(/[^.!?]+(?:[.!?]+|$)/g) ?? []).map((s) => s.trim()).filter(Boolean);
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const freq = new Map<string, number>();
  for (const w of words) if (!STOPWORDS.has(w) && w.length > 2) freq.set(w, (freq.get(w) ?? 0) + 1);
  const scored = sentences.map((sentence, index) => {
    const tokens = (sentence.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []).filter((w) => freq.has(w));
    const score = tokens.reduce((sum, w) => sum + (freq.get(w) ?? 0), 0) / Math.sqrt(Math.max(tokens.length, 1));
    return { sentence, index, score };
  });
  const kept = [...scored]
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .sort((a, b) => a.index - b.index)
    .map((s) => s.sentence);
  const keywords = [...freq.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 8)
    .map(([word, c]) => ({ word, count: c }));
  return {
    summary: kept.join(" "),
    sentences: kept,
    keywords,
    stats: { characters: text.length, words: words.length, sentences: sentences.length, readingTimeSeconds: Math.ceil((words.length / 230) * 60) },
  };
}
