import { findArticle } from "@/lib/articles/articles";

/** What a priced page tells buyers about itself before they pay. */
export type Teaser = { title: string; summary: string; readingMinutes: number | null };

/**
 * The teaser of the page at `resourceUrl` (the PaymentRequired's resource URL), from the page's
 * own content source; null when the page provides none (the paywall then shows the route's
 * description). Articles (/articles/:slug) give their title, summary and reading time.
 */
export function teaserFor(resourceUrl: string): Teaser | null {
  let path: string;
  try {
    path = new URL(resourceUrl).pathname;
  } catch {
    return null;
  }
  const article = /^\/articles\/([^/]+)$/.exec(path);
  if (article) {
    const found = findArticle(decodeURIComponent(article[1]!));
    if (found) return { title: found.title, summary: found.summary, readingMinutes: found.readingMinutes };
  }
  return null;
}
