import { createHmac, timingSafeEqual } from "node:crypto";
import { signingKey } from "@/lib/access/secret";
import { env } from "@/lib/env";
import { publicOriginOf } from "@/lib/public-origin";
import { bufferUpTo, isLiveFeed, readPrefix } from "@/lib/streams";

/**
 * Next's proxy cannot see the status of the page or route it lets through (NextResponse.next()
 * returns before the handler runs). So for a paid request the proxy calls the handler itself:
 * a loopback request to this same server, marked with a secret (derived from AUTH_SECRET) that the proxy
 * recognizes and lets through untouched. The proxy then holds the real response and settles
 * only when it succeeded.
 */
export const UPSTREAM_HEADER = "x-tollgate-upstream";

/**
 * The paywall render's loopback call to PAYWALL_PATH carries what to show in this header: a
 * base64 PaywallRequest (lib/paywall/request.ts), the PaymentRequired and the access window.
 * (The call goes to PAYWALL_PATH itself, not to the page's URL rewritten there: under
 * `next start -H 127.0.0.1` or `-H 0.0.0.0` Next sends such a rewrite out again as an HTTP
 * proxy request to `localhost`, one more hop that failed in `next dev`'s first render.)
 */
export const PAYWALL_HEADER = "x-tollgate-paywall";
/** The internal page that renders the paywall; it answers 404 to anything but a loopback call. */
export const PAYWALL_PATH = "/x402/paywall";

/**
 * The loopback secret, derived from AUTH_SECRET (lib/access/secret.ts), so every instance of one
 * deployment shares it: with UPSTREAM_ORIGIN behind a load balancer, the loopback call may reach
 * another instance, which must recognize it (and its page-access proofs).
 */
const secret = (): Buffer => Buffer.from(signingKey("upstream"));

/**
 * Header by which the proxy tells a priced page that it let this request through (payment or
 * grant) for one canonical path: `<expiresAtMs>.<HMAC-SHA256(loopback secret, path, expiry)>`.
 * The page's own lock (lib/gateway/page-lock.ts) checks it against the path the router resolved.
 */
export const PAGE_ACCESS_HEADER = "x-tollgate-page-access";
/** How long a page-access proof is good for, in ms: one render, generously. */
const PAGE_ACCESS_TTL_MS = 60_000;

/** A page-access proof for the decoded canonical `path` (e.g. "/articles/deep-dive"). */
export function pageAccessProof(path: string, now = Date.now()): string {
  const expiresAt = now + PAGE_ACCESS_TTL_MS;
  return `${expiresAt}.${pageAccessMac(path, expiresAt)}`;
}

/** Whether `value` is an unexpired proof, made by this process, for exactly `path`. */
export function isPageAccessProof(value: string | null, path: string, now = Date.now()): boolean {
  const match = /^(\d{1,16})\.([0-9a-f]{64})$/.exec(value ?? "");
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (!(expiresAt > now)) return false;
  const given = Buffer.from(match[2]!, "hex");
  return timingSafeEqual(given, Buffer.from(pageAccessMac(path, expiresAt), "hex"));
}

/**
 * The MAC of a page-access proof for `path` expiring at `expiresAt` (ms since epoch), in hex,
 * under `key`: the loopback secret unless given (a test acting as the loopback call passes the
 * key it derived from the app's AUTH_SECRET).
 */
export function pageAccessMac(path: string, expiresAt: number, key: Uint8Array = secret()): string {
  return createHmac("sha256", key).update(`page-access\n${expiresAt}\n${path}`).digest("hex");
}

/** Whether a request is the proxy's own loopback call (constant-time check of the secret). */
export function isUpstreamCall(headers: Headers): boolean {
  const value = headers.get(UPSTREAM_HEADER);
  if (!value) return false;
  const given = Buffer.from(value, "hex");
  const expected = secret();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Request headers that belong to this hop or to the payment, not to the handler. */
const DROP_REQUEST_HEADERS = ["payment-signature", "x-payment", PAGE_ACCESS_HEADER, "connection", "keep-alive", "content-length", "transfer-encoding", "host", "expect", "upgrade"];
/** Response headers that no longer describe the body once fetch has decoded it. */
const DROP_RESPONSE_HEADERS = ["content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"];

/** A handler's response larger than a caller may hold whole (`limit`, in bytes); what was read is dropped. */
export class ResponseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The response is larger than ${limit} bytes`);
    this.name = "ResponseTooLarge";
  }
}

/**
 * Runs the real handler for `request` once, through the loopback call, and returns its response
 * with the body fully read (the body is needed before settling, and settling decides whether it
 * is delivered), at most MAX_BUFFERED_RESPONSE_BYTES of it. Redirects are returned, not followed.
 *
 * @param target where to send it: `href`, the canonical spelling of the path the proxy priced
 *   (so the router resolves exactly what was priced), and `path`, its decoded form, which the
 *   page-access proof names.
 * @param body the request body already read by the proxy (null for GET/HEAD).
 * @param extraHeaders headers for the handler (the paywall render's PaymentRequired).
 * @throws ResponseTooLarge when the body (as decoded) is longer than MAX_BUFFERED_RESPONSE_BYTES:
 *   a declared Content-Length says so before any of it is read, else reading stops past the bound
 *   and the handler's stream is cancelled.
 * @throws Error when the server cannot be reached or the handler runs past UPSTREAM_TIMEOUT_MS
 *   (the caller answers 502).
 */
export async function callUpstream(
  request: Request,
  target: { path: string; href: string },
  body: ArrayBuffer | null,
  extraHeaders: Record<string, string> = {},
): Promise<{ response: Response; body: ArrayBuffer }> {
  const signal = AbortSignal.timeout(env().upstreamTimeoutMs);
  const response = await fetchUpstream(request, target, body, extraHeaders, signal);
  const limit = env().maxBufferedResponseBytes;
  // (A declared length counts only for a body fetch does not decode: an encoded one grows.)
  if (declaredLength(response.headers) > limit) {
    response.body?.cancel().catch(() => {});
    throw new ResponseTooLarge(limit);
  }
  const bytes = await readPrefix(response.body, limit + 1);
  if (bytes.byteLength > limit) throw new ResponseTooLarge(limit);
  return { response, body: bytes.buffer };
}

/**
 * Like `callUpstream`, but returns as soon as the handler's status and headers arrive, with the
 * body still streaming (SSE, chunked output, large downloads: flat memory). UPSTREAM_TIMEOUT_MS
 * bounds the wait for the headers only. Cancelling the returned body cancels the handler's
 * stream (the loopback connection closes).
 *
 * @throws Error when the server cannot be reached or no headers came within UPSTREAM_TIMEOUT_MS.
 */
export async function openUpstream(request: Request, target: { path: string; href: string }, body: ArrayBuffer | null): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("The handler sent no headers in time", "TimeoutError")), env().upstreamTimeoutMs);
  try {
    return await fetchUpstream(request, target, body, {}, controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Like `openUpstream`, but holds the body whole when it ends within `limit` bytes and
 * UPSTREAM_TIMEOUT_MS (the headers' wait included); past either, the body streams from where the
 * read stopped, none of it lost or repeated. For a payment-identifier payment on a streamed route:
 * a body that could be kept for the id's retries is held to be kept, a longer or slower one
 * streams like any other payment's (holding it whole would cost its size in memory).
 * Two bodies stream at once, none of them read here, as their headers already show they will not
 * be kept: a live feed (server-sent events or a JSON-lines stream, see {@link isLiveFeed}: each
 * record is worth its moment, and a feed may never end) and a declared Content-Length over
 * `limit` (on a body fetch does not decode).
 *
 * @param limit in bytes: the most held whole.
 * @returns `body` when held whole; else null, with `response` reading the handler's stream from
 *   where this stopped (cancelling it cancels the handler's stream).
 * @throws what openUpstream throws, or the handler stream's error while the start was read.
 */
export async function openUpstreamUpTo(
  request: Request,
  target: { path: string; href: string },
  body: ArrayBuffer | null,
  limit: number,
): Promise<{ response: Response; body: ArrayBuffer | null }> {
  const deadline = AbortSignal.timeout(env().upstreamTimeoutMs);
  const response = await openUpstream(request, target, body);
  if (isLiveFeed(response.headers) || declaredLength(response.headers) > limit) return { response, body: null };
  const read = await bufferUpTo(response.body, limit, deadline);
  if ("whole" in read) return { response, body: read.whole.buffer };
  const rest = new Response(read.stream, { status: response.status, statusText: response.statusText, headers: response.headers });
  return { response: keepingSource(rest, response), body: null };
}

/** The body's declared length in bytes, when fetch hands it on as sent (not encoded); else NaN. */
function declaredLength(headers: Headers): number {
  return headers.has("content-encoding") ? Number.NaN : Number(headers.get("content-length") ?? Number.NaN);
}

const KEEP_SOURCE = Symbol("tollgate.upstream-response");

/**
 * Returns `out`, which pipes the body of the fetch Response `source`, holding `source` for as long
 * as `out` lives: undici cancels the body of a garbage-collected fetch Response, so a body handed
 * on without its Response may be cut before it is read.
 */
export function keepingSource(out: Response, source: Response | null): Response {
  if (source) Object.defineProperty(out, KEEP_SOURCE, { value: source });
  return out;
}

async function fetchUpstream(
  request: Request,
  target: { path: string; href: string },
  body: ArrayBuffer | null,
  extraHeaders: Record<string, string>,
  signal: AbortSignal,
): Promise<Response> {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  for (const h of DROP_REQUEST_HEADERS) headers.delete(h);
  for (const [k, v] of Object.entries(extraHeaders)) headers.set(k, v);
  headers.set(UPSTREAM_HEADER, secret().toString("hex"));
  // Every loopback call carries the proof, API routes' too: a merchant may price a page's path as
  // an "api" route, and the page's own lock (page-lock.ts) must then let the paid call through.
  headers.set(PAGE_ACCESS_HEADER, pageAccessProof(target.path));
  // Uncompressed on the loopback hop: compressing here only to decompress a few lines below costs
  // CPU on every paid request (the buyer's response is compressed, or not, on the way out).
  headers.set("accept-encoding", "identity");
  // The loopback's Host is the upstream origin; tell handlers that build URLs the configured public
  // origin the client addressed (never a Host or X-Forwarded-Host the client made up).
  const origin = new URL(publicOriginOf(request.headers, request.url));
  headers.set("x-forwarded-host", origin.host);
  headers.set("x-forwarded-proto", origin.protocol.replace(":", ""));
  return fetch(`${env().upstreamOrigin}${target.href}${url.search}`, {
    method: request.method,
    headers,
    body,
    redirect: "manual",
    cache: "no-store",
    signal,
  });
}

/** The upstream's headers, minus those that described the encoded body on the loopback hop. */
export function upstreamHeaders(response: Response): Headers {
  const headers = new Headers(response.headers);
  for (const h of DROP_RESPONSE_HEADERS) headers.delete(h);
  return headers;
}
