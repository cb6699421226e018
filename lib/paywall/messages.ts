/**
 * Turns what can go wrong while paying into a sentence for a person, never a stack trace.
 * Pure: used by the paywall in the browser and tested in Node.
 */

/**
 * A problem the visitor can act on: what happened, and whether trying again can help. With
 * `resend`, trying again sends the same signed payment once more (no new signature): the server
 * charges one payment at most once, and for these answers the same payment is what can still be
 * served (its settlement pending, or the page not produced yet). `pending`: its settlement is
 * being confirmed, worth checking again by itself shortly.
 */
export type PaywallProblem = { title: string; detail: string; retry: boolean; resend?: boolean; pending?: boolean };

/** The JSON body Tollgate answers a failed payment submission with (402/4xx/5xx). */
export type SubmissionFailure = { status: number; code?: string; error?: string | { code?: string; message?: string } };

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "message" in value && typeof value.message === "string") return value.message;
  return "";
}

/** Whether an error thrown by the wallet means the person declined (EIP-1193 code 4001). */
export function isUserRejection(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (code === 4001 || name === "UserRejectedRequestError") return true;
    if (/user (rejected|denied|declined)/i.test(text(e))) return true;
  }
  return false;
}

/** The problem behind an error thrown while signing in the wallet. */
export function describeSigningError(error: unknown): PaywallProblem {
  if (isUserRejection(error)) {
    return { title: "Signature declined", detail: "You declined the request in your wallet. Nothing was paid.", retry: true };
  }
  const message = text(error).split("\n")[0] ?? "";
  if (/chain|network/i.test(message) && /mismatch|switch|unsupported/i.test(message)) {
    return { title: "Wrong network", detail: "Your wallet is on a different network than this payment. Switch networks and try again.", retry: true };
  }
  return { title: "The wallet could not sign", detail: message || "Your wallet reported an error. Nothing was paid.", retry: true };
}

/**
 * What a reload of the paywall says of a payment this tab signed and kept because the server
 * refused it in a way the same payment can still be served (lib/paywall/pending-payment.ts).
 */
export function describeUnfinishedPayment(): PaywallProblem {
  return {
    title: "Your payment was not completed",
    detail: "You signed a payment for this page that did not go through yet. Trying again sends that same payment, which is never charged twice.",
    retry: true,
    resend: true,
  };
}

/** The problem behind a payment the server did not accept. */
export function describeSubmissionFailure(failure: SubmissionFailure): PaywallProblem {
  const code = failure.code ?? (typeof failure.error === "object" ? failure.error?.code : undefined);
  const reason = text(failure.error);
  // Refused, but this same payment can still settle: trying again sends it again (a new
  // signature would be charged too, should this one still land).
  const retryable = code === "settlement_failed_retryable";
  if (/insufficient|balance/i.test(reason)) {
    return retryable
      ? { title: "Insufficient balance", detail: "Your wallet did not hold enough of this token for the price when the payment was settled. Nothing was paid. Add funds if needed, then try again: the same payment is sent again, never charged twice.", retry: true, resend: true }
      : { title: "Insufficient balance", detail: "Your wallet does not hold enough of this token for the price. Nothing was paid.", retry: true };
  }
  if (/expired|valid_?before|validBefore|valid_?after|too late|deadline/i.test(reason)) {
    return { title: "Payment expired", detail: "The signed payment expired before it reached us. Nothing was paid; sign again.", retry: true };
  }
  switch (code) {
    case "settlement_pending":
      return {
        title: "Confirming your payment",
        detail: "Your payment was sent and is still being confirmed on chain. It may already have gone through, so do not pay again: checking again sends the same payment, which is never charged twice.",
        retry: true,
        resend: true,
        pending: true,
      };
    case "upstream_unreachable":
      return { title: "The page could not be opened", detail: "Trying again sends the same payment: if it went through, you get the page without paying again.", retry: true, resend: true };
    case "upstream_failed":
      return { title: "The page could not be opened", detail: "The page failed to load, so you were not charged. Trying again sends the same payment.", retry: true, resend: true };
    case "response_too_large":
      return { title: "This page cannot be sold here", detail: "It is larger than this store can deliver after payment, so you were not charged. Let the seller know.", retry: false };
    case "payment_already_used":
      return { title: "Already used", detail: "This signature was already used. Sign a new payment.", retry: true };
    case "settlement_failed":
      return { title: "Payment not settled", detail: "The transfer could not be completed on chain, so you were not charged. Try again.", retry: true };
    case "settlement_failed_retryable":
      return { title: "Payment not settled", detail: "The transfer could not be completed on chain yet, so you were not charged. Trying again sends the same payment, which is never charged twice.", retry: true, resend: true };
    case "facilitator_unavailable":
    case "facilitator_bad_response":
    case "database_unavailable":
      return { title: "Payments are unavailable", detail: "We could not complete the payment right now. Nothing was charged; try again in a minute.", retry: true, resend: true };
    case "payment_invalid":
      return { title: "Payment refused", detail: reason.replace(/^Payment invalid:\s*/, "") || "The payment was not valid. Nothing was paid.", retry: true };
  }
  // A page that does not exist: Tollgate's not_found (found in a streamed render), or the page's
  // own 404 (HTML, no code).
  if (failure.status === 404) return { title: "Page not found", detail: "This page does not exist, so you were not charged.", retry: false };
  if (failure.status >= 500) {
    return { title: "Something went wrong on our side", detail: "Nothing was charged. Try again in a minute.", retry: true };
  }
  return { title: "Payment not accepted", detail: reason || `The server answered ${failure.status}. Nothing was charged.`, retry: true };
}
