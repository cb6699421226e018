/**
 * The `errorReason` prefix of a payment recorded settled that the chain disproved: the
 * facilitator's success named a transaction that does not carry it, and no other does
 * (lib/settlement/reconciler.ts, the audit).
 */
export const SETTLEMENT_DISPROVED = "settlement_not_on_chain";

/**
 * An open payment's `errorReason` (status `unknown`: the settle answer was lost, or the
 * facilitator said it failed while the chain showed the payment still usable) in words a
 * merchant reads: the outcome is not known yet, and who decides it.
 *
 * @returns `{ summary, detail }`: the sentence, and the raw reason for reference.
 */
export function explainOpen(reason: string | null): { summary: string; detail: string | null } {
  const why = reason?.startsWith(SETTLEMENT_DISPROVED)
    ? "The facilitator reported this payment settled, and the buyer was served, but the chain shows no transfer of it. The buyer's authorization is unused and still valid, so the reconciler asks the facilitator to settle it again."
    : reason?.startsWith("settlement_failed")
    ? "The facilitator said the settlement failed, but the chain showed the payment still able to go through (a transaction may still land, or the authorization may still be submitted)."
    : "The facilitator's answer to the settlement was lost (a timeout, a dropped connection or an error after the request was sent).";
  return { summary: `${why} The chain decides: the reconciler marks it settled or failed once it can.`, detail: reason || null };
}

/**
 * What a `pending` payment is, for a merchant: its handler still running, or, once older than
 * any live request holds a claim (`staleAfterMs`, env paidRequestMaxMs, in ms), left behind by a
 * server that stopped before it asked to settle.
 *
 * @param updatedAt when the row last changed state.
 * @param now the current time, in ms since the epoch.
 */
export function explainPending(updatedAt: Date, now: number, staleAfterMs: number): string {
  if (now - updatedAt.getTime() < staleAfterMs) return "The payment was verified and claimed; the page or API handler is running. It is settled once the handler succeeds.";
  return "The server stopped while the handler ran, before it asked to settle: Tollgate never submitted this payment. It stays open while the buyer's authorization can still be used (the buyer may present it again and be served, charged once), and the reconciler marks it failed once it has expired.";
}

/**
 * A failed payment's `errorReason` (an x402 error code from the facilitator's SettleResponse,
 * possibly followed by ": message", or Tollgate's own reason) in words a merchant reads.
 * Error codes: coinbase/x402 specs/x402-specification.md, "Error Codes". Unknown codes are shown
 * as they are, after a general sentence.
 *
 * @returns `{ summary, detail }`: the sentence, and the raw reason for reference.
 */
export function explainFailure(reason: string | null): { summary: string; detail: string | null } {
  if (!reason) return { summary: "The payment did not settle.", detail: null };
  const r = reason.toLowerCase();
  const rules: [RegExp, string][] = [
    [new RegExp(`^${SETTLEMENT_DISPROVED}`), "The facilitator reported this payment settled, and the buyer was served, but the chain shows it never moved and it no longer can (its authorization expired or was spent elsewhere): you were not paid for it."],
    [/^authorization_used_elsewhere/, "The buyer spent the authorization's nonce on another transfer before it was settled; nothing reached you, and this payment can never settle."],
    [/^abandoned/, "The server stopped before asking to settle; the buyer's authorization was never used, so no money moved."],
    [/insufficient_funds|insufficient balance/, "The buyer's wallet did not hold enough of the token when the payment was settled."],
    [/valid_before|expired/, "The buyer's signed authorization expired before it was settled."],
    [/valid_after/, "The buyer's signed authorization was not valid yet when it was settled."],
    [/authorization_canceled|canceled/, "The buyer cancelled the authorization before it was settled."],
    [/signature/, "The payment's signature did not check out."],
    [/recipient_mismatch|pay_to|payto/, "The payment named another recipient than this route's payTo."],
    [/value|amount/, "The payment's amount did not match the price."],
    [/nonce|already used|authorization_used|duplicate/, "The buyer's authorization had already been used."],
    [/invalid_network|network/, "The payment was for another network than the route accepts."],
    [/unsupported_scheme|invalid_scheme/, "The facilitator does not support this payment scheme."],
    [/transaction_state|reverted|failed on chain|simulation/, "The transfer failed on chain (reverted); no money moved."],
    [/unexpected_settle_error|unexpected/, "The facilitator reported an unexpected error while settling; no money moved."],
  ];
  const match = rules.find(([pattern]) => pattern.test(r));
  return { summary: match ? match[1] : "The facilitator refused to settle the payment.", detail: reason };
}

/**
 * Whether the chain was seen to carry a settled payment (`confirmedAt`, the reconciler's audit or
 * the chain check that settled it), for a merchant.
 */
export function describeConfirmation(confirmedAt: Date | null): string {
  if (confirmedAt) return `Confirmed: the chain carries this payment in the transaction above (checked ${confirmedAt.toISOString().replace("T", " ").slice(0, 19)} UTC).`;
  return "Reported settled by the facilitator; the reconciler has not checked it on chain yet (it does within a few minutes while it runs).";
}
