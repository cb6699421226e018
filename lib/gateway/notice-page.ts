/**
 * A short HTML page a visitor can read where the gateway answers a browser itself (a blocked
 * page's 403, the 402 when the paywall could not be rendered): a heading, one sentence and one
 * link, styled inline (no app CSS or script). Every argument is fixed text of the app, never
 * request input: nothing here is escaped.
 */
export function noticePage({ title, text, link }: { title: string; text: string; link: { href: string; label: string } }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1c1917"><h1>${title}</h1><p>${text}</p><p><a href="${link.href}" style="color:#92400e">${link.label}</a></p></body></html>`;
}
