/** The demo quote service's catalogue: public-domain lines about toll roads, trade and value. */
export const QUOTES = [
  { text: "Price is what you pay. Value is what you get.", author: "Benjamin Graham (popularized by Warren Buffett)" },
  { text: "There is no such thing as a free lunch.", author: "Popular saying" },
  { text: "Time is money.", author: "Benjamin Franklin" },
  { text: "Beware of little expenses; a small leak will sink a great ship.", author: "Benjamin Franklin" },
  { text: "What we obtain too cheap, we esteem too lightly.", author: "Thomas Paine" },
  { text: "The best things in life are free. The second best are very expensive.", author: "Coco Chanel" },
  { text: "A penny saved is a penny earned.", author: "Proverb" },
] as const;

/**
 * The quote for a moment: rotates through the catalogue once a minute, so repeated calls within
 * a minute agree and a paid call is reproducible.
 */
export function quoteAt(date: Date) {
  const minute = Math.floor(date.getTime() / 60_000);
  const index = minute % QUOTES.length;
  return { ...QUOTES[index]!, index, servedAt: date.toISOString() };
}
