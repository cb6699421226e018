import type { FacilitatorClient } from "@x402/core/http";
import { SettleError, VerifyError, type PaymentPayload, type PaymentRequirements, type SettleResponse, type SupportedResponse, type VerifyResponse } from "@x402/core/types";
import { ENCODED_ANSWER } from "@/lib/facilitator/response-limit";

/** Which facilitator answered a settle: the primary (FACILITATOR_URL) or the fallback (FACILITATOR_FALLBACK_URL). */
export type FacilitatorRole = "primary" | "fallback";

/** Errors of the connect phase: the request never left this process, so nothing can have been settled. */
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    for (const inner of ((e as { errors?: unknown[] }).errors ?? []) as { code?: unknown }[]) if (typeof inner?.code === "string") codes.push(inner.code);
  }
  return codes;
}

/**
 * Whether a facilitator call failed because what came back could not be taken as an answer: not
 * HTTP at all (undici's parser errors, `HPE_*`), or out of bounds (lib/facilitator/response-limit.ts:
 * over the size bound, compressed, or with more headers than Node takes, 16 KiB). Either way the
 * facilitator was reached and answered badly (502), where a timeout or a refused or reset
 * connection means it could not be reached (503).
 */
export function answerUnreadable(error: unknown): boolean {
  return errorCodes(error).some((c) => OUT_OF_BOUNDS.has(c) || c.startsWith("HPE_"));
}
const OUT_OF_BOUNDS = new Set(["UND_ERR_RES_EXCEEDED_MAX_SIZE", "UND_ERR_HEADERS_OVERFLOW", ENCODED_ANSWER]);

/** Whether a facilitator call failed before its request was sent (connection refused, unknown host…). */
export function neverSent(error: unknown): boolean {
  const codes = errorCodes(error);
  return codes.length > 0 && codes.every((c) => NEVER_SENT.has(c));
}

/** Whether a facilitator call failed without a verdict (unreachable, timeout, an HTTP error answer). */
function unavailable(error: unknown): boolean {
  return !(error instanceof VerifyError) && !(error instanceof SettleError);
}

// One per process, not per module copy: the x402 services that fill it may be made by a route
// handler's bundle and read from the proxy's (lib/gateway/x402-server.ts keeps them on globalThis).
const g = globalThis as typeof globalThis & { __tollgateSettledBy?: WeakMap<object, FacilitatorRole> };
const settledBy = (g.__tollgateSettledBy ??= new WeakMap<object, FacilitatorRole>());

/** Which facilitator produced this SettleResponse (the object a failover client returned), or undefined. */
export function settledByOf(settle: SettleResponse): FacilitatorRole | undefined {
  return settledBy.get(settle);
}

/**
 * A FacilitatorClient that uses `primary` and turns to `fallback` when the primary is down
 * (issue 10, "a fallback facilitator used when the primary is down"):
 * - verify and /supported: on any failure without a verdict (unreachable, timeout, HTTP error);
 *   verify has no side effect, so asking twice is safe;
 * - settle: only when the primary call failed before its request was sent (connection refused,
 *   unknown host). A settle that may have reached the primary (timeout, reset, an error answer) is
 *   never sent again elsewhere: its outcome is unknown and the chain decides
 *   (lib/settlement/confirm.ts), so one payment is never submitted twice.
 * A verdict (VerifyError, SettleError) is the primary's answer and is passed on as is.
 */
export class FailoverFacilitatorClient implements FacilitatorClient {
  constructor(
    private readonly primary: FacilitatorClient,
    private readonly fallback: FacilitatorClient,
    private readonly onFailover: (operation: string, error: unknown) => void = (operation, error) =>
      console.warn(`[tollgate] facilitator ${operation}: primary unavailable, using the fallback:`, error instanceof Error ? error.message : error),
  ) {}

  async verify(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<VerifyResponse> {
    try {
      return await this.primary.verify(paymentPayload, paymentRequirements);
    } catch (error) {
      if (!unavailable(error)) throw error;
      this.onFailover("verify", error);
      return this.fallback.verify(paymentPayload, paymentRequirements);
    }
  }

  async settle(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<SettleResponse> {
    let result: SettleResponse;
    let role: FacilitatorRole = "primary";
    try {
      result = await this.primary.settle(paymentPayload, paymentRequirements);
    } catch (error) {
      if (!neverSent(error)) throw error;
      this.onFailover("settle", error);
      role = "fallback";
      result = await this.fallback.settle(paymentPayload, paymentRequirements);
    }
    settledBy.set(result, role);
    return result;
  }

  async getSupported(): Promise<SupportedResponse> {
    try {
      return await this.primary.getSupported();
    } catch (error) {
      this.onFailover("supported", error);
      return this.fallback.getSupported();
    }
  }
}

/** Errors of a connection that failed under a request: the peer closed or reset it. */
const DROPPED = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

/**
 * Whether a facilitator call failed because its connection was closed or reset under it, before
 * any answer: typically a kept-alive connection the facilitator (or a load balancer in front of
 * it) had just closed as idle, which Node's fetch may still pick for the next request
 * (nodejs/undici#3492). A timeout, an HTTP answer or a verdict is not such a failure.
 */
export function connectionDropped(error: unknown): boolean {
  return errorCodes(error).some((c) => DROPPED.has(c));
}

/**
 * Runs `call`, and runs it again, up to `attempts` times in all, while it fails because its
 * connection was closed or reset before any answer (`connectionDropped`). Only for calls free of
 * side effects (a verify, a page render): the dropped request may have been received.
 *
 * @throws the last attempt's error, or at once any error that is not a dropped connection.
 */
export async function againIfDropped<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !connectionDropped(error)) throw error;
    }
  }
}

/**
 * A FacilitatorClient that asks again, up to `attempts` times in all, when a verify or /supported
 * call lost its connection before any answer (`connectionDropped`): both are free of side effects,
 * and the next attempt goes out on another connection. Without this a buyer's valid payment met a
 * 503 whenever verify drew a connection the facilitator had closed as idle.
 *
 * settle is never asked again: the dropped request may have reached the facilitator and moved
 * the money. Its failure goes to the caller, whose outcome is then unknown and the chain decides
 * (lib/settlement/confirm.ts).
 */
export class ReconnectingFacilitatorClient implements FacilitatorClient {
  constructor(
    private readonly inner: FacilitatorClient,
    private readonly attempts = 3,
  ) {}

  verify(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<VerifyResponse> {
    return againIfDropped(() => this.inner.verify(paymentPayload, paymentRequirements), this.attempts);
  }

  settle(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<SettleResponse> {
    return this.inner.settle(paymentPayload, paymentRequirements);
  }

  getSupported(): Promise<SupportedResponse> {
    return againIfDropped(() => this.inner.getSupported(), this.attempts);
  }
}
