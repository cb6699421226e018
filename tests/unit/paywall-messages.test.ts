import { UserRejectedRequestError } from "viem";
import { describe, expect, it } from "vitest";
import { describeSigningError, describeSubmissionFailure, isUserRejection } from "@/lib/paywall/messages";
import { formatAmount } from "@/lib/paywall/format";

describe("paywall messages", () => {
  it("recognizes a declined signature however the wallet reports it", () => {
    expect(isUserRejection(new UserRejectedRequestError(new Error("x")))).toBe(true);
    expect(isUserRejection({ code: 4001, message: "nope" })).toBe(true);
    expect(isUserRejection(new Error("wrapped", { cause: { code: 4001 } }))).toBe(true);
    expect(isUserRejection(new Error("User denied message signature."))).toBe(true);
    expect(isUserRejection(new Error("network error"))).toBe(false);
    expect(describeSigningError({ code: 4001 }).title).toBe("Signature declined");
  });

  it("explains each server refusal in plain words", () => {
    const title = (f: Parameters<typeof describeSubmissionFailure>[0]) => describeSubmissionFailure(f).title;
    expect(title({ status: 402, code: "payment_invalid", error: "Payment invalid: invalid_exact_evm_insufficient_balance" })).toBe("Insufficient balance");
    expect(title({ status: 402, code: "payment_invalid", error: "Payment invalid: invalid_exact_evm_payload_authorization_valid_before" })).toBe("Payment expired");
    expect(title({ status: 402, code: "payment_already_used", error: "used" })).toBe("Already used");
    expect(title({ status: 402, code: "settlement_failed", error: "Settlement failed: x" })).toBe("Payment not settled");
    expect(title({ status: 503, error: { code: "facilitator_unavailable", message: "down" } })).toBe("Payments are unavailable");
    expect(title({ status: 500, error: { code: "internal", message: "Internal error" } })).toBe("Something went wrong on our side");
    expect(describeSubmissionFailure({ status: 402, code: "payment_invalid", error: "Payment invalid: invalid_scheme" }).detail).toBe("invalid_scheme");
  });

  it("never says 'nothing was charged' when the payment may have gone through, and offers the same payment again instead of a new one", () => {
    const pending = describeSubmissionFailure({ status: 503, error: { code: "settlement_pending", message: "The payment's settlement is not confirmed yet; nothing more will be charged. Send the same payment again shortly to receive the resource." } });
    expect(pending).toMatchObject({ title: "Confirming your payment", resend: true, pending: true });
    expect(pending.detail).toMatch(/do not pay again/);
    expect(pending.detail).not.toMatch(/nothing was (charged|paid)/i);
    const unproduced = describeSubmissionFailure({ status: 502, error: { code: "upstream_unreachable", message: "The paid resource could not be produced again; the payment is settled: send the same payment again to receive it" } });
    expect(unproduced).toMatchObject({ resend: true });
    expect(unproduced.pending).toBeFalsy();
    expect(unproduced.detail).not.toMatch(/nothing was (charged|paid)/i);
    // A page that failed while it rendered: not charged, and the same payment may go again.
    const failed = describeSubmissionFailure({ status: 502, error: { code: "upstream_failed", message: "The page failed while it was being produced; nothing was charged" } });
    expect(failed).toMatchObject({ resend: true, retry: true });
    expect(failed.detail).toMatch(/not charged/);
    // A page too large to hold before settling: not charged, and trying again would fail the same way.
    const tooLarge = describeSubmissionFailure({ status: 502, error: { code: "response_too_large", message: "The resource is larger than this server holds before charging (67108864 bytes); nothing was charged" } });
    expect(tooLarge).toMatchObject({ title: "This page cannot be sold here", retry: false });
    expect(tooLarge.detail).toMatch(/not charged/);
    // A page that does not exist: nothing to pay for, nothing to try again.
    expect(describeSubmissionFailure({ status: 404, error: { code: "not_found", message: "This page does not exist; nothing was charged" } })).toMatchObject({ title: "Page not found", retry: false });
    expect(describeSubmissionFailure({ status: 404 })).toMatchObject({ title: "Page not found", retry: false });
    // Refused before settling: the same payment may be sent again too (nothing was charged).
    expect(describeSubmissionFailure({ status: 503, error: { code: "facilitator_unavailable", message: "down" } })).toMatchObject({ resend: true });
    // Refused while this payment can still settle: the same payment again, never a second one
    // (which would be charged as well should the first land). Also when the reason is the balance.
    const retryable = describeSubmissionFailure({ status: 402, code: "settlement_failed_retryable", error: "Settlement failed: unexpected_settle_error. Nothing was charged; this payment can still be settled: send the same payment again instead of signing a new one" });
    expect(retryable).toMatchObject({ title: "Payment not settled", resend: true, retry: true });
    expect(retryable.pending).toBeFalsy();
    const short = describeSubmissionFailure({ status: 402, code: "settlement_failed_retryable", error: "Settlement failed: invalid_exact_evm_insufficient_balance. Nothing was charged; …" });
    expect(short).toMatchObject({ title: "Insufficient balance", resend: true });
    expect(short.detail).toMatch(/when the payment was settled\. Nothing was paid\. Add funds if needed, then try again: the same payment is sent again/);
    // A payment that cannot buy anything any more needs a new signature.
    for (const code of ["payment_already_used", "settlement_failed", "payment_invalid"]) expect(describeSubmissionFailure({ status: 402, code, error: "x" }).resend).toBeFalsy();
  });

  it("never leaks a stack trace into the detail", () => {
    const error = new Error("boom\n    at foo (file.ts:1:1)");
    expect(describeSigningError(error).detail).toBe("boom");
  });
});

describe("formatAmount", () => {
  it("shows atomic amounts in token units without rounding", () => {
    expect(formatAmount("20000", 6)).toBe("0.02");
    expect(formatAmount("1", 6)).toBe("0.000001");
    expect(formatAmount(1_500_000n, 6)).toBe("1.5");
    expect(formatAmount("1000000000000000000", 18)).toBe("1");
  });
});

describe("dollarEquivalent", () => {
  it("shows US-dollar stablecoins in dollars, rounds to cents, and guesses no other rate", async () => {
    const { dollarEquivalent } = await import("@/lib/paywall/format");
    expect(dollarEquivalent("20000", { symbol: "USDC", decimals: 6 })).toBe("≈ $0.02");
    expect(dollarEquivalent(1_234_567_890n, { symbol: "usdt", decimals: 6 })).toBe("≈ $1,234.57");
    expect(dollarEquivalent("5000", { symbol: "USDC", decimals: 6 })).toBe("< $0.01");
    expect(dollarEquivalent("0", { symbol: "USDC", decimals: 6 })).toBe("≈ $0.00");
    expect(dollarEquivalent("10000", { symbol: "EURC", decimals: 6 })).toBeNull();
    expect(dollarEquivalent("10000", null)).toBeNull();
  });
});
