import type { PaymentRequirements } from "@x402/core/types";
import { describe, expect, it } from "vitest";
import { fromV1Network, toV1Network } from "@/lib/x402/networks";
import { encodeV1PaymentResponse, findV1Requirement, paymentRequiredV1, toV1Requirements } from "@/lib/x402/v1";

const req = (network: string, payTo = "0xMerchant"): PaymentRequirements => ({
  scheme: "exact",
  network: network as `${string}:${string}`,
  amount: "10000",
  asset: "0xToken",
  payTo,
  maxTimeoutSeconds: 300,
  extra: { name: "USD Coin", version: "2" },
});
const resource = { url: "https://shop.example/api/x", description: "X", mimeType: "application/json" };

describe("v1 networks", () => {
  it("maps the official v1 names both ways", () => {
    expect(toV1Network("eip155:8453")).toBe("base");
    expect(toV1Network("eip155:84532")).toBe("base-sepolia");
    expect(fromV1Network("base-sepolia")).toBe("eip155:84532");
    expect(toV1Network("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp")).toBe("solana");
    expect(toV1Network("eip155:31337")).toBeUndefined();
  });
});

describe("v1 requirements", () => {
  it("converts a v2 requirement (amount → maxAmountRequired, resource inlined)", () => {
    expect(toV1Requirements(req("eip155:84532"), resource)).toEqual({
      scheme: "exact",
      network: "base-sepolia",
      maxAmountRequired: "10000",
      resource: "https://shop.example/api/x",
      description: "X",
      mimeType: "application/json",
      outputSchema: {},
      payTo: "0xMerchant",
      maxTimeoutSeconds: 300,
      asset: "0xToken",
      extra: { name: "USD Coin", version: "2" },
    });
  });

  it("leaves out options v1 cannot name", () => {
    const body = paymentRequiredV1([req("eip155:31337"), req("eip155:8453")], resource, "Payment required");
    expect(body.x402Version).toBe(1);
    expect(body.error).toBe("Payment required");
    expect(body.accepts.map((a) => a.network)).toEqual(["base"]);
  });

  it("finds the requirement a v1 payment is for, preferring its recipient", () => {
    const reqs = [req("eip155:8453", "0xA"), req("eip155:8453", "0xB"), req("eip155:84532", "0xC")];
    // v1 network names are not CAIP-2, though @x402/core types them so.
    const pay = (network: string, to: string) => ({ x402Version: 1 as const, scheme: "exact", network: network as `${string}:${string}`, payload: { authorization: { to } } });
    expect(findV1Requirement(reqs, pay("base", "0xb"))?.payTo).toBe("0xB");
    expect(findV1Requirement(reqs, pay("base", "0xZ"))?.payTo).toBe("0xA");
    expect(findV1Requirement(reqs, pay("base-sepolia", "0xC"))?.payTo).toBe("0xC");
    expect(findV1Requirement(reqs, pay("polygon", "0xA"))).toBeUndefined();
  });

  it("encodes X-PAYMENT-RESPONSE with the v1 network name", () => {
    const encoded = encodeV1PaymentResponse({ success: true, transaction: "0x1", network: "eip155:84532", payer: "0xP" });
    expect(JSON.parse(Buffer.from(encoded, "base64").toString())).toEqual({ success: true, transaction: "0x1", network: "base-sepolia", payer: "0xP" });
  });
});
