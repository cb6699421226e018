/** An article of the demo section. `body` paragraphs are plain text; `widget` names its interactive part. */
export type Article = {
  slug: string;
  title: string;
  summary: string;
  readingMinutes: number;
  body: string[];
  widget?: "cost-calculator" | "checklist";
};

/** The demo article section: /articles/welcome is free, the other two are priced in the seed. */
export const ARTICLES: Article[] = [
  {
    slug: "welcome",
    title: "Welcome to the reading room",
    summary: "What this section is, and how paying for a page works here.",
    readingMinutes: 2,
    body: [
      "This reading room is a small demonstration of selling pages on the open web without accounts, subscriptions or card forms. Some articles here are free. Others cost a few cents, paid in a stablecoin from a browser wallet.",
      "When you open a priced article, the server answers with HTTP 402 Payment Required, a status code that was reserved in 1997 and barely used since. The page you see instead of the article explains what is sold and for how much, in every currency the author accepts.",
      "You connect a wallet, check the price, and sign one authorization for exactly that amount. Nothing leaves your wallet until the article has actually been produced for you: the server verifies your signature, renders the page, and only then settles the transfer.",
      "After paying, you keep access to that article for a day. Reloading does not charge you again, and paying for one article never opens another.",
    ],
  },
  {
    slug: "deep-dive",
    title: "Deep dive: what a paid request really costs",
    summary: "Gas, facilitators and the economics of two-cent pages.",
    readingMinutes: 6,
    widget: "cost-calculator",
    body: [
      "A payment of two cents only makes sense if moving two cents costs far less than two cents. On a layer-2 network such as Base, one EIP-3009 transfer uses about 86,000 gas; at typical fees that is a small fraction of a cent, paid by the facilitator that submits it.",
      "The buyer never pays gas and never needs the chain's native token. They sign a typed message, transferWithAuthorization, that lets exactly one transfer of exactly one amount to exactly one recipient happen within a time window. The facilitator checks the signature, simulates the transfer, and submits it.",
      "The seller's risk is the opposite one: delivering without being paid. That is why the server verifies before it renders, and settles before it sends the page. The buyer's risk — paying for an error page — is removed by settling only after the page rendered successfully.",
      "Use the calculator below to see how per-request prices add up for a reader or an agent. It runs in your browser: if it responds, this page is fully interactive.",
      "The same mechanism serves machines. An agent that calls a priced API receives the same 402 with the same requirements, pays with a library instead of a wallet popup, and gets the response in the same round trip.",
    ],
  },
  {
    slug: "field-notes",
    title: "Field notes from running a paywall",
    summary: "Five things that break first, and a checklist to keep.",
    readingMinutes: 4,
    widget: "checklist",
    body: [
      "Caches are the first thing to break. A 402 answer must never be cached by a CDN, or paying visitors will be shown the paywall again. Tollgate marks every 402 and every paid response as not storable.",
      "Clocks are the second. A payment authorization is valid for a window measured in seconds; a server whose clock drifts will reject good payments as expired. Keep time synchronized and windows generous.",
      "Retries are the third. Browsers, proxies and impatient users repeat requests. The same signed payment must buy the page once and only once, even when two copies arrive at the same moment.",
      "Errors are the fourth. If the page fails to render, the reader must not be charged. Settling only after success makes that automatic instead of a refund process.",
      "The fifth is the wallet itself: the wrong network selected, not enough balance, a rejected signature. Each needs a plain sentence and a way to try again, not a stack trace. Tick the checklist below as you harden your own deployment.",
    ],
  },
];

/** The article with this slug, or undefined. */
export function findArticle(slug: string): Article | undefined {
  return ARTICLES.find((a) => a.slug === slug);
}
