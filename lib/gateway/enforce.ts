import { encodePaymentRequiredHeader, encodePaymentResponseHeader } from "@x402/core/http";
import {
  FacilitatorResponseError,
  FacilitatorTimeoutError,
  SettleError,
  VerifyError,
  type PaymentPayload,
  type PaymentRequirements,
  type ResourceInfo,
  type SettleResponse,
  type VerifyResponse,
} from "@x402/core/types";
import { grantCookie, grantCookieName, signGrant, verifyGrant } from "@/lib/access/grant";
import { signingKey } from "@/lib/access/secret";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { errorResponse, TollgateError, type ErrorCode } from "@/lib/errors";
import { publicOriginOf } from "@/lib/public-origin";
import { recordSettlement, releasePayment, reservePayment } from "@/lib/payments/mutations";
import { encodePaywallRequest } from "@/lib/paywall/request";
import { readPaymentHeaders, type IncomingPayment } from "@/lib/x402/payment-header";
import { paymentKey } from "@/lib/x402/payment-key";
import { assertSchemePayload } from "@/lib/x402/scheme-payload";
import type { PricedRouteConfig } from "@/lib/x402/route-table";
import { encodeV1PaymentResponse, findV1Requirement, paymentRequiredV1, toV1Requirements, X_PAYMENT_RESPONSE_HEADER } from "@/lib/x402/v1";
import type { RouteSnapshot } from "./route-cache";
import { callUpstream, PAYWALL_HEADER, upstreamHeaders } from "./upstream";
import { getX402 } from "./x402-server";

/** The path a priced request addressed: decoded canonical `path` and its canonical spelling `href`. */
export type PricedPath = { path: string; href: string };

/** CORS for priced routes: any origin may pay, and must be able to read the payment headers. */
export const PAYMENT_CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE",
};

/** Answer to a CORS preflight for a priced route. */
export function preflightResponse(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...PAYMENT_CORS_HEADERS,
      "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
      "access-control-allow-headers": "Content-Type, Authorization, PAYMENT-SIGNATURE, X-PAYMENT",
      "access-control-max-age": "600",
    },
  });
}

/**
 * Enforces x402 on one request to a priced route (specs/transports-v2/http.md and
 * transports-v1/http.md):
 *
 * 1. no payment → 402: PAYMENT-REQUIRED (v2, base64 PaymentRequired) and the v1 JSON body;
 * 2. malformed PAYMENT-SIGNATURE / X-PAYMENT → 400;
 * 3. verify through the facilitator; invalid → 402 with the reason;
 * 4. claim the payment in the database (unique key): a payment already claimed → 402;
 * 5. run the handler once (loopback call); status ≥ 400 → its response, claim released, no charge;
 * 6. settle; success → the handler's response plus PAYMENT-RESPONSE / X-PAYMENT-RESPONSE;
 *    failure → 402 with the failed PAYMENT-RESPONSE and no content. Both outcomes recorded once.
 *
 * Facilitator unreachable → 503, garbage from it → 502. Never a 500 for a known failure, never
 * content without a settled payment.
 */
export async function enforcePayment(request: Request, route: PricedRouteConfig, snapshot: RouteSnapshot, target: PricedPath): Promise<Response> {
  const url = new URL(request.url);
  const resource: ResourceInfo = {
    // A configured origin (never an unchecked Host) and the canonical spelling of the path.
    url: `${publicOriginOf(request.headers, request.url)}${target.href}${url.search}`,
    description: route.description,
    mimeType: route.mimeType,
  };
  const context = `${request.method} ${target.href}`;
  try {
    const { requirements } = await snapshot.requirementsFor(route);
    if (requirements.length === 0) {
      throw new TollgateError("facilitator_unavailable", "None of this resource's payment options is supported by the facilitator");
    }
    const incoming = readPaymentHeaders(request.headers);
    if (!incoming) {
      const message = "Payment required: send PAYMENT-SIGNATURE (x402 v2) or X-PAYMENT (v1)";
      if (route.kind === "page" && wantsHtml(request)) return await paywall(request, route, target, requirements, resource, message);
      return paymentRequired(requirements, resource, "payment_required", message);
    }
    return await settleAfterHandler(request, route, target, resource, requirements, incoming);
  } catch (error) {
    return errorResponse(error, context, PAYMENT_CORS_HEADERS);
  }
}

async function settleAfterHandler(
  request: Request,
  route: PricedRouteConfig,
  target: PricedPath,
  resource: ResourceInfo,
  requirements: PaymentRequirements[],
  incoming: IncomingPayment,
): Promise<Response> {
  const { server, facilitator } = await getX402();
  const selected =
    incoming.x402Version === 2 ? server.findMatchingRequirements(requirements, incoming.payload) : findV1Requirement(requirements, incoming.payload);
  if (!selected) return paymentRequired(requirements, resource, "payment_invalid", "The payment does not match any of this resource's payment requirements");
  // The scheme's own payload is checked before any facilitator sees it: malformed → 400 naming the field.
  assertSchemePayload(selected.scheme, selected.network, incoming.payload.payload, incoming.x402Version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT");
  // The facilitator gets requirements in the payment's own protocol version.
  const facilitatorPayload = incoming.payload as PaymentPayload;
  const facilitatorRequirements = (incoming.x402Version === 2 ? selected : toV1Requirements(selected, resource)) as PaymentRequirements;

  let verified: VerifyResponse;
  try {
    verified =
      incoming.x402Version === 2
        ? await server.verifyPayment(facilitatorPayload, facilitatorRequirements)
        : await facilitator.verify(facilitatorPayload, facilitatorRequirements);
  } catch (error) {
    if (!(error instanceof VerifyError)) throw facilitatorFailure(error, "verify");
    verified = { isValid: false, invalidReason: error.invalidReason, invalidMessage: error.invalidMessage, payer: error.payer };
  }
  if (!verified.isValid) {
    const reason = [verified.invalidReason ?? "invalid_payment", verified.invalidMessage].filter(Boolean).join(": ");
    return paymentRequired(requirements, resource, "payment_invalid", `Payment invalid: ${reason}`);
  }

  const db = await getDb();
  const claimId = await reservePayment(db, {
    routeId: route.id,
    resource: resource.url,
    method: request.method,
    payer: verified.payer ?? null,
    scheme: selected.scheme,
    network: selected.network,
    asset: selected.asset,
    amount: selected.amount,
    payTo: selected.payTo,
    x402Version: incoming.x402Version,
    paymentKey: paymentKey(selected.network, selected.scheme, incoming.payload.payload),
  }).catch((cause: unknown) => {
    throw new TollgateError("database_unavailable", "The payment could not be recorded; nothing was charged", { cause });
  });
  if (!claimId) return paymentRequired(requirements, resource, "payment_already_used", "This payment was already used; sign a new one");

  let upstream: Awaited<ReturnType<typeof callUpstream>>;
  try {
    const body = request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer();
    upstream = await callUpstream(request, target, body);
  } catch (cause) {
    await bookkeeping(releasePayment(db, claimId), `release claim ${claimId}`);
    throw new TollgateError("upstream_unreachable", "The resource could not be produced; nothing was charged", { cause });
  }
  if (upstream.response.status >= 400) {
    await bookkeeping(releasePayment(db, claimId), `release claim ${claimId}`);
    const headers = upstreamHeaders(upstream.response);
    for (const [k, v] of Object.entries(PAYMENT_CORS_HEADERS)) headers.set(k, v);
    return new Response(upstream.body, { status: upstream.response.status, headers });
  }

  let settled: SettleResponse;
  try {
    settled =
      incoming.x402Version === 2
        ? await server.settlePayment(facilitatorPayload, facilitatorRequirements)
        : await facilitator.settle(facilitatorPayload, facilitatorRequirements);
  } catch (error) {
    if (!(error instanceof SettleError)) {
      const failure = facilitatorFailure(error, "settle");
      const errorReason = failure.code === "facilitator_unavailable" ? "facilitator_unavailable" : "facilitator_bad_response";
      await bookkeeping(recordSettlement(db, claimId, { success: false, transaction: "", errorReason, errorMessage: failure.message }), `record failed settlement ${claimId}`);
      throw failure;
    }
    settled = { success: false, errorReason: error.errorReason, errorMessage: error.errorMessage, payer: error.payer, transaction: error.transaction, network: error.network };
  }
  await bookkeeping(recordSettlement(db, claimId, settled), `record settlement ${claimId} (${settled.transaction || "no transaction"})`);

  const responseHeader = incoming.x402Version === 2 ? encodePaymentResponseHeader(settled) : encodeV1PaymentResponse(settled);
  const responseHeaderName = incoming.x402Version === 2 ? "PAYMENT-RESPONSE" : X_PAYMENT_RESPONSE_HEADER;
  if (!settled.success) {
    const reason = [settled.errorReason ?? "settlement_failed", settled.errorMessage].filter(Boolean).join(": ");
    const response = paymentRequired(requirements, resource, "settlement_failed", `Settlement failed: ${reason}`);
    response.headers.set(responseHeaderName, responseHeader);
    return response;
  }
  const headers = upstreamHeaders(upstream.response);
  for (const [k, v] of Object.entries(PAYMENT_CORS_HEADERS)) headers.set(k, v);
  headers.set(responseHeaderName, responseHeader);
  headers.set("cache-control", "private, no-store");
  if (route.kind === "page") {
    const path = target.path;
    const expiresAt = Math.floor(Date.now() / 1000) + route.accessWindowSeconds;
    const token = await signGrant({ routeId: route.id, path, payer: settled.payer ?? verified.payer ?? "", expiresAt }, signingKey("grant"));
    headers.append("set-cookie", grantCookie(path, token, route.accessWindowSeconds, env().secureCookies));
  }
  return new Response(request.method === "HEAD" ? null : upstream.body, { status: upstream.response.status, headers });
}

/**
 * Whether a page request carries a valid access grant for this route and exact path (signed,
 * unexpired, not another page's). Such a request is served without payment.
 */
export async function hasPageAccess(request: Request, route: PricedRouteConfig, target: PricedPath): Promise<boolean> {
  const token = cookieValue(request.headers.get("cookie"), grantCookieName(target.path));
  return (await verifyGrant(token, { routeId: route.id, path: target.path }, signingKey("grant"))) !== null;
}

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Browsers navigating ask for HTML; agents and scripts do not, and get the plain x402 402. */
function wantsHtml(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("text/html");
}

/**
 * The 402 a browser sees: Tollgate's paywall page, rendered by this app at the page's own URL
 * (loopback call rewritten to the paywall), with PAYMENT-REQUIRED like any 402. Should the
 * paywall itself fail to render, the plain x402 402 is returned instead: still no content.
 */
async function paywall(
  request: Request,
  route: PricedRouteConfig,
  target: PricedPath,
  requirements: PaymentRequirements[],
  resource: ResourceInfo,
  message: string,
): Promise<Response> {
  const required = { x402Version: 2, error: message, resource, accepts: requirements };
  const header = encodePaymentRequiredHeader(required);
  try {
    const paywallRequest = encodePaywallRequest({ paymentRequired: required, accessWindowSeconds: route.accessWindowSeconds });
    const rendered = await callUpstream(new Request(request.url, { method: "GET", headers: request.headers }), target, null, { [PAYWALL_HEADER]: paywallRequest, accept: "text/html" });
    if (rendered.response.status !== 200) throw new Error(`paywall render answered ${rendered.response.status}`);
    return new Response(rendered.body, {
      status: 402,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        vary: "Accept, Cookie",
        "PAYMENT-REQUIRED": header,
        "access-control-expose-headers": PAYMENT_CORS_HEADERS["access-control-expose-headers"]!,
      },
    });
  } catch (error) {
    console.error(`[tollgate] paywall for ${resource.url} could not be rendered; answering plain 402:`, error);
    return paymentRequired(requirements, resource, "payment_required", message);
  }
}

/**
 * Runs a database write whose failure must not change what the buyer gets: the money moved (or
 * did not) regardless. A failure is logged; a claim left `pending` keeps blocking reuse of that
 * payment, which fails closed.
 */
async function bookkeeping(write: Promise<unknown>, what: string): Promise<void> {
  try {
    await write;
  } catch (error) {
    console.error(`[tollgate] could not ${what}:`, error);
  }
}

/**
 * A facilitator call that threw something other than a verify/settle verdict:
 * - timeout, refused or reset connection → `facilitator_unavailable` (503);
 * - an answer that is not a verdict: invalid JSON or data (FacilitatorResponseError), or an HTTP
 *   error status without a verdict body → `facilitator_bad_response` (502). @x402/core reports
 *   the latter as a plain Error "Facilitator <op> failed (<status>): …"; the status goes to the
 *   log with the cause, never to the client.
 */
function facilitatorFailure(error: unknown, operation: string): TollgateError {
  if (error instanceof TollgateError) return error;
  if (error instanceof FacilitatorTimeoutError) {
    return new TollgateError("facilitator_unavailable", `The payment facilitator did not answer ${operation} in time`, { cause: error });
  }
  if (error instanceof FacilitatorResponseError) {
    return new TollgateError("facilitator_bad_response", `The payment facilitator gave an invalid ${operation} answer`, { cause: error });
  }
  const status = error instanceof Error ? /^Facilitator (?:verify|settle) failed \((\d{3})\)/.exec(error.message)?.[1] : undefined;
  if (status) {
    return new TollgateError("facilitator_bad_response", `The payment facilitator gave an invalid ${operation} answer`, { cause: error });
  }
  return new TollgateError("facilitator_unavailable", `The payment facilitator could not be reached for ${operation}`, { cause: error });
}

/**
 * A 402 carrying both protocol versions: PAYMENT-REQUIRED (v2) and the v1 body
 * `{x402Version: 1, error, accepts}`, plus `code` from Tollgate's error taxonomy.
 */
function paymentRequired(requirements: PaymentRequirements[], resource: ResourceInfo, code: ErrorCode, message: string): Response {
  const header = encodePaymentRequiredHeader({ x402Version: 2, error: message, resource, accepts: requirements });
  const body = { ...paymentRequiredV1(requirements, resource, message), code };
  return new Response(JSON.stringify(body), {
    status: 402,
    headers: { ...PAYMENT_CORS_HEADERS, "content-type": "application/json", "cache-control": "no-store", "PAYMENT-REQUIRED": header },
  });
}
