import type { PaymentRequirements } from "@x402/core/types";
import { authorizationTypes } from "@x402/evm";
import fc from "fast-check";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { fromV1Network, toV1Network } from "@/lib/x402/networks";
import { BAZAAR, extractDiscoveryInfo, extractDiscoveryInfoV1, isDiscoverableV1, type DiscoveryExtension } from "@x402/extensions/bazaar";
import { declaredExtensions } from "@/lib/x402/extensions";
import type { PricedRouteConfig } from "@/lib/x402/route-table";
import { encodeV1PaymentResponse, findV1Requirement, paymentRequiredV1, toV1Requirements, v1OutputSchema } from "@/lib/x402/v1";
import { routeConfig } from "../support/routes";

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

  it("finds the requirement a v1 payment is for, preferring its recipient", async () => {
    const reqs = [req("eip155:8453", "0xA"), req("eip155:8453", "0xB"), req("eip155:84532", "0xC")];
    // v1 network names are not CAIP-2, though @x402/core types them so.
    const pay = (network: string, to: string) => ({ x402Version: 1 as const, scheme: "exact", network: network as `${string}:${string}`, payload: { authorization: { to } } });
    expect((await findV1Requirement(reqs, pay("base", "0xb")))?.payTo).toBe("0xB");
    expect((await findV1Requirement(reqs, pay("base", "0xZ")))?.payTo).toBe("0xA");
    expect((await findV1Requirement(reqs, pay("base-sepolia", "0xC")))?.payTo).toBe("0xC");
    expect(await findV1Requirement(reqs, pay("polygon", "0xA"))).toBeUndefined();
  });

  describe("two tokens on one chain, one recipient (USDC and EURC)", () => {
    const account = privateKeyToAccount(`0x${"11".repeat(32)}`);
    const payTo = "0x2222222222222222222222222222222222222222";
    const usdc: PaymentRequirements = { ...req("eip155:84532", payTo), asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", extra: { name: "USDC", version: "2" } };
    const eurc: PaymentRequirements = { ...req("eip155:84532", payTo), asset: "0x808456652fdb597867f38412077A9182bf77359F", extra: { name: "EURC", version: "2" } };
    /** A v1 exact payment signed by `account` for `token`'s EIP-712 domain, as x402-fetch builds it. */
    async function v1Payment(token: PaymentRequirements, value = "10000") {
      const authorization = { from: account.address, to: payTo, value, validAfter: "0", validBefore: "1900000000", nonce: `0x${"ab".repeat(32)}` as Hex };
      const { name, version } = token.extra as { name: string; version: string };
      const signature = await account.signTypedData({
        domain: { name, version, chainId: 84532, verifyingContract: token.asset as Hex },
        types: authorizationTypes,
        primaryType: "TransferWithAuthorization",
        message: { ...authorization, to: payTo, value: BigInt(value), validAfter: 0n, validBefore: 1_900_000_000n },
      });
      return { x402Version: 1 as const, scheme: "exact", network: "base-sepolia" as `${string}:${string}`, payload: { authorization, signature } };
    }

    it("takes the option whose token the signature was made for, in either order", async () => {
      for (const offered of [
        [eurc, usdc],
        [usdc, eurc],
      ]) {
        expect((await findV1Requirement(offered, await v1Payment(usdc)))?.asset).toBe(usdc.asset);
        expect((await findV1Requirement(offered, await v1Payment(eurc)))?.asset).toBe(eurc.asset);
      }
    });

    it("takes the option whose amount the authorization carries before looking at the signature", async () => {
      const dearer = { ...eurc, amount: "20000" };
      expect((await findV1Requirement([usdc, dearer], await v1Payment(eurc, "20000")))?.asset).toBe(eurc.asset);
    });

    it("leaves the first option when the signature recovers no offered token's signer (a smart wallet's, a forgery)", async () => {
      const payment = await v1Payment(usdc);
      const foreign = { ...payment, payload: { ...payment.payload, signature: `0x${"00".repeat(65)}` } };
      expect((await findV1Requirement([eurc, usdc], foreign))?.asset).toBe(eurc.asset);
      const long = { ...payment, payload: { ...payment.payload, signature: `${payment.payload.signature}${"00".repeat(32)}` } };
      expect((await findV1Requirement([eurc, usdc], long))?.asset).toBe(eurc.asset);
    });

    it("fuzz: any payload picks an offered option with its network, or none, and never throws", async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.anything(), fc.record({ authorization: fc.dictionary(fc.constantFrom("from", "to", "value", "validAfter", "validBefore", "nonce"), fc.oneof(fc.string(), fc.constantFrom("0", "10000", payTo, account.address, `0x${"ab".repeat(32)}`))), signature: fc.oneof(fc.string(), fc.stringMatching(/^0x[0-9a-f]{0,140}$/)) })), fc.constantFrom("base-sepolia", "base", "nope"), async (payload, network) => {
          const chosen = await findV1Requirement([eurc, usdc], { x402Version: 1, scheme: "exact", network: network as `${string}:${string}`, payload: payload as Record<string, unknown> });
          if (network === "base-sepolia") expect([eurc, usdc]).toContain(chosen);
          else expect(chosen).toBeUndefined();
        }),
        { numRuns: 300 },
      );
    });
  });

  it("encodes X-PAYMENT-RESPONSE with the v1 network name", () => {
    const encoded = encodeV1PaymentResponse({ success: true, transaction: "0x1", network: "eip155:84532", payer: "0xP" });
    expect(JSON.parse(Buffer.from(encoded, "base64").toString())).toEqual({ success: true, transaction: "0x1", network: "base-sepolia", payer: "0xP" });
  });
});

describe("v1 discovery metadata (outputSchema, as the legacy v1 middleware wrote it)", () => {
  const declared = (over: Partial<PricedRouteConfig>, path = over.pathPattern ?? "/api/x") =>
    declaredExtensions(routeConfig(over), { method: over.method ?? "GET", path })![BAZAAR.key] as DiscoveryExtension;

  it("carries a GET route's query example and a POST route's body, read back by the library's v1 extractor as the v2 declaration", () => {
    for (const over of [
      { method: "GET", discovery: { inputExample: { city: "Oslo" }, outputExample: { tempC: 4 } } },
      { method: "POST", discovery: { inputExample: { text: "Hi." }, bodyType: "json" as const, outputExample: { summary: "Hi." } } },
      { method: "DELETE", discovery: null },
    ]) {
      const bazaar = declared(over);
      const v1 = toV1Requirements(req("eip155:84532"), resource, v1OutputSchema(bazaar))!;
      expect(v1.outputSchema).toMatchObject({ input: { type: "http", method: over.method, discoverable: true } });
      expect(isDiscoverableV1(v1 as never)).toBe(true);
      expect(extractDiscoveryInfoV1(v1 as never)).toEqual(extractDiscoveryInfo({ x402Version: 2, resource, accepted: req("eip155:84532"), payload: {}, extensions: { [BAZAAR.key]: bazaar } } as never, req("eip155:84532"))!.discoveryInfo);
    }
  });

  it("leaves a dynamic route's call-specific path parameters out, and pages (no declaration) undiscoverable", () => {
    const dynamic = v1OutputSchema(declared({ pathPattern: "/api/weather/:city" }, "/api/weather/oslo"));
    expect(JSON.stringify(dynamic)).not.toContain("oslo");
    expect(v1OutputSchema(undefined)).toEqual({});
    expect(v1OutputSchema({ info: { input: { type: "mcp", toolName: "x" } } })).toEqual({});
    const page = paymentRequiredV1([req("eip155:84532")], resource, "Payment required");
    expect(page.accepts[0]!.outputSchema).toEqual({});
    expect(isDiscoverableV1(page.accepts[0] as never)).toBe(false);
  });

  it("is the same in every option of the 402 body", () => {
    const schema = v1OutputSchema(declared({ discovery: { inputExample: { q: "1" } } }));
    const body = paymentRequiredV1([req("eip155:84532"), req("eip155:8453")], resource, "Payment required", undefined, schema);
    expect(body.accepts.map((a) => a.outputSchema)).toEqual([schema, schema]);
  });
});
