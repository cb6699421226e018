"use client";

import { createContext, useContext, useState } from "react";
import { describeSigningError, type PaywallProblem } from "@/lib/paywall/messages";
import type { PaywallOption } from "@/lib/paywall/options";
import { saveReceipt } from "@/lib/paywall/receipts";
import { submitPayment } from "./submit";

/** What the receipt of a payment made on this paywall says besides the option: the page, the seller, the access window. */
export type ReceiptContextValue = { title: string; store: string; accessWindowSeconds: number };
export const ReceiptContext = createContext<ReceiptContextValue | null>(null);

/** Where a checkout is: "switching" is EVM's network switch; the rest is the payment itself. */
export type CheckoutStage = "idle" | "switching" | "signing" | "submitting" | "paid";

/**
 * The part every checkout (EVM, Solana) shares: sign in the wallet, send the payment with a
 * request for this page, keep a receipt, then reload to read it; a declined signature or a
 * refused payment becomes a problem to show, never a thrown error.
 *
 * @param onRefused called after the server refused a payment (e.g. re-read the balance).
 * @param option what is being paid (for the receipt).
 */
export function usePaymentFlow(onRefused: () => void, option: PaywallOption) {
  const receipt = useContext(ReceiptContext);
  const [stage, setStage] = useState<CheckoutStage>("idle");
  const [problem, setProblem] = useState<PaywallProblem | null>(null);

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
    setStage("submitting");
    const result = await submitPayment(headers);
    if ("problem" in result) {
      setStage("idle");
      setProblem(result.problem);
      onRefused();
      return;
    }
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
      });
    }
    setStage("paid");
    window.location.reload();
  }

  /** The pay button's text for the current stage. */
  const payLabel = (price: string) =>
    stage === "signing" ? "Confirm in your wallet…" : stage === "submitting" ? "Completing payment…" : stage === "paid" ? "Paid — opening…" : `Pay ${price}`;

  return { stage, setStage, problem, setProblem, pay, payLabel };
}
