import { errorResponse, TollgateError } from "@/lib/errors";
import { noticePage } from "./notice-page";

/*
 * Every answer to a priced request repeats its URL in a header: the 402's PAYMENT-REQUIRED
 * (`resource.url`, a sign-in-with-x challenge's `uri` and `resources`, each signed offer), and a
 * paid answer's signed receipt in PAYMENT-RESPONSE; the official v2 client echoes the 402's in
 * its PAYMENT-SIGNATURE. Node takes at most 16 KiB of headers per message, both ways: its client
 * (undici, so @x402/fetch and x402-fetch) refuses a whole response past that, and Next's server
 * answers a request past it 431. A priced URL long enough to pass those gets 414 instead of an
 * answer nobody can read (or, after payment, a paid answer lost).
 */

/**
 * The longest URL (path and query as sent, percent-encoded: characters = bytes) a priced request
 * is answered for with a 402 or a payment, not counting a page opened with its access grant or a
 * call let through by sign-in or free quota (their answers repeat no URL): a signed receipt for it
 * stays well within 16 KiB. nginx's own default line limit is also 8 KiB.
 */
export const MAX_PRICED_URL_LENGTH = 8192;

/**
 * The most characters PAYMENT-REQUIRED and the resource URL may take together (characters of
 * base64 plus characters of the absolute URL). Within it, the 402's headers fit Node's 16 KiB, and
 * so does the paying request: its URL plus a PAYMENT-SIGNATURE that echoes less than the 402
 * carries (one of its `accepts`). Past it the 402 is answered 414. A route at the route editor's
 * limits (10 options, 4 KB of discovery, sign-in) takes ~12 KB with a short URL.
 */
export const PAYMENT_REQUIRED_URL_BUDGET = 15 * 1024;

/** Whether a 402 with `paymentRequiredHeader` for `resourceUrl` would pass PAYMENT_REQUIRED_URL_BUDGET. */
export function overUrlBudget(paymentRequiredHeader: string, resourceUrl: string): boolean {
  return paymentRequiredHeader.length + resourceUrl.length > PAYMENT_REQUIRED_URL_BUDGET;
}

/**
 * 414 `uri_too_long` for a priced request whose URL is too long to answer (MAX_PRICED_URL_LENGTH,
 * PAYMENT_REQUIRED_URL_BUDGET): a short HTML page for a person opening a page (`browser`), linking
 * to `canonicalPath` without the query; the JSON error, with `headers`, for anything else. Nothing
 * is charged.
 */
export function uriTooLong({ browser, canonicalPath, context, headers }: { browser: boolean; canonicalPath: string; context: string; headers?: Record<string, string> }): Response {
  if (browser) {
    const html = noticePage({ title: "Address too long", text: "This address is too long for a paid page. Nothing was charged.", link: { href: canonicalPath, label: "Open the page without the extra text" } });
    return new Response(html, { status: 414, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
  }
  return errorResponse(new TollgateError("uri_too_long", "This URL (path and query) is too long for a priced request; nothing was charged"), context, headers);
}
