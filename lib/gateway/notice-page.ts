/**
 * A short HTML page a visitor can read where the gateway answers a browser itself (a blocked
 * page's 403, the 402 when the paywall could not be rendered): a heading, one sentence and one
 * link, styled inline (no app CSS or script). Every argument is fixed text of the app, never
 * request input: nothing here is escaped.
 */
export function noticePage({ title, text, link }: { title: string; text: string; link: { href: string; label: string } }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1c1917"><h1>${title}</h1><p>${text}</p><p><a href="${link.href}" style="color:#92400e">${link.label}</a></p></body></html>`;
}

/**
 * The 402 page a browser gets when it opens a priced API route's address: what the route is (its
 * method, path and description), what each call costs, and that a program pays for it with an
 * x402 client; nothing is charged for looking. Styled inline like `noticePage`. Every argument is
 * escaped: the description is the merchant's text, and the path is the request's (a pattern's
 * `:name` segment matches anything).
 *
 * @param prices each payment option in words ("0.01 USDC on Base Sepolia"), in `accepts` order.
 */
export function paidApiPage({ method, path, description, prices }: { method: string; path: string; description: string; prices: string[] }): string {
  const price = prices.length ? `Each call costs ${prices.map(escapeHtml).join(" or ")}.` : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Paid API</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1c1917;line-height:1.5"><p style="color:#92400e;font-size:.75rem;font-weight:600;letter-spacing:.05em;text-transform:uppercase">Paid API</p><h1 style="font-family:ui-monospace,monospace;font-size:1.25rem;word-break:break-all">${escapeHtml(method)} ${escapeHtml(path)}</h1>${description ? `<p>${escapeHtml(description)}</p>` : ""}<p>${price} It answers programs: an x402 client (for example <code>@x402/fetch</code>) pays for a call and gets the answer. Opening it here charged nothing.</p><p><a href="/llms.txt" style="color:#92400e">Priced APIs, for agents</a> · <a href="/" style="color:#92400e">Home</a></p></body></html>`;
}

/** `text` with the five characters HTML gives a meaning (& < > " ') written as entities. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
