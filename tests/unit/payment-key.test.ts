import { describe, expect, it } from "vitest";
import { canonicalJson, paymentKey } from "@/lib/x402/payment-key";

const payload = {
  signature: "0xAbCd",
  authorization: { from: "0x857B06519E91e3A54538791bDbb0E22373e36b66", to: "0x2096", value: "10000", nonce: "0xF3" },
};

describe("paymentKey", () => {
  it("is the same for the same payment in any key order or hex case", () => {
    const reordered = {
      authorization: { nonce: "0xf3", value: "10000", to: "0x2096", from: "0x857b06519e91e3a54538791bdbb0e22373e36b66" },
      signature: "0xabcd",
    };
    expect(paymentKey("eip155:8453", "exact", reordered)).toBe(paymentKey("eip155:8453", "exact", payload));
  });

  it("differs when the nonce, signature, network or scheme differs", () => {
    const base = paymentKey("eip155:8453", "exact", payload);
    expect(paymentKey("eip155:8453", "exact", { ...payload, signature: "0xabce" })).not.toBe(base);
    expect(paymentKey("eip155:8453", "exact", { ...payload, authorization: { ...payload.authorization, nonce: "0xf4" } })).not.toBe(base);
    expect(paymentKey("eip155:84532", "exact", payload)).not.toBe(base);
    expect(paymentKey("eip155:8453", "upto", payload)).not.toBe(base);
  });

  it("is a sha256 hex digest", () => {
    expect(paymentKey("n", "s", {})).toMatch(/^[0-9a-f]{64}$/);
  });

  it("canonicalJson sorts keys at every depth and keeps arrays in order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: 0 } })).toBe('{"a":{"c":0,"d":[2,1]},"b":1}');
  });
});
