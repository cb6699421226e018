import { describe, expect, it } from "vitest";
import { canonicalJson, paymentKey } from "@/lib/x402/payment-key";

const payload = {
  signature: "0xAbCd",
  authorization: { from: "0x857B06519E91e3A54538791bDbb0E22373e36b66", to: "0x2096", value: "10000", nonce: "0xF3" },
};
const asset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const raw = { asset, identity: null };
const authorization = { kind: "eip3009" as const, from: payload.authorization.from, nonce: payload.authorization.nonce };

describe("paymentKey", () => {
  it("keys a payload it cannot read on the payload: the same in any key order or hex case", () => {
    const reordered = {
      authorization: { nonce: "0xf3", value: "10000", to: "0x2096", from: "0x857b06519e91e3a54538791bdbb0e22373e36b66" },
      signature: "0xabcd",
    };
    expect(paymentKey("eip155:8453", "exact", reordered, raw)).toBe(paymentKey("eip155:8453", "exact", payload, raw));
    const base = paymentKey("eip155:8453", "exact", payload, raw);
    expect(paymentKey("eip155:8453", "exact", { ...payload, signature: "0xabce" }, raw)).not.toBe(base);
    expect(paymentKey("eip155:84532", "exact", payload, raw)).not.toBe(base);
    expect(paymentKey("eip155:8453", "upto", payload, raw)).not.toBe(base);
  });

  it("keys an EIP-3009 payment on its authorization: any signature encoding is the same payment", () => {
    const base = paymentKey("eip155:8453", "exact", payload, { asset, identity: authorization });
    // Another encoding of the signature (v as 0/1, high s…) or of the addresses' case: one payment.
    expect(paymentKey("eip155:8453", "exact", { ...payload, signature: "0xabce" }, { asset, identity: authorization })).toBe(base);
    expect(paymentKey("eip155:8453", "exact", payload, { asset: asset.toLowerCase(), identity: { ...authorization, from: authorization.from.toLowerCase() } })).toBe(base);
    // Another authorization, authorizer, token, network or scheme: another payment.
    expect(paymentKey("eip155:8453", "exact", payload, { asset, identity: { ...authorization, nonce: "0xf4" } })).not.toBe(base);
    expect(paymentKey("eip155:8453", "exact", payload, { asset, identity: { ...authorization, from: "0x2096000000000000000000000000000000000000" } })).not.toBe(base);
    expect(paymentKey("eip155:8453", "exact", payload, { asset: "0x1111111111111111111111111111111111111111", identity: authorization })).not.toBe(base);
    expect(paymentKey("eip155:84532", "exact", payload, { asset, identity: authorization })).not.toBe(base);
    expect(paymentKey("eip155:8453", "upto", payload, { asset, identity: authorization })).not.toBe(base);
  });

  it("keys a Solana payment on its signed message, whatever else the transaction's bytes hold", () => {
    const message = { kind: "svm" as const, messageHash: "5hXq" };
    const base = paymentKey("solana:devnet", "exact", { transaction: "AAAA" }, { asset: "mint", identity: message });
    expect(paymentKey("solana:devnet", "exact", { transaction: "BBBB" }, { asset: "mint", identity: message })).toBe(base);
    expect(paymentKey("solana:devnet", "exact", { transaction: "AAAA" }, { asset: "mint", identity: { ...message, messageHash: "5hXr" } })).not.toBe(base);
  });

  it("is a sha256 hex digest", () => {
    expect(paymentKey("n", "s", {}, raw)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("canonicalJson sorts keys at every depth and keeps arrays in order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: 0 } })).toBe('{"a":{"c":0,"d":[2,1]},"b":1}');
  });
});
