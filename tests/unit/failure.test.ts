import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeConfirmation, explainFailure, explainOpen, explainPending } from "@/lib/payments/failure";

describe("explainPending", () => {
  it("says a claim is running while a live request may hold it, and left behind (still open) after", () => {
    const claimed = new Date("2026-12-03T12:00:00Z");
    expect(explainPending(claimed, claimed.getTime() + 9_499, 9_500)).toMatch(/handler is running/);
    const stale = explainPending(claimed, claimed.getTime() + 9_500, 9_500);
    expect(stale).toMatch(/server stopped .+never submitted/);
    expect(stale).toMatch(/stays open while the buyer's authorization can still be used/);
    expect(stale).not.toMatch(/no money moved/);
  });
});

describe("explainFailure", () => {
  it.each([
    ["insufficient_funds", /did not hold enough/],
    ["invalid_exact_evm_payload_authorization_valid_before: expired", /expired/],
    ["invalid_exact_evm_payload_signature", /signature/],
    ["authorization_canceled", /cancelled/],
    ["abandoned: the server stopped before settling; the authorization was never submitted", /never used/],
    ["invalid_exact_evm_payload_recipient_mismatch", /another recipient/],
    ["something_new_from_a_facilitator", /refused to settle/],
    ["authorization_used_elsewhere: its nonce was used in 0xab, which did not transfer 10000 to 0xcd", /nonce on another transfer.+can never settle/],
    // Before the expiry and nonce rules: the reason quotes the chain's words after the claim.
    ["settlement_not_on_chain: the facilitator reported it settled in 0xab, but the chain shows no transfer of it (authorization_expired_unused)", /reported this payment settled.+never moved.+not paid/],
  ])("%s → words", (reason, words) => {
    const { summary, detail } = explainFailure(reason);
    expect(summary).toMatch(words);
    expect(detail).toBe(reason);
  });

  it.each([
    ["settlement_failed: unexpected_settle_error; on chain: authorization_not_used_yet", /said the settlement failed.+still able to go through/],
    ["facilitator_unavailable: The payment facilitator did not answer settle in time", /answer to the settlement was lost/],
    ["settlement_not_on_chain: the facilitator reported it settled in 0xab, but the chain shows no transfer of it (authorization_not_used_yet)", /reported this payment settled.+no transfer of it.+asks the facilitator to settle it again/],
  ])("an open payment's %s → not known yet, the chain decides", (reason, words) => {
    const { summary, detail } = explainOpen(reason);
    expect(summary).toMatch(words);
    expect(summary).toMatch(/The chain decides/);
    expect(summary).not.toMatch(/no money moved/);
    expect(detail).toBe(reason);
  });

  it("fuzz: any stored reason gives a sentence and keeps the raw text", () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: null }), (reason) => {
        for (const explain of [explainFailure, explainOpen]) {
          const { summary, detail } = explain(reason);
          expect(summary).toMatch(/\.$/);
          expect(detail).toBe(reason || null);
        }
      }),
    );
  });
});

describe("describeConfirmation", () => {
  it("says whether the chain was seen to carry a settled payment, and when (UTC)", () => {
    expect(describeConfirmation(new Date("2026-12-03T19:04:05.678Z"))).toBe("Confirmed: the chain carries this payment in the transaction above (checked 2026-12-03 19:04:05 UTC).");
    expect(describeConfirmation(null)).toMatch(/^Reported settled by the facilitator; the reconciler has not checked it on chain yet/);
  });
});
