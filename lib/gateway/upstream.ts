import { randomBytes, timingSafeEqual } from "node:crypto";
import { env } from "@/lib/env";

/**
 * Next's proxy cannot see the status of the page or route it lets through (NextResponse.next()
 * returns before the handler runs). So for a paid request the proxy calls the handler itself:
 * a loopback request to this same server, marked with a per-process secret that the proxy
 * recognizes and lets through untouched. The proxy then holds the real response and settles
 * only when it succeeded.
 */
export const UPSTREAM_HEADER = "x-tollgate-upstream";

/**
 * On a loopback call, asks for the paywall instead of the page: the proxy rewrites the call to
 * PAYWALL_PATH, keeping the page's URL (so the paywall hydrates at that URL). The value is a
 * base64 PaywallRequest (lib/paywall/request.ts): the PaymentRequired and the access window.
 */
export const PAYWALL_HEADER = "x-tollgate-paywall";
/** The internal page that renders the paywall; it answers 404 to anything but a loopback call. */
export const PAYWALL_PATH = "/x402/paywall";

const g = globalThis as typeof globalThis & { __tollgateUpstreamSecret?: Buffer };
const secret = (): Buffer => (g.__tollgateUpstreamSecret ??= randomBytes(32));

/** Whether a request is the proxy's own loopback call (constant-time check of the secret). */
export function isUpstreamCall(headers: Headers): boolean {
  const value = headers.get(UPSTREAM_HEADER);
  if (!value) return false;
  const given = Buffer.from(value, "hex");
  const expected = secret();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Request headers that belong to this hop or to the payment, not to the handler. */
const DROP_REQUEST_HEADERS = ["payment-signature", "x-payment", "connection", "keep-alive", "content-length", "transfer-encoding", "host", "expect", "upgrade"];
/** Response headers that no longer describe the body once fetch has decoded it. */
const DROP_RESPONSE_HEADERS = ["content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"];

/**
 * Runs the real handler for `request` once, through the loopback call, and returns its response
 * with the body fully read (the body is needed before settling, and settling decides whether it
 * is delivered). Redirects are returned, not followed.
 *
 * @param body the request body already read by the proxy (null for GET/HEAD).
 * @param extraHeaders headers for the handler (the paywall render's PaymentRequired).
 * @throws Error when the server cannot be reached (the caller answers 502).
 */
export async function callUpstream(
  request: Request,
  body: ArrayBuffer | null,
  extraHeaders: Record<string, string> = {},
): Promise<{ response: Response; body: ArrayBuffer }> {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  for (const h of DROP_REQUEST_HEADERS) headers.delete(h);
  for (const [k, v] of Object.entries(extraHeaders)) headers.set(k, v);
  headers.set(UPSTREAM_HEADER, secret().toString("hex"));
  // The loopback's Host is the upstream origin; keep the client's for handlers that build URLs.
  // (request.url's host is Next's normalized one, not what the client sent.)
  const clientHost = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (clientHost) headers.set("x-forwarded-host", clientHost);
  headers.set("x-forwarded-proto", request.headers.get("x-forwarded-proto") ?? url.protocol.replace(":", ""));
  const response = await fetch(`${env().upstreamOrigin}${url.pathname}${url.search}`, {
    method: request.method,
    headers,
    body,
    redirect: "manual",
    cache: "no-store",
  });
  return { response, body: await response.arrayBuffer() };
}

/** The upstream's headers, minus those that described the encoded body on the loopback hop. */
export function upstreamHeaders(response: Response): Headers {
  const headers = new Headers(response.headers);
  for (const h of DROP_RESPONSE_HEADERS) headers.delete(h);
  return headers;
}
