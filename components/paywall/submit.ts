import { describeSubmissionFailure, type PaywallProblem } from "@/lib/paywall/messages";

/**
 * Sends the signed payment with a request for this same page. On success the response carries
 * the page and its access grant cookie; the caller then reloads to read the page for real.
 *
 * @returns null when paid, or the problem to show.
 */
export async function submitPayment(paymentHeaders: Record<string, string>): Promise<PaywallProblem | null> {
  let response: Response;
  try {
    response = await fetch(window.location.href, {
      headers: { ...paymentHeaders, accept: "application/json" },
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    return { title: "No connection", detail: "Your payment could not be sent. Check your connection; nothing was charged.", retry: true };
  }
  if (response.ok) {
    await response.body?.cancel();
    return null;
  }
  const body = (await response.json().catch(() => ({}))) as { code?: string; error?: string | { code?: string; message?: string } };
  return describeSubmissionFailure({ status: response.status, code: body.code, error: body.error });
}
