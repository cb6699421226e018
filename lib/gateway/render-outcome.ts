import { TollgateError } from "@/lib/errors";

/** A page render that failed after its status was sent: the failing boundary's digest, if React wrote one. */
export type StreamedRenderFailure = { digest: string | null };

/** Next's digest for an intended client-side render (`next/dynamic` with `ssr: false`, `useSearchParams` in a static page): not a failure. */
const CLIENT_RENDER_BAILOUT = "BAILOUT_TO_CLIENT_SIDE_RENDERING";
/** Next's digest for notFound(), forbidden() and unauthorized(): `NEXT_HTTP_ERROR_FALLBACK;<status>`. */
const HTTP_FALLBACK = /^NEXT_HTTP_ERROR_FALLBACK;(401|403|404)$/;

/**
 * React's marks of a Suspense boundary whose server render errored, so the browser is told to
 * render it itself (react-dom/server, Fizz). Each is the start of an instruction React writes
 * and page text never contains: text and attribute values are HTML-escaped (`<` and `"` never
 * appear raw), and Next's inlined RSC data is a JSON string inside a script (`"` as `\"`).
 * - `<!--$!-->`: a boundary that errored before the shell was sent, followed by
 *   `<template data-dgst="DIGEST">` (the attribute is left out when there is no digest);
 * - `$RX("ID","DIGEST")`: a boundary that errored after (`$RX("ID")` or `null` without digest);
 * - `<template data-rxi="" data-bid="ID" data-dgst="DIGEST">`: the same, for React's external runtime.
 */
const MARKS = ["<!--$!-->", '$RX("', '<template data-rxi=""'].map((m) => Buffer.from(m, "latin1"));
/** Bytes read after a mark to find its digest: Next's digests are short (a hash or a code and a URL). */
const DIGEST_WINDOW = 4096;

/**
 * Whether a complete HTML response that answered with a status below 400 is in fact a failed
 * render. Next sends a page's status when its shell is ready; a `notFound()`, `forbidden()`,
 * `unauthorized()`, `redirect()` or error thrown later, under a Suspense boundary (a
 * `loading.tsx` is one), cannot change it: the page answers 200 and the browser renders the
 * not-found page or error in its place. Settling on that status would charge the buyer for it.
 *
 * @param contentType the response's Content-Type; only `text/html` is read.
 * @param body the whole body as sent (uncompressed: the loopback call asks for identity).
 * @returns null when no boundary failed (intended client-side renders count as success), or
 *   the first failing boundary's digest (null when React wrote none).
 */
export function streamedRenderFailure(contentType: string | null, body: Uint8Array): StreamedRenderFailure | null {
  if (!contentType || !/^\s*text\/html\s*(;|$)/i.test(contentType)) return null;
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  for (const mark of MARKS) {
    for (let at = bytes.indexOf(mark); at !== -1; at = bytes.indexOf(mark, at + mark.length)) {
      const tail = bytes.subarray(at, at + mark.length + DIGEST_WINDOW).toString("utf8");
      const digest = digestAt(tail);
      if (digest !== CLIENT_RENDER_BAILOUT) return { digest };
    }
  }
  return null;
}

/** The digest written with the instruction that starts `tail`, or null when it has none or it cannot be read. */
function digestAt(tail: string): string | null {
  if (tail.startsWith("$RX(")) {
    const call = /^\$RX\("[^"\\]*",("(?:[^"\\]|\\.)*")/.exec(tail);
    if (!call) return null;
    try {
      const digest: unknown = JSON.parse(call[1]!);
      return typeof digest === "string" ? digest : null;
    } catch {
      return null;
    }
  }
  // A template's attributes, up to the end of its start tag.
  const template = /^(?:<!--\$!-->)?<template\b([^>]*)>/.exec(tail);
  const attribute = template && /\sdata-dgst="([^"]*)"/.exec(template[1]!);
  return attribute ? unescapeAttribute(attribute[1]!) : null;
}

/** Undoes React's escaping of an attribute value (escapeTextForBrowser: `&`, `<`, `>`, `"`, `'`). */
function unescapeAttribute(value: string): string {
  const entities: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };
  return value.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (e) => entities[e]!);
}

/**
 * The error a paid request gets for a failed render (nothing charged, and none of the page: what
 * rendered before the failure may be paid content): 404, 403 or 401 for Next's notFound(),
 * forbidden() and unauthorized(), as the page would have answered had it failed before its
 * status was sent; 502 `upstream_failed` for anything else (an error, a redirect).
 */
export function renderFailureError(failure: StreamedRenderFailure): TollgateError {
  const status = failure.digest ? HTTP_FALLBACK.exec(failure.digest)?.[1] : undefined;
  if (status === "404") return new TollgateError("not_found", "This page does not exist; nothing was charged");
  if (status === "403") return new TollgateError("forbidden", "This page refused the request; nothing was charged");
  if (status === "401") return new TollgateError("unauthorized", "This page asks for authentication; nothing was charged");
  return new TollgateError("upstream_failed", "The page failed while it was being produced; nothing was charged");
}
