"use client";

import { useState } from "react";
import { describeSigningError, type PaywallProblem } from "@/lib/paywall/messages";
import { submitPayment } from "./submit";

/** Where a checkout is: "switching" is EVM's network switch; the rest is the payment itself. */
export type CheckoutStage = "idle" | "switching" | "signing" | "submitting" | "paid";

/**
 * The part every checkout (EVM, Solana) shares: sign in the wallet, send the payment with a
 * request for this page, then reload to read it; a declined signature or a refused payment
 * becomes a problem to show, never a thrown error.
 *
 * @param onRefused called after the server refused a payment (e.g. re-read the balance).
 */
export function usePaymentFlow(onRefused: () => void) {
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
    const failure = await submitPayment(headers);
    if (failure) {
      setStage("idle");
      setProblem(failure);
      onRefused();
      return;
    }
    setStage("paid");
    window.location.reload();
  }

  /** The pay button's text for the current stage. */
  const payLabel = (price: string) =>
    stage === "signing" ? "Confirm in your wallet…" : stage === "submitting" ? "Completing payment…" : stage === "paid" ? "Paid — opening…" : `Pay ${price}`;

  return { stage, setStage, problem, setProblem, pay, payLabel };
}
