import { decodePaymentResponseHeader } from "@x402/core/http";
import { describeSubmissionFailure, type PaywallProblem } from "@/lib/paywall/messages";
import { signedReceiptSchema, type SignedReceipt } from "@/lib/paywall/receipts";

/**
 * What a successful payment tells the paywall (PAYMENT-RESPONSE), when readable: the settlement's
 * transaction and network, and the store's signed receipt when it signs them (the offer-receipt
 * extension, `extensions["offer-receipt"].info.receipt`).
 */
export type PaidSettlement = { transaction: string; network: string; signedReceipt?: SignedReceipt } | null;

/**
 * Sends the signed payment with a request for this same page. On success the response carries
 * the page and its access grant cookie; the caller then reloads to read the page for real.
 *
 * @returns `{ paid, attachment }` with the settlement from PAYMENT-RESPONSE (null when absent or
 *   unreadable) and whether what was bought is a download (`Content-Disposition: attachment`,
 *   which a reload saves instead of showing), or `{ problem }` to show, with the server's
 *   Retry-After in ms when it sent one.
 */
export async function submitPayment(
  paymentHeaders: Record<string, string>,
): Promise<{ paid: PaidSettlement; attachment: boolean } | { problem: PaywallProblem; retryAfterMs?: number }> {
  let response: Response;
  try {
    response = await fetch(window.location.href, {
      headers: { ...paymentHeaders, accept: "application/json" },
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    return { problem: { title: "No connection", detail: "Your payment could not be sent. Check your connection; nothing was charged.", retry: true } };
  }
  if (response.ok) {
    await response.body?.cancel();
    const attachment = /^\s*attachment\b/i.test(response.headers.get("content-disposition") ?? "");
    return { paid: readSettlement(response.headers.get("payment-response")), attachment };
  }
  const body = (await response.json().catch(() => ({}))) as { code?: string; error?: string | { code?: string; message?: string } };
  const retryAfter = Number(response.headers.get("retry-after"));
  const problem = describeSubmissionFailure({ status: response.status, code: body.code, error: body.error });
  return Number.isFinite(retryAfter) && retryAfter > 0 ? { problem, retryAfterMs: retryAfter * 1000 } : { problem };
}

function readSettlement(header: string | null): PaidSettlement {
  if (!header) return null;
  try {
    const settle = decodePaymentResponseHeader(header);
    if (!settle.success || !settle.transaction) return null;
    const offerReceipt = settle.extensions?.["offer-receipt"] as { info?: { receipt?: unknown } } | undefined;
    const signed = signedReceiptSchema.safeParse(offerReceipt?.info?.receipt);
    return { transaction: settle.transaction, network: settle.network, ...(signed.success ? { signedReceipt: signed.data } : {}) };
  } catch {
    return null; // the content is paid for and delivered; only the receipt lacks its transaction
  }
}
