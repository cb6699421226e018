import { encodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentPayload } from "@x402/core/types";
import { describe, expect, it } from "vitest";
import { TollgateError } from "@/lib/errors";
import { readPaymentHeaders } from "@/lib/x402/payment-header";

const requirements = {
  scheme: "exact",
  network: "eip155:84532" as const,
  amount: "10000",
  asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
  maxTimeoutSeconds: 60,
  extra: { name: "USDC", version: "2" },
};
const v2: PaymentPayload = {
  x402Version: 2,
  resource: { url: "https://api.example.com/premium-data", description: "d", mimeType: "application/json" },
  accepted: requirements,
  payload: { signature: "0x2d6a", authorization: { from: "0x857b06519E91e3A54538791bDbb0E22373e36b66", nonce: "0xf374" } },
};
const v1 = { x402Version: 1, scheme: "exact", network: "base-sepolia", payload: { signature: "0xab", authorization: {} } };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64");

const read = (h: Record<string, string>) => readPaymentHeaders(new Headers(h));
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof TollgateError ? `${e.status} ${e.code}` : `other: ${e}`;
  }
  return "no error";
};

describe("readPaymentHeaders", () => {
  it("returns null when the request carries no payment", () => {
    expect(read({ accept: "application/json" })).toBeNull();
  });

  it("decodes a v2 PAYMENT-SIGNATURE encoded by @x402/core", () => {
    expect(read({ "PAYMENT-SIGNATURE": encodePaymentSignatureHeader(v2) })).toEqual({ x402Version: 2, payload: v2 });
  });

  it("decodes a v1 X-PAYMENT", () => {
    expect(read({ "X-PAYMENT": b64(v1) })).toEqual({ x402Version: 1, payload: v1 });
  });

  it("prefers PAYMENT-SIGNATURE when both are present", () => {
    expect(read({ "PAYMENT-SIGNATURE": encodePaymentSignatureHeader(v2), "X-PAYMENT": b64(v1) })?.x402Version).toBe(2);
  });

  it.each([
    ["not base64", { "PAYMENT-SIGNATURE": "%%%not-base64%%%" }],
    ["base64 of non-JSON", { "PAYMENT-SIGNATURE": Buffer.from("hello").toString("base64") }],
    ["JSON that is not a payload", { "PAYMENT-SIGNATURE": b64({ hello: "world" }) }],
    ["a v1 payload in the v2 header", { "PAYMENT-SIGNATURE": b64(v1) }],
    ["empty header", { "PAYMENT-SIGNATURE": "" }],
    ["v1 garbage", { "X-PAYMENT": "!!!" }],
    ["v1 header with a v2 payload", { "X-PAYMENT": b64(v2) }],
  ])("rejects %s with 400 invalid_payment_header", (_name, headers) => {
    expect(code(() => read(headers))).toBe("400 invalid_payment_header");
  });
});
