"use client";

import { createContext, useContext, useEffect, useRef, useState } from "react";
import { describeSigningError, describeSubmissionFailure, describeUnfinishedPayment, type PaywallProblem } from "@/lib/paywall/messages";
import { clearPendingPayment, loadPendingPayment, pendingPaymentKey, savePendingPayment } from "@/lib/paywall/pending-payment";
import type { PaywallOption } from "@/lib/paywall/options";
import { saveReceipt } from "@/lib/paywall/receipts";
import { submitPayment } from "./submit";

/** What the receipt of a payment made on this paywall says besides the option: the page, the seller, the access window. */
export type ReceiptContextValue = { title: string; store: string; accessWindowSeconds: number };
export const ReceiptContext = createContext<ReceiptContextValue | null>(null);

/**
 * Where a checkout is: "switching" is EVM's network switch; the rest is the payment itself
 * ("confirming": sent, its settlement pending, being checked again; "downloaded": what was bought
 * is a file, saved by the browser while this page stays).
 */
export type CheckoutStage = "idle" | "switching" | "signing" | "submitting" | "confirming" | "paid" | "downloaded";

/** How often a payment whose settlement is pending is checked again before the visitor is asked. */
const PENDING_CHECKS = 3;

/**
 * The part every checkout (EVM, Solana) shares: sign in the wallet, send the payment with a
 * request for this page, keep a receipt, then reload to read it; a declined signature or a
 * refused payment becomes a problem to show, never a thrown error. A payment whose settlement is
 * pending is checked again with the same signature; one refused in a way the same payment can
 * still be served is sent again by "Try again"; both also after a reload of the page and in
 * another tab of it (lib/paywall/pending-payment.ts).
 *
 * @param rereadBalance called when the wallet's balance may have changed while the paywall stays:
 *   after the server refused a payment, and after a paid download.
 * @param option what is being paid (for the receipt).
 */
export function usePaymentFlow(rereadBalance: () => void, option: PaywallOption) {
  const receipt = useContext(ReceiptContext);
  const [stage, setStage] = useState<CheckoutStage>("idle");
  const [problem, setProblem] = useState<PaywallProblem | null>(null);
  /** The last signed payment, kept to send again when the server says the same one can still be served. */
  const signed = useRef<Record<string, string> | null>(null);

  /** The stage, for the storage listener (registered once). */
  const stageNow = useRef<CheckoutStage>("idle");
  useEffect(() => {
    stageNow.current = stage;
  }, [stage]);

  // A payment left unfinished on this page (reloaded meanwhile, or in another tab): offer to send
  // it again, never a second payment while it may still go through or be served. Another tab
  // keeping one while this one waits is followed too; one it finished (served, or refused for
  // good) reloads this tab, which then shows the page or a fresh paywall.
  useEffect(() => {
    const path = window.location.pathname;
    const offerKept = () => {
      const kept = loadPendingPayment(path);
      if (!kept) return false;
      signed.current = kept.headers;
      setProblem(kept.pending ? describeSubmissionFailure({ status: 503, code: "settlement_pending" }) : describeUnfinishedPayment());
      return true;
    };
    offerKept();
    const onStorage = (event: StorageEvent) => {
      if ((event.key !== null && event.key !== pendingPaymentKey(path)) || stageNow.current !== "idle") return;
      if (!offerKept() && signed.current) window.location.reload();
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);

  /** Runs the payment with `sign`, which returns the payment request headers (PAYMENT-SIGNATURE). */
  async function pay(sign: () => Promise<Record<string, string>>): Promise<void> {
    setProblem(null);
    setStage("signing");
    let headers: Record<string, string>;
    try {
      headers = await sign();
    } catch (error) {
      setStage("idle");
      setProblem(describeSigningError(error));
      return;
    }
    signed.current = headers;
    await submit(headers);
  }

  /** Sends the last signed payment again (a problem with `resend`): no new signature, never a second charge. */
  async function resend(): Promise<void> {
    if (!signed.current) return setProblem(null);
    setProblem(null);
    await submit(signed.current);
  }

  /**
   * Sends a signed payment. While its settlement is pending the same payment is sent again, after
   * the server's Retry-After (1–10 s), up to PENDING_CHECKS times before the problem is shown.
   */
  async function submit(headers: Record<string, string>): Promise<void> {
    setStage("submitting");
    let result = await submitPayment(headers);
    for (let check = 0; check < PENDING_CHECKS && "problem" in result && result.problem.pending; check++) {
      setStage("confirming");
      const waitMs = Math.min(Math.max(result.retryAfterMs ?? 5_000, 1_000), 10_000);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      result = await submitPayment(headers);
    }
    const path = window.location.pathname;
    if ("problem" in result) {
      setStage("idle");
      setProblem(result.problem);
      // Kept while the same payment is what can still be served (also across a reload).
      if (result.problem.resend) savePendingPayment(path, headers, { pending: Boolean(result.problem.pending) });
      else clearPendingPayment(path);
      if (!result.problem.resend) signed.current = null; // the next attempt needs a new signature
      rereadBalance();
      return;
    }
    signed.current = null;
    clearPendingPayment(path);
    if (receipt) {
      const now = new Date();
      const transaction = result.paid?.transaction ?? "";
      saveReceipt({
        path: window.location.pathname,
        title: receipt.title,
        store: receipt.store,
        price: option.price,
        networkName: option.networkName,
        network: option.requirement.network,
        transaction,
        explorerUrl: transaction && option.explorerTxUrl ? option.explorerTxUrl.replace("{transaction}", transaction) : null,
        paidAt: now.toISOString(),
        accessUntil: new Date(now.getTime() + receipt.accessWindowSeconds * 1000).toISOString(),
        signedReceipt: result.paid?.signedReceipt,
      });
    }
    if (result.attachment) {
      // A download: the grant lets the same URL through, and the browser saves it without leaving.
      setStage("downloaded");
      window.location.assign(window.location.href);
      rereadBalance();
      return;
    }
    setStage("paid");
    window.location.reload();
  }

  /** The pay button's text for the current stage. */
  const payLabel = (price: string) =>
    stage === "signing"
      ? "Confirm in your wallet…"
      : stage === "submitting"
        ? "Completing payment…"
        : stage === "confirming"
          ? "Confirming payment on chain…"
          : stage === "paid"
            ? "Paid — opening…"
            : `Pay ${price}`;

  /** What a problem's button does: send the same payment again, or clear it for a new one. */
  const retry = () => (problem?.resend ? void resend() : setProblem(null));

  /**
   * The checkouts' own problems (connecting, switching networks): never in place of a pending
   * payment's notice, which only its own check may replace (else Pay would open to a second payment).
   */
  const setOwnProblem = (next: PaywallProblem | null) => setProblem((current) => (current?.pending ? current : next));

  return { stage, setStage, problem, setProblem: setOwnProblem, pay, payLabel, retry };
}
