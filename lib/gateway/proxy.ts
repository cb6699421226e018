import { NextResponse, type NextRequest } from "next/server";
import { quotaIdentity, quotaWindow, takeFreeCall } from "@/lib/access/quota";
import { routeNetworks, signInAccess, SIWX_HEADER, verifySignIn } from "@/lib/access/siwx";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { errorResponse, TollgateError } from "@/lib/errors";
import { publicOriginOf } from "@/lib/public-origin";
import { canonicalizePath } from "@/lib/x402/request-path";
import { isDashboardPath, isTollgatePath } from "@/lib/x402/route-pattern";
import { refuseBadPagePost } from "./page-post-guard";
import { ensureBackgroundJobs } from "./background";
import { enforcePayment, hasPageAccess, isBrowserNavigation, PAYMENT_CORS_HEADERS, preflightResponse } from "./enforce";
import type { PricedRouteConfig } from "@/lib/x402/route-table";
import { databaseState, HEALTH_PATHS } from "./health";
import { getRouteSnapshot } from "./route-cache";
import { noticePage } from "./notice-page";
import { MAX_PRICED_URL_LENGTH, uriTooLong } from "./url-limit";
import { isUpstreamCall, PAGE_ACCESS_HEADER, pageAccessProof, PAYWALL_PATH } from "./upstream";

/**
 * Everything proxy.ts does: free requests pass, priced ones go through x402 enforcement (pages
 * pass with a valid access grant), and the gateway's own loopback calls reach their handler, or
 * the paywall.
 *
 * Pricing is decided on the canonical decoded path (lib/x402/request-path.ts), the form Next's
 * router resolves, so no other spelling of a priced path reaches its page or handler free. A
 * path without one meaning (encoded slash, malformed percent-encoding) is refused with 400; a
 * non-canonical GET/HEAD spelling of a priced path is redirected (308) to the canonical URL. A
 * page let through carries a page-access proof for that path, which the page's own lock checks.
 * If the priced routes cannot be known (the database was never readable), every request fails
 * closed with 503 (a person opening a page gets a short page saying so). The health checks
 * (`/healthz`, `/readyz`, lib/gateway/health.ts) pass before any of that: never priced or blocked.
 * So do the dashboard and its sign-in handlers (`isTollgatePath`), except that a dashboard read
 * made while the database is out of reach is answered 503 (a person gets a page saying so).
 *
 * A route the merchant blocked answers 403 to every request, before any pricing.
 *
 * A form post let through to a page that Next's server-action handler would refuse with a 500
 * (cross-site, oversized, unreadable multipart) is refused here with 403/413/400 instead
 * (lib/gateway/page-post-guard.ts); a post to one of Next's data routes gets 405.
 *
 * Before payment, an API route may let a request through free: a valid SIGN-IN-WITH-X from an
 * address holding access to the route (sign-in-with-x access window), or a free call of the
 * route's quota (lib/access/quota.ts). A refused sign-in or a used-up quota is said in the 402.
 */
export async function handleProxyRequest(request: NextRequest): Promise<Response> {
  if (isUpstreamCall(request.headers)) return NextResponse.next();
  ensureBackgroundJobs();
  const context = `${request.method} ${request.nextUrl.pathname}`;
  // Next's data routes (/_next/data/…, which Next marks x-nextjs-data before the proxy runs) serve
  // GET only; Next answers some posts to them with a 500.
  if (request.headers.has("x-nextjs-data") && request.method !== "GET" && request.method !== "HEAD") {
    return errorResponse(new TollgateError("method_not_allowed", "Data routes answer GET only"), context, { allow: "GET, HEAD" });
  }
  const target = canonicalizePath(request.nextUrl.pathname);
  if (!target.ok) return errorResponse(new TollgateError("bad_request", `Malformed path: ${target.reason}`), context);
  // The paywall page exists only behind the loopback call (whatever the spelling).
  if (target.path.toLowerCase() === PAYWALL_PATH) return new NextResponse(null, { status: 404 });
  // The health checks answer whatever routes are priced or blocked, and without a database.
  if (HEALTH_PATHS.has(target.path)) return NextResponse.next();
  // The dashboard and its sign-in are the merchant's, whatever the routes say (a route charging or
  // blocking every path must not lock the merchant out of undoing it), and need the database.
  if (isTollgatePath(target.path)) {
    if (isDashboardRead(request, target.path) && (await databaseState()) !== "ok") return dashboardUnavailable(request, context);
    return (await refusedPagePost(request, target.path, context)) ?? NextResponse.next();
  }
  let snapshot;
  try {
    snapshot = await getRouteSnapshot();
  } catch (error) {
    const refused = errorResponse(error, `route table for ${context}`);
    return isBrowserNavigation(request) ? unavailablePage(refused) : refused;
  }
  // A preflight is decided for the method it asks about.
  const method = request.method === "OPTIONS" ? (request.headers.get("access-control-request-method") ?? "GET") : request.method;
  // A blocked route is served to nobody, paid or not; it wins over any charging route that also matches.
  const blocked = snapshot.blocked.match(method, target.path);
  if (blocked) return blockedResponse(blocked);
  if (request.method === "OPTIONS") return snapshot.table.match(method, target.path) ? preflightResponse() : NextResponse.next();
  const route = snapshot.table.match(request.method, target.path);
  if (!route) return (await refusedPagePost(request, target.path, context)) ?? NextResponse.next();
  if (!target.canonical && (request.method === "GET" || request.method === "HEAD")) {
    // One URL per priced resource: grants are cookies scoped to the canonical path. (Next wants an
    // absolute Location from the proxy; on its own origin it sends it relative.)
    const location = new URL(`${target.href}${request.nextUrl.search}`, env().nextOrigin ?? request.nextUrl.origin);
    const response = NextResponse.redirect(location, 308);
    response.headers.set("cache-control", "no-store");
    return response;
  }
  if (route.kind === "page" && isScriptHeadCheck(request)) {
    // A same-origin script asking only for a priced page's headers (the Coinbase Wallet SDK checks
    // the page's Cross-Origin-Opener-Policy this way, and logs an error on a 402): no content, no
    // render, no grant, just headers.
    return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  }
  if (route.kind === "page" && (await hasPageAccess(request, route, target))) {
    const refused = await refusedPagePost(request, target.path, context);
    if (refused) return refused;
    const headers = new Headers(request.headers);
    headers.set(PAGE_ACCESS_HEADER, pageAccessProof(target.path));
    return NextResponse.next({ request: { headers } });
  }
  let refusal: { code: "sign_in_refused" | "payment_required"; message: string } | undefined;
  let quotaExhausted: Date | undefined;
  const paying = request.headers.has("payment-signature") || request.headers.has("x-payment");
  const quota = route.kind === "api" && route.freeQuota > 0 && !paying;
  const header = route.kind === "api" && (route.siwxAccess || quota) ? request.headers.get(SIWX_HEADER) : null;
  try {
    // One check of the SIGN-IN-WITH-X proof serves both the access window and the quota.
    const signIn = header
      ? await verifySignIn(header, { origin: publicOriginOf(request.headers, request.url), path: target.path, href: target.href, networks: routeNetworks(route) })
      : null;
    if (signIn && route.siwxAccess) {
      // Pay once, then sign in: a valid SIGN-IN-WITH-X from an address holding access to this
      // route reaches the handler without payment. Anything else falls through (402 with the reason).
      const access = await signInAccess(await getDb(), signIn, route);
      if (access.granted) return letThrough(request, { [ACCESS_UNTIL_HEADER]: access.until.toISOString() });
      refusal = { code: "sign_in_refused", message: `Sign-in refused: ${access.reason}` };
    }
    if (quota) {
      // Free quota, then paid: the caller's free calls in this window, counted in the database.
      const db = await getDb();
      const who = await quotaIdentity(db, request.headers, { signIn, trustProxyHeaders: env().trustProxyHeaders });
      if (who.identity) {
        const call = await takeFreeCall(db, route, who.identity);
        if (call) return letThrough(request, { [QUOTA_REMAINING_HEADER]: String(call.remaining), [QUOTA_RESET_HEADER]: call.resetsAt.toISOString() });
        quotaExhausted = quotaWindow(route).end;
        refusal = { code: "payment_required", message: `The ${route.freeQuota} free calls of this window are used; they renew at ${quotaExhausted.toISOString()}. Pay to continue.` };
      } else {
        refusal = who.refused
          ? { code: "sign_in_refused", message: `Sign-in refused: ${who.refused}` }
          : { code: "payment_required", message: `Payment required, or sign in (sign-in-with-x) to use the ${route.freeQuota} free calls per caller` };
      }
    }
  } catch (error) {
    return errorResponse(error, `sign-in or free quota for ${context}`, PAYMENT_CORS_HEADERS);
  }
  // Past this point every answer repeats the URL in a header (a 402, or a paid answer's receipt).
  const url = new URL(request.url);
  if (url.pathname.length + url.search.length > MAX_PRICED_URL_LENGTH) {
    return uriTooLong({ browser: isBrowserNavigation(request), canonicalPath: target.href, context, headers: PAYMENT_CORS_HEADERS });
  }
  const response = await enforcePayment(request, route, snapshot, target, { refusal });
  if (quotaExhausted && response.status === 402) {
    response.headers.set(QUOTA_REMAINING_HEADER, "0");
    response.headers.set(QUOTA_RESET_HEADER, quotaExhausted.toISOString());
  }
  return response;
}

/**
 * For a request let through to a page: Next's server-action refusals answered with their own
 * status instead of Next's 500 (lib/gateway/page-post-guard.ts). Paths under /api/ are route
 * handlers (this app keeps every handler that takes a POST there), which read their own bodies
 * and take cross-site posts if they choose: they are left alone.
 */
async function refusedPagePost(request: NextRequest, path: string, context: string): Promise<Response | null> {
  if (path.startsWith("/api/")) return null;
  const refusal = await refuseBadPagePost(request);
  return refusal ? errorResponse(refusal, context) : null;
}

/**
 * A read of the dashboard (GET or HEAD under /dashboard: its pages and the CSV export), other
 * than the React Server Component fetches the dashboard makes when it navigates within itself:
 * those reach the page, whose error boundary says what failed, within the dashboard's navigation
 * (app/dashboard/(app)/error.tsx). Server actions (POST) answer their own failures.
 */
function isDashboardRead(request: NextRequest, path: string): boolean {
  if (!isDashboardPath(path)) return false;
  return (request.method === "GET" || request.method === "HEAD") && !request.headers.has("rsc");
}

/**
 * What a dashboard read made while the database is out of reach answers: 503 with Retry-After,
 * `database_unavailable` in JSON, or, to a client asking for HTML, a short page that says so in
 * words, readable without JavaScript. (Rendered, the page would fail inside Next, whose answer to
 * a server error is status 500 and an empty shell that only JavaScript fills in.)
 */
function dashboardUnavailable(request: NextRequest, context: string): Response {
  const refused = errorResponse(new TollgateError("database_unavailable", "The dashboard's database is unavailable; try again shortly"), `dashboard ${context}`);
  if (!(request.headers.get("accept") ?? "").includes("text/html")) return refused;
  return unavailablePage(refused, {
    title: "Dashboard briefly unavailable",
    text: "The dashboard cannot reach its database just now, so it has nothing to show. Payments already recorded are safe, and none is lost while it is down. Please try again in a moment.",
  });
}

/**
 * A HEAD request made by a script of this same site (fetch: Sec-Fetch-Mode cors, Sec-Fetch-Dest
 * empty, Sec-Fetch-Site same-origin), never a navigation. Headers a client may forge: what it
 * gets is a 204 without content, so forging them gains nothing.
 */
function isScriptHeadCheck(request: NextRequest): boolean {
  const h = request.headers;
  return request.method === "HEAD" && h.get("sec-fetch-mode") === "cors" && h.get("sec-fetch-dest") === "empty" && h.get("sec-fetch-site") === "same-origin";
}

/**
 * The answer for a blocked route: 403. API routes get the JSON error every client reads; pages
 * get a short HTML page a visitor can read.
 */
function blockedResponse(route: PricedRouteConfig): Response {
  if (route.kind === "api") return errorResponse(new TollgateError("forbidden", "This resource is not available: its owner has blocked it"), `blocked ${route.method} ${route.pathPattern}`);
  return noticeResponse(403, noticePage({ title: "Not available", text: "The owner of this site has made this page unavailable. Nothing was charged.", link: { href: "/", label: "Go to the home page" } }));
}

/**
 * What a person opening a page gets instead of `refused` (the JSON error every client reads) when
 * nothing can be served: a short page (`notice`, by default the site's "Briefly unavailable")
 * with the same status and Retry-After, and a "Try again" link to the same address.
 */
function unavailablePage(
  refused: Response,
  notice: { title: string; text: string } = { title: "Briefly unavailable", text: "This site cannot answer just now. Nothing was charged. Please try again in a moment." },
): Response {
  const html = noticePage({ ...notice, link: { href: "", label: "Try again" } });
  const retryAfter = refused.headers.get("retry-after");
  return noticeResponse(refused.status, html, retryAfter ? { "retry-after": retryAfter } : {});
}

/** A notice page (`noticePage`) answered with `status`, never cached, plus `headers`. */
function noticeResponse(status: number, html: string, headers: Record<string, string> = {}): Response {
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...headers } });
}

/** Response header on a request served by sign-in: when the signer's access to the route ends (ISO 8601). */
export const ACCESS_UNTIL_HEADER = "x-access-until";
/** Response headers of a route with a free quota: free calls left in this window, and when it renews (ISO 8601). */
export const QUOTA_REMAINING_HEADER = "x-quota-remaining";
export const QUOTA_RESET_HEADER = "x-quota-reset";

/** Lets a request through to its handler without payment (signed-in access or a free call), with `responseHeaders`. */
function letThrough(request: NextRequest, responseHeaders: Record<string, string>): NextResponse {
  const headers = new Headers(request.headers);
  for (const h of [SIWX_HEADER, "payment-signature", "x-payment"]) headers.delete(h);
  const response = NextResponse.next({ request: { headers } });
  for (const [k, v] of Object.entries(responseHeaders)) response.headers.set(k, v);
  response.headers.set("access-control-allow-origin", "*");
  response.headers.set("access-control-expose-headers", [ACCESS_UNTIL_HEADER, QUOTA_REMAINING_HEADER, QUOTA_RESET_HEADER].join(", "));
  response.headers.set("cache-control", "private, no-store");
  return response;
}
