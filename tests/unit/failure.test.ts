import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { explainFailure } from "@/lib/payments/failure";

describe("explainFailure", () => {
  it.each([
    ["insufficient_funds", /did not hold enough/],
    ["invalid_exact_evm_payload_authorization_valid_before: expired", /expired/],
    ["invalid_exact_evm_payload_signature", /signature/],
    ["authorization_canceled", /cancelled/],
    ["abandoned: the server stopped before settling; the authorization was never submitted", /never used/],
    ["invalid_exact_evm_payload_recipient_mismatch", /another recipient/],
    ["something_new_from_a_facilitator", /refused to settle/],
  ])("%s → words", (reason, words) => {
    const { summary, detail } = explainFailure(reason);
    expect(summary).toMatch(words);
    expect(detail).toBe(reason);
  });

  it("fuzz: any stored reason gives a sentence and keeps the raw text", () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: null }), (reason) => {
        const { summary, detail } = explainFailure(reason);
        expect(summary).toMatch(/\.$/);
        expect(detail).toBe(reason || null);
      }),
    );
  });
});
