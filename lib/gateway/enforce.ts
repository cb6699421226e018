import { encodePaymentRequiredHeader } from "@x402/core/http";
import { BAZAAR } from "@x402/extensions/bazaar";
import {
  FacilitatorResponseError,
  FacilitatorTimeoutError,
  SettleError,
  VerifyError,
  type PaymentRequirements,
  type ResourceInfo,
  type SettleResponse,
  type VerifyResponse,
} from "@x402/core/types";
import { grantCookie, grantCookieName, signGrant, verifyGrant } from "@/lib/access/grant";
import { declareSignIn, grantEntitlement, SIWX_HEADER } from "@/lib/access/siwx";
import { signingKey } from "@/lib/access/secret";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { errorResponse, TollgateError, type ErrorCode } from "@/lib/errors";
import { publicOriginOf } from "@/lib/public-origin";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { loadPaymentByIdentifier, loadPaymentByKey, owesResponse } from "@/lib/payments/data";
import {
  loadKeptResponse,
  markSettling,
  recordFailed,
  recordSettled,
  recordUnknown,
  releaseAbandonedClaim,
  releasePayment,
  reservePayment,
  retakeForSettling,
  returnUndelivered,
  takePaidResponse,
  touchChecked,
  type KeptResponse,
} from "@/lib/payments/mutations";
import { confirmOnChain, type CheckablePayment } from "@/lib/settlement/confirm";
import { appendToJournal } from "@/lib/settlement/journal";
import { isTransactionRef, onchainRefOf, type OnchainOutcome } from "@/lib/settlement/onchain";
import type { StoredSettlement } from "@/lib/x402/stored-settlement";
import { encodePaywallRequest } from "@/lib/paywall/request";
import { readPaymentHeaders, type IncomingPayment } from "@/lib/x402/payment-header";
import { builderCodeEchoRefusal, declaredExtensions, forwardedPayment, paymentIdentifierOf } from "@/lib/x402/extensions";
import { againIfDropped, answerUnreadable, settledByOf } from "@/lib/x402/failover";
import { notingRetryAfter, type RetryAfterNote } from "@/lib/facilitator/retry-after";
import { describeAssets, priceInWords } from "@/lib/payments/display";
import { paymentKey } from "@/lib/x402/payment-key";
import { assertSchemePayload } from "@/lib/x402/scheme-payload";
import type { PricedRouteConfig } from "@/lib/x402/route-table";
import { encodePaymentRequiredWithOffers, OFFER_RECEIPT_KEY, type OfferReceiptExtension } from "@/lib/x402/offer-receipt";
import { paymentRequiredV1, v1OutputSchema } from "@/lib/x402/v1";
import { SERVED_METHODS } from "./methods";
import { noticePage, paidApiPage } from "./notice-page";
import { protocolFor, type ProtocolAdapter } from "./protocol";
import type { RouteSnapshot } from "./route-cache";
import { renderFailureError, streamedRenderFailure } from "./render-outcome";
import { readRequestBody } from "./request-body";
import { callUpstream, keepingSource, openUpstream, openUpstreamUpTo, PAYWALL_HEADER, PAYWALL_PATH, ResponseTooLarge, upstreamHeaders } from "./upstream";
import { overUrlBudget, uriTooLong } from "./url-limit";
import { getOfferReceiptSigner, getX402 } from "./x402-server";

/** The path a priced request addressed: decoded canonical `path` and its canonical spelling `href`. */
export type PricedPath = { path: string; href: string };

/** CORS for priced routes: any origin may pay, and must be able to read the payment headers. */
export const PAYMENT_CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, X-Quota-Remaining, X-Quota-Reset",
};

/** Answer to a CORS preflight for a priced route. */
export function preflightResponse(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...PAYMENT_CORS_HEADERS,
      "access-control-allow-methods": SERVED_METHODS,
      "access-control-allow-headers": "Content-Type, Authorization, PAYMENT-SIGNATURE, X-PAYMENT, SIGN-IN-WITH-X",
      "access-control-max-age": "600",
    },
  });
}

/**
 * Enforces x402 on one request to a priced route (specs/transports-v2/http.md and
 * transports-v1/http.md):
 *
 * 1. no payment → 402: PAYMENT-REQUIRED (v2, base64 PaymentRequired) and the v1 JSON body;
 * 2. malformed PAYMENT-SIGNATURE / X-PAYMENT → 400; a payment sent with HEAD → 402 (a HEAD gets
 *    no content, so it is never charged); the body is read whole first (readRequestBody): cut
 *    at MAX_REQUEST_BODY_BYTES → 413, short of its Content-Length → 400, nothing verified or claimed;
 * 3. verify through the facilitator; invalid → 402 with the reason;
 * 4. claim the payment in the database (unique key, row `pending`); a payment already claimed is
 *    waited for while another request holds it (at most PAID_REQUEST_MAX_MS), then resumed if it
 *    is owed something (below), claimed anew if that request released it or was gone before
 *    asking to settle (a `pending` claim older than PAID_REQUEST_MAX_MS), else 402
 *    payment_already_used;
 * 5. run the handler once (loopback call); status ≥ 400 → its response, claim released, no charge;
 * 6. keep the handler's response and mark the row `settling`, then settle:
 *    - success → `settled`, the handler's response plus PAYMENT-RESPONSE / X-PAYMENT-RESPONSE;
 *    - failure verdict → the chain is asked once: unused and never usable → `failed`, 402
 *      settlement_failed with the failed PAYMENT-RESPONSE and no content; unused but still usable
 *      → `unknown`, 402 settlement_failed_retryable (present the same payment again); used after
 *      all → settled as below;
 *    - no verdict (timeout, dropped connection, facilitator error) → `unknown`, and the chain is
 *      asked for up to SETTLEMENT_CHECK_MS: settled → the content (PAYMENT-RESPONSE from the
 *      chain's transaction); can never settle → `failed`, 402; still open → 503
 *      settlement_pending. The same payment presented again later is checked again and served
 *      once it settled, from the kept response; if the chain says it is still unused and
 *      usable, the facilitator is asked to settle it again then. Never charged twice (the chain
 *      takes one authorization or one signed transaction once);
 *    - success naming no usable transaction (e.g. an empty one) → treated as no verdict.
 *
 * A settled record the database refuses goes to the local journal (lib/settlement/journal.ts).
 * Facilitator unreachable at verify → 503, garbage or an HTTP error from it → 502. Never a 500
 * for a known failure, never content without a settled payment.
 */
export async function enforcePayment(
  request: Request,
  route: PricedRouteConfig,
  snapshot: RouteSnapshot,
  target: PricedPath,
  { refusal }: { refusal?: { code: ErrorCode; message: string } } = {},
): Promise<Response> {
  const url = new URL(request.url);
  // A configured origin (never an unchecked Host) and the canonical spelling of the path.
  const origin = publicOriginOf(request.headers, request.url);
  const resource: ResourceInfo = {
    url: `${origin}${target.href}${url.search}`,
    description: route.description,
    mimeType: route.mimeType,
  };
  const context = `${request.method} ${target.href}`;
  try {
    const { requirements } = await snapshot.requirementsFor(route);
    if (requirements.length === 0) {
      throw new TollgateError("facilitator_unavailable", "None of this resource's payment options is supported by the facilitator");
    }
    const extensions = declaredExtensions(route, { method: request.method, path: target.path }, { builderCode: env().builderCode });
    if (extensions && (route.siwxAccess || route.freeQuota > 0)) extensions[SIWX_HEADER] = await declareSignIn(origin, target.path, resource, requirements);
    const incoming = readPaymentHeaders(request.headers);
    if (!incoming) {
      if (refusal) return paymentRequired(extensions, requirements, resource, refusal.code, refusal.message);
      const message = "Payment required: send PAYMENT-SIGNATURE (x402 v2) or X-PAYMENT (v1)";
      if (route.kind === "page" && wantsHtml(request)) return await paywall(request, route, requirements, resource, message, extensions);
      if (isBrowserNavigation(request)) return await paidApiPaymentRequired(request, target, extensions, requirements, resource, message);
      return paymentRequired(extensions, requirements, resource, "payment_required", message);
    }
    // HEAD gets GET's headers without its content: a payment sent with it would buy nothing, so it
    // is never verified or settled. The 402 says to send it with GET.
    if (request.method === "HEAD") return paymentRequired(extensions, requirements, resource, "payment_required", "A HEAD request is never charged: send the payment with GET");
    const body = await readRequestBody(request);
    // The facilitator is sent this server's resource and bazaar declaration, never the payer's.
    return await settleAfterHandler(request, route, target, resource, requirements, forwardedPayment(incoming, resource, extensions), extensions, body);
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
  extensions: Record<string, unknown> | undefined,
  body: ArrayBuffer | null,
  claimAgain = true,
): Promise<Response> {
  const services = await getX402();
  const protocol = protocolFor(incoming, services, resource, v1OutputSchema(extensions?.[BAZAAR.key]));
  const selected = await protocol.select(requirements);
  if (!selected) return paymentRequired(extensions, requirements, resource, "payment_invalid", "The payment does not match any of this resource's payment requirements");
  // An attribution the store did not declare is never sent to be written on chain.
  const echo = incoming.x402Version === 2 ? builderCodeEchoRefusal(services.server, extensions, incoming.payload) : null;
  if (echo) return paymentRequired(extensions, requirements, resource, "payment_invalid", `Payment invalid: ${echo}: the payment's builder code must be the one this 402 declares`);
  // The scheme's own payload is checked before any facilitator sees it: malformed → 400 naming the field.
  assertSchemePayload(selected.scheme, selected.network, incoming.payload.payload, protocol.header);
  // Decoded once (a Solana transaction is parsed for it): the payment's key, stored with the
  // claim, and used for any chain check.
  const onchainRef = onchainRefOf(selected.network, incoming.payload.payload);
  const key = paymentKey(selected.network, selected.scheme, incoming.payload.payload, { asset: selected.asset, identity: onchainRef });
  // payment-identifier: a malformed id, or none where the route requires one → 400.
  const identifier = paymentIdentifierOf(route, incoming);
  const db = await getDb();
  const paid: PaidContext = { request, body, route, target, resource, requirements, selected, protocol, identifier, extensions };
  if (identifier) {
    // A retry with an id already seen: the recorded response, with no verify, handler or charge.
    const replayed = await replayByIdentifier(db, identifier, key, paid);
    if (replayed) return replayed;
  }

  // The claim is written while the facilitator verifies (two round trips overlapped on every paid
  // request). The key names the payment as the chain dedupes it (the authorization, the signed
  // message), so no other encoding of it can hold a second claim; an invalid one releases it
  // below before anything else reads it as used.
  const claiming = reservePayment(db, {
    routeId: route.id,
    resource: resource.url,
    method: request.method,
    payer: null,
    scheme: selected.scheme,
    network: selected.network,
    asset: selected.asset,
    amount: selected.amount,
    payTo: selected.payTo,
    x402Version: protocol.version,
    paymentKey: key,
    onchainRef,
    paymentIdentifier: identifier,
  }).then(
    (id) => ({ ok: true as const, id }),
    (cause: unknown) => ({ ok: false as const, cause }),
  );
  // A "not now" answer's Retry-After, noted for the 503 that passes it on.
  const verifyNote: RetryAfterNote = {};
  const verifying = notingRetryAfter(verifyNote, () => protocol.verify(selected)).then(
    (response) => ({ ok: true as const, response }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const claim = await claiming;
  if (!claim.ok) {
    void verifying; // its outcome no longer matters (and cannot reject: it is caught above)
    throw new TollgateError("database_unavailable", "The payment could not be recorded; nothing was charged", { cause: claim.cause });
  }
  const claimId = claim.id;
  if (!claimId) {
    // This exact payment (same signature) is already claimed: the answer does not depend on this
    // verify (the claimer verifies it), so it is not waited for. A duplicate is served what the
    // payment bought once settled, or told it is used; never charged, never a facilitator wait.
    if (identifier) {
      // Claimed meanwhile by a concurrent request with this id: wait for its outcome and answer the same.
      const replayed = await replayByIdentifier(db, identifier, key, paid);
      if (replayed) return replayed;
    }
    // Another request holds it (a client's retry while its first try is still running): its
    // outcome decides this answer, so this one waits for it. Released meanwhile (it was invalid,
    // or its handler failed) → claimed anew, once.
    if ((await waitWhileInFlight(db, key)) === "released" && claimAgain) {
      return settleAfterHandler(request, route, target, resource, requirements, incoming, extensions, body, false);
    }
    const resumed = await resumeKnownPayment(db, key, paid);
    // A claim left behind by a stopped process, released just now: this request claims it anew.
    if (resumed === "reclaim") {
      if (claimAgain) return settleAfterHandler(request, route, target, resource, requirements, incoming, extensions, body, false);
    } else if (resumed) return resumed;
    return paymentRequired(extensions, requirements, resource, "payment_already_used", "This payment was already used; sign a new one");
  }
  // Said in the log when it happens (deliver() then keeps the response for the same payment).
  request.signal.addEventListener("abort", () => console.warn(`[tollgate] the buyer of payment ${claimId} hung up before its answer`), { once: true });
  let verified: VerifyResponse;
  const verification = await verifying;
  if (verification.ok) verified = verification.response;
  else if (verification.error instanceof VerifyError) {
    const error = verification.error;
    verified = { isValid: false, invalidReason: error.invalidReason, invalidMessage: error.invalidMessage, payer: error.payer };
  } else {
    await bookkeeping(releasePayment(db, claimId), `release claim ${claimId}`);
    throw facilitatorFailure(verification.error, "verify", verifyNote.seconds);
  }
  if (!verified.isValid) {
    await bookkeeping(releasePayment(db, claimId), `release claim ${claimId}`);
    const reason = [verified.invalidReason ?? "invalid_payment", verified.invalidMessage].filter(Boolean).join(": ");
    return paymentRequired(extensions, requirements, resource, "payment_invalid", `Payment invalid: ${reason}`);
  }
  // API routes stream by default: settled once the handler's status and headers are in, its body
  // then piped as produced. Pages and settle-after-complete routes wait for the whole body. A
  // payment-identifier payment on a streamed route waits for it only while it could be kept for
  // retries: up to PAYMENT_IDENTIFIER_MAX_BYTES (or MAX_BUFFERED_RESPONSE_BYTES, when lower), and
  // never for server-sent events.
  const streamed = route.kind === "api" && !route.settleAfterComplete;
  const keepable = Math.min(env().paymentIdentifierMaxBytes, env().maxBufferedResponseBytes);
  let upstream: { response: Response; body: ArrayBuffer | null };
  try {
    const run = async () =>
      !streamed
        ? await callUpstream(request, target, body)
        : identifier
          ? await openUpstreamUpTo(request, target, body, keepable)
          : { response: await openUpstream(request, target, body), body: null };
    // A GET or HEAD whose loopback connection was closed under it, before any answer, is sent
    // again (RFC 9110 §9.2.2: idempotent); any other method is not, as its handler may have run.
    upstream = request.method === "GET" || request.method === "HEAD" ? await againIfDropped(run) : await run();
  } catch (cause) {
    await bookkeeping(releasePayment(db, claimId), `release claim ${claimId}`);
    if (cause instanceof ResponseTooLarge) {
      // A page or a settle-after-complete route is held whole before settling.
      console.warn(`[tollgate] ${target.path} answered more than MAX_BUFFERED_RESPONSE_BYTES (${cause.limit}) to a paid request that must hold it whole before settling; payment ${claimId} not settled`);
      throw new TollgateError("response_too_large", `The resource is larger than this server holds before charging (${cause.limit} bytes); nothing was charged`, { cause });
    }
    throw new TollgateError("upstream_unreachable", "The resource could not be produced; nothing was charged", { cause });
  }
  if (upstream.response.status >= 400) {
    await bookkeeping(releasePayment(db, claimId), `release claim ${claimId}`);
    const headers = upstreamHeaders(upstream.response);
    for (const [k, v] of Object.entries(PAYMENT_CORS_HEADERS)) headers.set(k, v);
    return keepingSource(new Response(upstream.body ?? upstream.response.body, { status: upstream.response.status, headers }), upstream.body ? null : upstream.response);
  }

  // A page answers its status before its Suspense boundaries render: one that failed there is
  // not what was paid for. Neither charged nor shown (what rendered before may be paid content).
  const failedRender = upstream.body ? streamedRenderFailure(upstream.response.headers.get("content-type"), new Uint8Array(upstream.body)) : null;
  if (failedRender) {
    await bookkeeping(releasePayment(db, claimId), `release claim ${claimId}`);
    console.warn(`[tollgate] ${target.path} failed while streaming its render (digest ${failedRender.digest ?? "none"}); payment ${claimId} not settled`);
    throw renderFailureError(failedRender);
  }

  // Keep what the buyer is paying for before asking to settle: should the answer be lost, a retry
  // of the same payment is served from here (a streamed body is not kept: the retry runs the
  // handler again). Unrecordable → do not settle (nothing charged).
  const kept: KeptResponse = {
    status: upstream.response.status,
    headers: [...upstreamHeaders(upstream.response)],
    body: upstream.body ? new Uint8Array(upstream.body) : new Uint8Array(0),
    streamed: !upstream.body,
  };
  // The Response, not only its body (see PaidContext.live).
  paid.live = upstream.body ? null : upstream.response;
  try {
    try {
      if (!(await markSettling(db, claimId, kept, verified.payer ?? null))) throw new Error(`claim ${claimId} is no longer pending`);
    } catch (cause) {
      await bookkeeping(releasePayment(db, claimId), `release claim ${claimId}`);
      throw new TollgateError("database_unavailable", "The payment could not be recorded; nothing was charged", { cause });
    }
    const row = { id: claimId, network: selected.network, asset: selected.asset, payTo: selected.payTo, amount: selected.amount, onchainRef, createdAt: new Date() };
    return await settleKept(db, row, paid, kept, verified.payer ?? null);
  } finally {
    // A live body not handed to the buyer (settlement failed or pending, an error) stops the handler.
    paid.live?.body?.cancel().catch(() => {});
  }
}

/**
 * Asks the facilitator to settle a claimed payment whose handler succeeded (row `settling`), and
 * answers: the content with PAYMENT-RESPONSE; 402 settlement_failed (it can never settle) or
 * settlement_failed_retryable (refused now, but it can still settle: the same payment presented
 * again is served or settled anew); or 503 settlement_pending.
 *
 * @param row the payment row, as far as the chain check needs it.
 * @param kept the handler's response from this request; null when asking again for a payment
 *   presented again (its response, kept in the database, is delivered once it settled).
 * @param payer the payer the facilitator's verify named, or the row's.
 */
async function settleKept(db: PrismaClient, row: CheckablePayment & { id: string }, paid: PaidContext, kept: KeptResponse | null, payer: string | null): Promise<Response> {
  const { selected, protocol, requirements, resource, extensions } = paid;
  const claimId = row.id;
  let settled: SettleResponse;
  const settleNote: RetryAfterNote = {};
  try {
    settled = await notingRetryAfter(settleNote, () => protocol.settle(selected));
  } catch (error) {
    if (error instanceof SettleError) {
      settled = { success: false, errorReason: error.errorReason, errorMessage: error.errorMessage, payer: error.payer, transaction: error.transaction, network: error.network };
    } else {
      // The settle request may have reached the facilitator (timeout, dropped connection, an
      // error answer): the money may have moved. The chain decides, within a bounded wait.
      const failure = facilitatorFailure(error, "settle", settleNote.seconds);
      return settledPerChain(db, row, paid, kept, payer, `${failure.code}: ${failure.message}`, failure.cause, failure.retryAfterSeconds);
    }
  }
  if (settled.success && !isTransactionRef(selected.network, settled.transaction)) {
    // Success without a transaction the books could keep: the chain says which one, if any.
    return settledPerChain(db, row, paid, kept, payer, `facilitator_bad_response: settle succeeded without a usable transaction (${JSON.stringify(settled.transaction ?? null).slice(0, 100)})`);
  }
  if (!settled.success) {
    // A failure verdict is final only if the chain agrees the money did not move and never can
    // (the authorization may have been used anyway, e.g. by someone else submitting it first, or
    // still be usable). When asking again, the earlier attempt may still be landing: the chain
    // gets SETTLEMENT_CHECK_MS.
    const outcome = await confirmOnChain(row, kept ? 0 : env().settlementCheckMs);
    if (outcome.state === "settled") return finishFromChain(db, claimId, outcome, paid, { kept, payer });
    const reason = [settled.errorReason ?? "settlement_failed", settled.errorMessage].filter(Boolean).join(": ");
    let response: Response;
    if ((outcome.state === "not_settled" && outcome.final) || (outcome.state === "unknown" && outcome.uncheckable)) {
      await bookkeeping(recordFailed(db, claimId, { reason, transaction: settled.transaction, payer: settled.payer }), `record failed settlement ${claimId}`);
      response = await paymentRequired(extensions, requirements, resource, "settlement_failed", `Settlement failed: ${reason}`);
    } else {
      // The chain shows the payment unused but still usable (or cannot be read): a transaction the
      // facilitator sent may still land, and anyone holding the authorization may still submit it.
      // The buyer is refused now; the books keep it open until the chain decides (the reconciler,
      // or the same payment presented again), so `failed` never stands for money that moved. The
      // buyer is told to present this same payment again rather than sign a second one (which
      // would be charged as well should this one land): served if it landed, settled anew if it
      // can be now (e.g. their wallet was topped up).
      await bookkeeping(recordUnknown(db, claimId, `settlement_failed: ${reason}; on chain: ${outcome.reason}`), `mark payment ${claimId} unknown`);
      response = await paymentRequired(extensions, requirements, resource, "settlement_failed_retryable", `Settlement failed: ${reason}. Nothing was charged; this payment can still be settled: send the same payment again instead of signing a new one`);
    }
    response.headers.set(protocol.responseHeader, protocol.encodeResponse(settled));
    return response;
  }
  // The facilitator's word: the settle request is kept with the row for the reconciler's audit.
  const proof = protocol.stored(selected);
  if (!kept) return finishFromChain(db, claimId, { state: "settled", transaction: settled.transaction }, paid, { kept: null, payer: settled.payer ?? payer, facilitator: settledByOf(settled) ?? null, proof });
  await recordSettledDurably(db, claimId, settled.transaction, settled.payer ?? payer, keepFor(paid, kept), settledByOf(settled) ?? null, proof);
  await grantAccessBought(db, paid, claimId, settled.payer ?? payer);
  return deliver(paid, kept, settled, claimId);
}

/**
 * A settle call that ended without a usable verdict: the row becomes `unknown`, the chain is asked
 * for up to SETTLEMENT_CHECK_MS, and the buyer answered from what it says (finishFromChain).
 */
async function settledPerChain(db: PrismaClient, row: CheckablePayment & { id: string }, paid: PaidContext, kept: KeptResponse | null, payer: string | null, reason: string, cause?: unknown, retryAfterSeconds?: number): Promise<Response> {
  console.error(`[tollgate] settle of payment ${row.id}: outcome unknown (${reason}); asking the chain`, cause ?? "");
  await bookkeeping(recordUnknown(db, row.id, reason), `mark payment ${row.id} unknown`);
  const outcome = await confirmOnChain(row, env().settlementCheckMs);
  return finishFromChain(db, row.id, outcome, paid, { kept, payer, retryAfterSeconds });
}

/** What the rest of the money path needs about one paid request. */
type PaidContext = {
  /**
   * The handler's response, its body still streaming, until handed to the buyer (then null). The
   * Response is held, not only its body: undici cancels the body of a fetch Response that is
   * garbage-collected (a buyer charged, then a 500 under load).
   */
  live?: Response | null;
  request: Request;
  /** The request's body, read whole before the payment was claimed (readRequestBody); null for GET. */
  body: ArrayBuffer | null;
  route: PricedRouteConfig;
  target: PricedPath;
  resource: ResourceInfo;
  requirements: PaymentRequirements[];
  selected: PaymentRequirements;
  protocol: ProtocolAdapter;
  /** The payment-identifier id the payment carries (null when none, or the route takes none). */
  identifier: string | null;
  /** What the route's 402s declare in PaymentRequired.extensions. */
  extensions: Record<string, unknown> | undefined;
};

/**
 * On a route that sells access (sign-in-with-x), records what a settled payment bought: its
 * payer may call the route free for the route's access window. A failure is logged, never
 * changes the buyer's answer (they paid and get this response).
 */
async function grantAccessBought(db: PrismaClient, paid: PaidContext, paymentId: string, payer: string | null): Promise<void> {
  if (!paid.route.siwxAccess || paid.route.kind !== "api" || !payer) return;
  await bookkeeping(grantEntitlement(db, paid.route, paymentId, payer), `record the access payment ${paymentId} bought`);
}

/** What becomes of a kept response once its payment settled (recordSettledDurably's `keep`): the buyer's hanging up wins. */
function keepFor(paid: PaidContext, kept: KeptResponse): Date | "undelivered" | undefined {
  return paid.request.signal.aborted ? "undelivered" : keepUntilFor(paid, kept);
}

/**
 * Until when a delivered response stays servable to payment-identifier retries: for payments
 * with an id whose body fits PAYMENT_IDENTIFIER_MAX_BYTES, now + PAYMENT_IDENTIFIER_TTL_HOURS;
 * otherwise undefined (dropped once delivered).
 */
function keepUntilFor(paid: PaidContext, kept: KeptResponse): Date | undefined {
  if (!paid.identifier || kept.streamed || kept.body.byteLength > env().paymentIdentifierMaxBytes) return undefined;
  return identifierKeepUntil();
}

/** The end of a payment-identifier response's retry window, starting now (PAYMENT_IDENTIFIER_TTL_HOURS). */
function identifierKeepUntil(): Date {
  return new Date(Date.now() + env().paymentIdentifierTtlMs);
}

/**
 * A payment presented with a payment-identifier id Tollgate already holds
 * (specs/extensions/payment_identifier.md, "Idempotency Behavior"):
 * - held for another payment → throws 409 payment_identifier_conflict;
 * - the same payment still in flight (another request runs its handler or settlement) → waits
 *   for it, at most PAID_REQUEST_MAX_MS;
 * - settled with its response kept → that response again (status, headers, body) with its
 *   PAYMENT-RESPONSE, without verify, handler or charge.
 *
 * @returns the response, or null to go on with the ordinary path (unknown id, or an outcome the
 *   ordinary path decides: open, failed, released, response not kept).
 * @throws TollgateError `payment_identifier_conflict` (409), `database_unavailable` (503).
 */
async function replayByIdentifier(db: PrismaClient, identifier: string, key: string, paid: PaidContext): Promise<Response | null> {
  const deadline = Date.now() + env().paidRequestMaxMs;
  for (;;) {
    const row = await loadPaymentByIdentifier(db, identifier).catch((cause: unknown) => {
      throw new TollgateError("database_unavailable", "The payment's state could not be read; nothing was charged", { cause });
    });
    if (!row) return null;
    if (row.paymentKey !== key) {
      throw new TollgateError("payment_identifier_conflict", "This payment-identifier id was already used with a different payment; use a new id for a new payment");
    }
    if ((row.status === "pending" || row.status === "settling") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, IDENTIFIER_POLL_MS));
      continue;
    }
    if (row.status !== "settled" || !row.transaction) return null;
    const kept = await loadKeptResponse(db, row.id);
    if (!kept) return null;
    return deliver(paid, kept, { success: true, transaction: row.transaction, network: row.network as SettleResponse["network"], payer: row.payer ?? undefined }, null);
  }
}
/** How often a retry waiting on an in-flight payment with its id looks again, in ms. */
const IDENTIFIER_POLL_MS = 100;

/**
 * Waits while another request holds the payment with this key: its row freshly `pending`
 * (handler running) or `settling`; at most PAID_REQUEST_MAX_MS, looking again after 50 ms, then
 * twice as long each time up to 1 s.
 *
 * @returns "released" when the row is gone (the holder released its claim: nothing was charged),
 *   "done" otherwise (an outcome, a stale row, or the wait ran out; resumeKnownPayment decides).
 */
async function waitWhileInFlight(db: PrismaClient, key: string): Promise<"released" | "done"> {
  const maxMs = env().paidRequestMaxMs;
  const deadline = Date.now() + maxMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
    const row = await loadPaymentByKey(db, key).catch(() => undefined);
    if (row === null) return "released";
    const inFlight = row && (row.status === "pending" || row.status === "settling") && Date.now() - row.updatedAt.getTime() < maxMs;
    if (!inFlight || Date.now() >= deadline) return "done";
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * A settled payment's record, kept whatever happens: into the database (dropping the kept
 * response, which is delivered in this same request), or, when the database cannot take it,
 * into the fsync'd local journal that the reconciler replays. The buyer is served either way.
 *
 * @param keep `undelivered` when the buyer already hung up (the kept response stays for the same
 *   payment presented again); a date for a payment-identifier response kept for retries until
 *   then; undefined to drop it.
 * @param proof "chain" when Tollgate saw the payment on chain itself (confirmed); else the
 *   facilitator's success is all there is, and what was sent to settle is kept with the row.
 */
async function recordSettledDurably(
  db: PrismaClient,
  id: string,
  transaction: string,
  payer: string | null,
  keep: Date | "undelivered" | undefined,
  facilitator: string | null,
  proof: "chain" | StoredSettlement,
): Promise<void> {
  try {
    const options = keep === "undelivered" ? {} : keep ? { keepResponseUntil: keep } : { dropKeptResponse: true };
    const confirmed = proof === "chain";
    await recordSettled(db, id, { transaction, payer, facilitator, confirmed, settleRequest: confirmed ? null : proof }, options);
  } catch (error) {
    console.error(`[tollgate] payment ${id} settled (${transaction}) but the database refused the record; journaling it:`, error instanceof Error ? error.message : error);
    try {
      appendToJournal({ paymentId: id, outcome: "settled", transaction, payer, ...(proof === "chain" ? {} : { settleRequest: proof }) });
    } catch (journalError) {
      console.error(`[tollgate] payment ${id} settled (${transaction}): the journal refused it too; the reconciler will find it on chain:`, journalError);
    }
  }
}

/**
 * Answers after an unknown settlement outcome once the chain was asked: settled → the content
 * with a PAYMENT-RESPONSE built from the chain's transaction; can never settle → 402
 * settlement_failed; still open → 503 settlement_pending (the same payment may be presented again).
 * Also answers a facilitator's success for a payment presented again (`proof`: what was sent to
 * settle; recorded unconfirmed, as any facilitator's word, for the reconciler's audit).
 */
async function finishFromChain(
  db: PrismaClient,
  id: string,
  outcome: OnchainOutcome | { state: "settled"; transaction: string },
  paid: PaidContext,
  {
    kept,
    payer,
    facilitator = null,
    proof = "chain",
    retryAfterSeconds,
  }: { kept: KeptResponse | null; payer: string | null; facilitator?: string | null; proof?: "chain" | StoredSettlement; retryAfterSeconds?: number },
): Promise<Response> {
  if (outcome.state === "settled") {
    const settle: SettleResponse = { success: true, transaction: outcome.transaction, network: paid.selected.network as SettleResponse["network"], payer: payer ?? undefined };
    await grantAccessBought(db, paid, id, payer);
    if (kept) {
      await recordSettledDurably(db, id, outcome.transaction, payer, keepFor(paid, kept), facilitator, proof);
      return deliver(paid, kept, settle, id);
    }
    await bookkeeping(recordSettled(db, id, { transaction: outcome.transaction, payer, facilitator, confirmed: proof === "chain", settleRequest: proof === "chain" ? null : proof }), `record settlement ${id}`);
    const taken = await takePaidResponse(db, id, paid.identifier ? identifierKeepUntil() : null);
    if (!taken) return paymentRequired(paid.extensions, paid.requirements, paid.resource, "payment_already_used", "This payment was settled and its response already delivered");
    return deliver(paid, taken, settle, id);
  }
  if (outcome.state === "not_settled" && outcome.final) {
    await bookkeeping(recordFailed(db, id, { reason: outcome.reason }), `record failed settlement ${id}`);
    return paymentRequired(paid.extensions, paid.requirements, paid.resource, "settlement_failed", `Settlement failed: ${outcome.reason}`);
  }
  await bookkeeping(touchChecked(db, id), `note chain check of ${id}`);
  return errorResponse(
    new TollgateError("settlement_pending", "The payment's settlement is not confirmed yet; nothing more will be charged. Send the same payment again shortly to receive the resource.", { retryAfterSeconds }),
    `${paid.request.method} ${paid.target.href}`,
    PAYMENT_CORS_HEADERS, // errorResponse adds Retry-After to every 503
  );
}

/**
 * A payment presented again that Tollgate already knows by its key: a settled one whose response
 * was never delivered is delivered now (once); one whose settlement outcome is open is checked on
 * chain, and settled again when the chain says it is unused and still usable (the earlier settle
 * never landed); a failed one is refused with its reason (settlement_failed); a `pending` claim
 * whose request is gone (its process stopped before asking to settle) is released for this
 * request to claim anew; anything else is refused by the caller (already used).
 *
 * @returns the response; "reclaim" when the caller should claim the payment anew; or null when
 *   the caller should refuse the payment as already used.
 */
async function resumeKnownPayment(db: PrismaClient, key: string, paid: PaidContext): Promise<Response | "reclaim" | null> {
  const row = await loadPaymentByKey(db, key).catch((cause: unknown) => {
    throw new TollgateError("database_unavailable", "The payment's state could not be read; nothing was charged", { cause });
  });
  if (!row) return null;
  if (row.status === "pending") {
    // Tollgate never asked to settle a `pending` claim. One older than any live request holds one
    // was left by a stopped process: the buyer presents the payment again, so it is run anew (the
    // facilitator's verify refuses it if it was used meanwhile; the chain takes it once). Released
    // by this request or by a concurrent one, the payment's unique key decides who claims it next;
    // a loser waits for the winner's outcome like any duplicate.
    const staleBefore = new Date(Date.now() - env().paidRequestMaxMs);
    if (row.updatedAt >= staleBefore) return null;
    await bookkeeping(releaseAbandonedClaim(db, row.id, staleBefore), `release abandoned claim ${row.id}`);
    return "reclaim";
  }
  // A `settling` row whose request is still waiting on the facilitator belongs to that request:
  // the duplicate is refused as used. One left behind (its process stopped) is asked about.
  if (row.status === "settling" && Date.now() - row.updatedAt.getTime() < env().paidRequestMaxMs) return null;
  if (row.status === "settling" || row.status === "unknown") {
    const outcome = await confirmOnChain(row, 0);
    // Still unused on chain and still usable: the earlier settle call never landed it (an error,
    // a timeout, a stopped process). The buyer presents it again, so the facilitator is asked
    // again: the chain takes one authorization (EIP-3009 nonce) or one signed transaction
    // (Solana) at most once, so this cannot charge twice. One request at a time does so.
    if (outcome.state === "not_settled" && !outcome.final) {
      if (await retakeForSettling(db, row).catch(() => false)) return settleKept(db, row, paid, null, row.payer);
      // Nothing is owed for it any more (served before the reconciler found its settlement false,
      // or kept past a day): no use waiting for the chain, it is refused as used.
      if (!(await owesResponse(db, row.id).catch(() => true))) return null;
    }
    return finishFromChain(db, row.id, outcome, paid, { kept: null, payer: row.payer });
  }
  if (row.status === "failed") {
    // Not "already used": it never paid for anything. Final all the same (a failure verdict the
    // chain agreed with, or an authorization that can no longer be used).
    const reason = row.errorReason ? `: ${row.errorReason.split("\n")[0]!.slice(0, 200)}` : "";
    return paymentRequired(paid.extensions, paid.requirements, paid.resource, "settlement_failed", `This payment's settlement failed${reason}; nothing was charged. Sign a new one`);
  }
  if (row.status === "settled" && row.transaction) {
    const taken = await takePaidResponse(db, row.id, row.paymentIdentifier ? identifierKeepUntil() : null);
    if (!taken) return null;
    return deliver(paid, taken, { success: true, transaction: row.transaction, network: row.network as SettleResponse["network"], payer: row.payer ?? undefined }, row.id);
  }
  return null;
}

/**
 * The paid content: the handler's response plus PAYMENT-RESPONSE, CORS, no-store, and a page
 * grant. A streamed response is piped from the live handler; when delivered late (a retry after
 * its settlement was confirmed) the handler runs again for it, the buyer having paid.
 *
 * A buyer whose connection closed before this (they hung up while the payment was settled) would
 * never get it: the response is put back for the same payment presented again (`paymentId`:
 * the payment's row; null for a payment-identifier replay, whose response stays kept anyway),
 * and the live handler is stopped.
 */
async function deliver(paid: PaidContext, kept: KeptResponse, settled: SettleResponse, paymentId: string | null): Promise<Response> {
  if (paymentId && paid.request.signal.aborted) {
    console.warn(`[tollgate] payment ${paymentId} settled (${settled.transaction}) after its buyer hung up; its response is kept for the same payment presented again`);
    await bookkeeping(returnUndelivered(await getDb(), paymentId, kept), `keep the undelivered response of ${paymentId}`);
    return new Response(null, { status: 499 });
  }
  let response = kept;
  let body: BodyInit | null = kept.body as Uint8Array<ArrayBuffer>;
  let source: Response | null = null;
  if (kept.streamed) {
    const live = paid.live;
    paid.live = null;
    if (live?.body && !live.bodyUsed && !live.body.locked) {
      body = live.body;
      source = live;
    } else {
      // No live body (a late delivery), or it can no longer be read: the buyer paid, so the
      // handler runs again for them.
      const run = () => openUpstream(paid.request, paid.target, paid.body);
      const rerun = await (paid.request.method === "GET" ? againIfDropped(run) : run()).catch((cause: unknown) => {
        throw new TollgateError("upstream_unreachable", "The paid resource could not be produced again; the payment is settled: send the same payment again to receive it", { cause });
      });
      response = { status: rerun.status, headers: [...upstreamHeaders(rerun)], body: new Uint8Array(0) };
      body = rerun.body;
      source = rerun;
    }
  }
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(PAYMENT_CORS_HEADERS)) headers.set(k, v);
  // The offer-receipt extension's signed receipt, when a key is set (§5: only on success, which this is).
  const receipt = await getOfferReceiptSigner()?.receipt(paid.resource.url, settled);
  headers.set(paid.protocol.responseHeader, paid.protocol.encodeResponse(receipt ? { ...settled, extensions: { ...settled.extensions, [OFFER_RECEIPT_KEY]: receipt } } : settled));
  headers.set("cache-control", "private, no-store");
  if (paid.route.kind === "page") {
    const { path } = paid.target;
    const expiresAt = Math.floor(Date.now() / 1000) + paid.route.accessWindowSeconds;
    const token = await signGrant({ routeId: paid.route.id, path, payer: settled.payer ?? "", expiresAt }, signingKey("grant"));
    headers.append("set-cookie", grantCookie(path, token, paid.route.accessWindowSeconds, env().secureCookies));
  }
  return keepingSource(new Response(body, { status: response.status, headers }), source);
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
 * A browser opening an address (typed, a link, a bookmark): it asks for HTML for a document
 * (Fetch Metadata, `Sec-Fetch-Dest: document`, which scripts in a browser cannot set). A script's
 * fetch, an agent or curl is none of these and gets the plain x402 402. Only what the 402 body
 * looks like depends on it.
 */
export function isBrowserNavigation(request: Request): boolean {
  return request.headers.get("sec-fetch-dest") === "document" && wantsHtml(request);
}

/**
 * The 402 of a priced API route for a browser that opened its address: a page a person can read
 * (`paidApiPage`: the route, its prices in words, how a program pays) instead of the v1 JSON body,
 * with the same PAYMENT-REQUIRED header, so a client that reads headers can still pay.
 */
async function paidApiPaymentRequired(
  request: Request,
  target: PricedPath,
  extensions: Record<string, unknown> | undefined,
  requirements: PaymentRequirements[],
  resource: ResourceInfo,
  message: string,
): Promise<Response> {
  const offers = await signedOffers(requirements, resource);
  const header = encodePaymentRequiredWithOffers({ x402Version: 2, error: message, resource, accepts: requirements, extensions }, offers);
  if (overUrlBudget(header, resource.url)) return uriTooLong({ browser: true, canonicalPath: target.href, context: `${request.method} ${target.path}` });
  const assets = await describeAssets(requirements);
  const prices = requirements.map((r) => priceInWords(r, assets));
  return htmlPaymentRequired(paidApiPage({ method: request.method, path: target.path, description: resource.description ?? "", prices }), header);
}

/**
 * The 402 a browser sees: Tollgate's paywall page, rendered by this app (a loopback call to the
 * internal PAYWALL_PATH) and sent at the page's own URL, with PAYMENT-REQUIRED like any 402. The
 * browser hydrates it at the URL it shows (Next's router starts from `location`, not from the
 * rendered path). A render whose kept-alive loopback connection was closed under it is asked
 * again (`againIfDropped`: a render has no side effects). Should the paywall still fail to
 * render, the visitor gets a short page that says so (`noticePage`): still a 402 with
 * PAYMENT-REQUIRED, still no content.
 */
async function paywall(
  request: Request,
  route: PricedRouteConfig,
  requirements: PaymentRequirements[],
  resource: ResourceInfo,
  message: string,
  extensions: Record<string, unknown> | undefined,
): Promise<Response> {
  // The browser's client echoes `extensions` (a page declares only builder-code, lib/x402/extensions.ts).
  const required = { x402Version: 2, error: message, resource, accepts: requirements, ...(extensions ? { extensions } : {}) };
  const header = encodePaymentRequiredHeader(required);
  if (overUrlBudget(header, resource.url)) return uriTooLong({ browser: true, canonicalPath: new URL(resource.url).pathname, context: `paywall for ${route.pathPattern}` });
  try {
    const paywallRequest = encodePaywallRequest({ paymentRequired: required, accessWindowSeconds: route.accessWindowSeconds });
    const rendered = await againIfDropped(() =>
      callUpstream(new Request(new URL(PAYWALL_PATH, request.url), { method: "GET", headers: request.headers }), { path: PAYWALL_PATH, href: PAYWALL_PATH }, null, {
        [PAYWALL_HEADER]: paywallRequest,
        accept: "text/html",
      }),
    );
    if (rendered.response.status !== 200) throw new Error(`paywall render answered ${rendered.response.status}`);
    return htmlPaymentRequired(rendered.body, header);
  } catch (error) {
    // A page a visitor can read (no raw JSON) that offers to try again; it names nothing from the request.
    console.error(`[tollgate] paywall for ${resource.url} could not be rendered; answering a plain 402 page:`, error);
    const text = "This page is paid, and its payment page could not be shown just now. Nothing was charged.";
    return htmlPaymentRequired(noticePage({ title: "Payment required", text, link: { href: "", label: "Try again" } }), header);
  }
}

/** A 402 for a browser: `body` (HTML) with `paymentRequiredHeader` as PAYMENT-REQUIRED, so a client that reads headers can still pay. */
function htmlPaymentRequired(body: BodyInit, paymentRequiredHeader: string): Response {
  return new Response(body, {
    status: 402,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      vary: "Accept, Cookie",
      "PAYMENT-REQUIRED": paymentRequiredHeader,
      "access-control-expose-headers": PAYMENT_CORS_HEADERS["access-control-expose-headers"]!,
    },
  });
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

/** A facilitator's HTTP answers that mean "not now" rather than a broken facilitator: rate limited, bad gateway, unavailable, gateway timeout. */
const UNAVAILABLE_STATUSES = new Set([429, 502, 503, 504]);

/**
 * A facilitator call that threw something other than a verify/settle verdict:
 * - timeout, refused or reset connection, or an HTTP 429, 502, 503 or 504 (rate limited, or its
 *   gateway could not reach it) → `facilitator_unavailable` (503, with Retry-After: the
 *   facilitator's own, `retryAfterSeconds`, when its 429 or 503 named one; lib/facilitator/retry-after.ts);
 * - an answer that is not a verdict: invalid JSON or data (FacilitatorResponseError), or an HTTP
 *   error status without a verdict body → `facilitator_bad_response` (502). @x402/core reports
 *   the latter as a plain Error "Facilitator <op> failed (<status>): …"; the status goes to the
 *   log with the cause, never to the client; an answer over FACILITATOR_MAX_RESPONSE_BYTES or
 *   compressed (lib/facilitator/response-limit.ts), or bytes that are not HTTP, too.
 */
function facilitatorFailure(error: unknown, operation: string, retryAfterSeconds?: number): TollgateError {
  if (error instanceof TollgateError) return error;
  if (error instanceof FacilitatorTimeoutError) {
    return new TollgateError("facilitator_unavailable", `The payment facilitator did not answer ${operation} in time`, { cause: error });
  }
  if (error instanceof FacilitatorResponseError) {
    return new TollgateError("facilitator_bad_response", `The payment facilitator gave an invalid ${operation} answer`, { cause: error });
  }
  const status = error instanceof Error ? /^Facilitator (?:verify|settle) failed \((\d{3})\)/.exec(error.message)?.[1] : undefined;
  if (status && UNAVAILABLE_STATUSES.has(Number(status))) {
    // Busy (a rate limit) or its gateway could not reach it: no verdict yet, try again shortly.
    return new TollgateError("facilitator_unavailable", `The payment facilitator is busy or unavailable for ${operation}; try again shortly`, { cause: error, retryAfterSeconds });
  }
  if (status || answerUnreadable(error)) {
    return new TollgateError("facilitator_bad_response", `The payment facilitator gave an invalid ${operation} answer`, { cause: error });
  }
  return new TollgateError("facilitator_unavailable", `The payment facilitator could not be reached for ${operation}`, { cause: error });
}

/**
 * A 402 carrying both protocol versions: PAYMENT-REQUIRED (v2, with the route's declared
 * extensions) and the v1 body `{x402Version: 1, error, accepts}`, plus `code` from Tollgate's
 * error taxonomy. With an offer-receipt key, both carry signed offers for `requirements`.
 */
async function paymentRequired(
  extensions: Record<string, unknown> | undefined,
  requirements: PaymentRequirements[],
  resource: ResourceInfo,
  code: ErrorCode,
  message: string,
): Promise<Response> {
  const offers = await signedOffers(requirements, resource);
  const header = encodePaymentRequiredWithOffers({ x402Version: 2, error: message, resource, accepts: requirements, extensions }, offers);
  if (overUrlBudget(header, resource.url)) return uriTooLong({ browser: false, canonicalPath: new URL(resource.url).pathname, context: `402 for ${resource.url.slice(0, 200)}`, headers: PAYMENT_CORS_HEADERS });
  const body = { ...paymentRequiredV1(requirements, resource, message, offers, v1OutputSchema(extensions?.[BAZAAR.key])), code };
  return new Response(JSON.stringify(body), {
    status: 402,
    // no-transform: a challenge is small and read by machines; Next would otherwise gzip every one
    // (its body has no Content-Length here), a cost on every paid request's first round trip.
    headers: { ...PAYMENT_CORS_HEADERS, "content-type": "application/json", "cache-control": "no-store, no-transform", "PAYMENT-REQUIRED": header },
  });
}

/** The offer-receipt extension's signed offers for a 402 (lib/x402/offer-receipt.ts), or undefined without a signing key. */
function signedOffers(requirements: PaymentRequirements[], resource: ResourceInfo): Promise<OfferReceiptExtension | undefined> {
  return getOfferReceiptSigner()?.offers(resource.url, requirements) ?? Promise.resolve(undefined);
}
