/**
 * The offer-receipt extension (specs/extensions/extension-offer-and-receipt.md) as Tollgate signs
 * it: every artifact is checked with @x402/extensions' own verifiers and client helpers, the way
 * an independent agent would check it.
 */
import type { PaymentRequirements, SettleResponse } from "@x402/core/types";
import {
  decodeSignedOffers,
  findAcceptsObjectFromSignedOffer,
  extractJWSHeader,
  verifyOfferSignatureEIP712,
  verifyOfferSignatureJWS,
  verifyReceiptMatchesOffer,
  verifyReceiptSignatureEIP712,
  verifyReceiptSignatureJWS,
  type EIP712SignedOffer,
  type EIP712SignedReceipt,
  type JWSSignedOffer,
  type JWSSignedReceipt,
  type SignedOffer,
} from "@x402/extensions/offer-receipt";
import { createServer, type Server } from "node:http";
import fc from "fast-check";
import type { AddressInfo } from "node:net";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { declareSignIn } from "@/lib/access/siwx";
import { DISCOVERY_MAX_BYTES } from "@/lib/routes/schema";
import { declaredExtensions } from "@/lib/x402/extensions";
import { createOfferReceiptSigner, didDocument, didWebOf, encodePaymentRequiredWithOffers, OFFER_RECEIPT_KEY, OFFERS_HEADER_BUDGET } from "@/lib/x402/offer-receipt";
import { signedReceiptSchema } from "@/lib/paywall/receipts";
import { paymentRequiredV1 } from "@/lib/x402/v1";
import { routeConfig } from "../support/routes";

const KEY: Hex = `0x${"4b".repeat(32)}`;
const SIGNER = privateKeyToAccount(KEY).address;
const URL_ = "https://shop.example/api/report?city=Lisbon";
const PAYER = "0x857b06519E91e3A54538791bDbb0E22373e36b66";
/** Settings every signer here starts from (EIP-712, the default format). */
const BASE = { privateKey: KEY, format: "eip712" as const, origin: "https://shop.example" };

const requirement = (over: Partial<PaymentRequirements> = {}): PaymentRequirements => ({
  scheme: "exact",
  network: "eip155:84532",
  amount: "10000",
  asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
  maxTimeoutSeconds: 60,
  extra: { name: "USDC", version: "2" },
  ...over,
});
const usdc = requirement();
const local = requirement({ network: "eip155:31337", amount: "20000" });
const solana = requirement({ network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU", payTo: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", extra: { feePayer: "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4" } });

const offersOf = (extension: { info: Record<string, unknown> } | undefined) => (extension?.info.offers ?? []) as EIP712SignedOffer[];

afterEach(() => {
  vi.useRealTimers();
});

describe("signed offers (§4)", () => {
  it("signs one EIP-712 offer per requirement, in order, that the library verifies to the configured signer", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: null, includeTransaction: false });
    expect(signer.identity).toMatchObject({ format: "eip712", signer: SIGNER, kid: `did:pkh:eip155:1:${SIGNER}`, did: "did:web:shop.example" });
    const before = Math.floor(Date.now() / 1000);
    const extension = await signer.offers(URL_, [usdc, local, solana]);
    const offers = offersOf(extension);
    expect(offers).toHaveLength(3);
    for (const [i, offer] of offers.entries()) {
      const r = [usdc, local, solana][i]!;
      expect(offer).toMatchObject({ format: "eip712", acceptIndex: i });
      const { signer: recovered, payload } = await verifyOfferSignatureEIP712(offer);
      expect(recovered).toBe(SIGNER);
      expect(payload).toMatchObject({ version: 1, resourceUrl: URL_, scheme: "exact", network: r.network, asset: r.asset, payTo: r.payTo, amount: r.amount });
      // Unset OFFER_VALIDITY_SECONDS: the option's maxTimeoutSeconds, as the library defaults.
      expect(payload.validUntil).toBeGreaterThanOrEqual(before + 60);
      expect(payload.validUntil).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 60);
    }
    // A client matches offers to accepts[] by the signed fields (§4.1), with the library's helper.
    for (const decoded of decodeSignedOffers(offers)) {
      expect(findAcceptsObjectFromSignedOffer(decoded, [solana, local, usdc])).toBe([usdc, local, solana][decoded.acceptIndex!]);
    }
    expect(extension?.schema).toMatchObject({ type: "object", required: ["offers"] });
  });

  it("commits for OFFER_VALIDITY_SECONDS when set", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: 3_600, includeTransaction: false });
    const [offer] = offersOf(await signer.offers(URL_, [usdc]));
    expect(offer!.payload.validUntil - Math.floor(Date.now() / 1000)).toBeGreaterThan(3_590);
  });

  it("reuses an offer while half its validity is left, signs anew after, and never reuses one for other terms or another URL", async () => {
    vi.useFakeTimers({ now: new Date("2026-12-06T12:00:00Z"), toFake: ["Date"] });
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: 100, includeTransaction: false });
    const [first] = offersOf(await signer.offers(URL_, [usdc]));
    vi.setSystemTime(new Date("2026-12-06T12:00:50Z"));
    // Same terms at another place in accepts[]: the same signature, the unsigned index moved.
    const again = offersOf(await signer.offers(URL_, [local, usdc]));
    expect(again[1]!.signature).toBe(first!.signature);
    expect(again[1]!.acceptIndex).toBe(1);
    expect((await verifyOfferSignatureEIP712(again[1]!)).signer).toBe(SIGNER);
    vi.setSystemTime(new Date("2026-12-06T12:00:51Z"));
    const [renewed] = offersOf(await signer.offers(URL_, [usdc]));
    expect(renewed!.signature).not.toBe(first!.signature);
    expect(renewed!.payload.validUntil).toBe(first!.payload.validUntil + 51);
    // A new price is a new offer, and an offer names its own URL.
    const [repriced] = offersOf(await signer.offers(URL_, [{ ...usdc, amount: "10001" }]));
    expect(repriced!.payload.amount).toBe("10001");
    const [elsewhere] = offersOf(await signer.offers("https://shop.example/api/other", [usdc]));
    expect(elsewhere!.payload.resourceUrl).toBe("https://shop.example/api/other");
    expect((await verifyOfferSignatureEIP712(elsewhere!)).signer).toBe(SIGNER);
  });

  it("signs offers for a very long URL (a made-up query) every time, without keeping them", async () => {
    vi.useFakeTimers({ now: new Date("2026-12-06T12:00:00Z"), toFake: ["Date"] });
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: 100, includeTransaction: false });
    const long = `${URL_}&q=${"x".repeat(2_100)}`;
    const [first] = offersOf(await signer.offers(long, [usdc]));
    vi.setSystemTime(new Date("2026-12-06T12:00:01Z"));
    const [second] = offersOf(await signer.offers(long, [usdc]));
    expect(second!.payload.validUntil).toBe(first!.payload.validUntil + 1);
    expect((await verifyOfferSignatureEIP712(second!)).payload.resourceUrl).toBe(long);
  });

  it("offers nothing for a 402 with no requirements", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: null, includeTransaction: false });
    expect(await signer.offers(URL_, [])).toBeUndefined();
  });

  it("goes into the v1 body re-pointed at v1's accepts[], leaving out options v1 cannot name (§6.2)", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: null, includeTransaction: false });
    const extension = await signer.offers(URL_, [local, usdc]);
    const body = paymentRequiredV1([local, usdc], { url: URL_ }, "Payment required", extension);
    expect(body.accepts.map((a) => a.network)).toEqual(["base-sepolia"]);
    const offers = offersOf(body.extensions?.[OFFER_RECEIPT_KEY] as { info: Record<string, unknown> });
    expect(offers).toHaveLength(1);
    // The signed payload keeps the CAIP-2 network (§4.2); only the unsigned index changed.
    expect(offers[0]).toMatchObject({ acceptIndex: 0, payload: { network: "eip155:84532", amount: "10000" } });
    expect((await verifyOfferSignatureEIP712(offers[0]!)).signer).toBe(SIGNER);
    expect(paymentRequiredV1([local, usdc], { url: URL_ }, "Payment required")).not.toHaveProperty("extensions");
    expect(paymentRequiredV1([local], { url: URL_ }, "Payment required", await signer.offers(URL_, [local]))).not.toHaveProperty("extensions");
  });
});

describe("the PAYMENT-REQUIRED size budget", () => {
  const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: null, includeTransaction: false });
  const resource = { url: URL_, description: "A report", mimeType: "application/json" };

  it("adds offers to an ordinary 402, leaving the declared extensions object as it was", async () => {
    const extensions = { bazaar: { info: { input: { type: "http", method: "GET" } } } };
    const header = encodePaymentRequiredWithOffers({ x402Version: 2, resource, accepts: [usdc, solana], extensions }, await signer.offers(URL_, [usdc, solana]));
    const decoded = decodePaymentRequiredHeader(header);
    expect(offersOf(decoded.extensions?.[OFFER_RECEIPT_KEY] as { info: Record<string, unknown> })).toHaveLength(2);
    expect(decoded.extensions?.bazaar).toEqual(extensions.bazaar);
    expect(extensions).not.toHaveProperty(OFFER_RECEIPT_KEY);
  });

  it("sends the most of the first offers that fit the budget, logged once per resource, or none", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const required = { x402Version: 2, resource: { ...resource, url: `${URL_}&budget=1` }, accepts: [usdc, local, solana] };
    const offers = await signer.offers(required.resource.url, [usdc, local, solana]);
    const lengthWith = (n: number) => encodePaymentRequiredWithOffers(required, { ...offers!, info: { offers: offersOf(offers).slice(0, n) } }).length;
    const plain = encodePaymentRequiredWithOffers(required, undefined);
    const sent = (budget: number) => offersOf(decodePaymentRequiredHeader(encodePaymentRequiredWithOffers(required, offers, budget)).extensions?.[OFFER_RECEIPT_KEY] as { info: Record<string, unknown> } | undefined);
    expect(sent(lengthWith(3)).map((o) => o.payload.network)).toEqual([usdc.network, local.network, solana.network]);
    expect(warn).not.toHaveBeenCalled();
    for (let i = 0; i < 3; i++) expect(sent(lengthWith(3) - 1).map((o) => o.payload.network)).toEqual([usdc.network, local.network]);
    expect(sent(lengthWith(1)).map((o) => o.acceptIndex)).toEqual([0]);
    expect(encodePaymentRequiredWithOffers(required, offers, lengthWith(1) - 1)).toBe(plain);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain("budget=1");
    expect(warn.mock.calls[0]![0]).toContain("2 of 3 signed offers");
    warn.mockRestore();
  });

  it("keeps a route at the route editor's limits (10 options, full discovery, sign-in) under the budget, with as many of the first offers as fit", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const requirements = Array.from({ length: 10 }, (_, i) => requirement({ network: `eip155:${8453 + i}` as PaymentRequirements["network"], amount: "1000000000" }));
    const example = "x".repeat(DISCOVERY_MAX_BYTES - 40);
    const route = routeConfig({ paymentIdentifier: "optional", siwxAccess: true, discovery: { inputExample: { q: example } } as never, description: "d".repeat(500) });
    const extensions = declaredExtensions(route, { method: "GET", path: "/api/x" })!;
    extensions["sign-in-with-x"] = await declareSignIn("https://shop.example", "/api/x", resource, requirements);
    const plainLength = encodePaymentRequiredWithOffers({ x402Version: 2, resource, accepts: requirements, extensions }, undefined).length;
    expect(plainLength).toBeLessThan(OFFERS_HEADER_BUDGET);
    for (const n of [1, 3, 10]) {
      const accepts = requirements.slice(0, n);
      const header = encodePaymentRequiredWithOffers({ x402Version: 2, resource, accepts, extensions }, await signer.offers(URL_, accepts));
      expect(header.length).toBeLessThanOrEqual(OFFERS_HEADER_BUDGET);
      const offers = offersOf(decodePaymentRequiredHeader(header).extensions?.[OFFER_RECEIPT_KEY] as { info: Record<string, unknown> } | undefined);
      // A few options keep some offers; ten at the limits may keep none (the header is full without them).
      if (n <= 3) expect(offers.length).toBeGreaterThan(0);
      expect(offers.map((o) => o.acceptIndex)).toEqual(offers.map((_, i) => i));
    }
    warn.mockRestore();
  });
});

describe("signed receipts (§5)", () => {
  const settled: SettleResponse = { success: true, transaction: "0x" + "ab".repeat(32), network: "eip155:84532", payer: PAYER };

  it("signs a privacy-minimal receipt by default: no transaction", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: null, includeTransaction: false });
    const extension = await signer.receipt(URL_, settled);
    const receipt = extension?.info.receipt as EIP712SignedReceipt;
    const { signer: recovered, payload } = await verifyReceiptSignatureEIP712(receipt);
    expect(recovered).toBe(SIGNER);
    expect(payload).toMatchObject({ version: 1, network: "eip155:84532", resourceUrl: URL_, payer: PAYER, transaction: "" });
    expect(Math.abs(payload.issuedAt - Date.now() / 1000)).toBeLessThan(60);
    // The client helper accepts it against the offer it paid.
    const [offer] = decodeSignedOffers(offersOf(await signer.offers(URL_, [usdc])) as SignedOffer[]);
    expect(verifyReceiptMatchesOffer(receipt, offer!, [PAYER])).toBe(true);
    expect(verifyReceiptMatchesOffer(receipt, offer!, ["0x0000000000000000000000000000000000000001"])).toBe(false);
  });

  it("names the transaction when RECEIPT_INCLUDES_TRANSACTION is set, and Solana payments get receipts too", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: null, includeTransaction: true });
    const evm = (await signer.receipt(URL_, settled))?.info.receipt as EIP712SignedReceipt;
    expect((await verifyReceiptSignatureEIP712(evm)).payload.transaction).toBe(settled.transaction);
    const sol = (await signer.receipt(URL_, { success: true, transaction: "5".repeat(88), network: solana.network, payer: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin" }))?.info.receipt as EIP712SignedReceipt;
    const verified = await verifyReceiptSignatureEIP712(sol);
    expect(verified.signer).toBe(SIGNER);
    expect(verified.payload).toMatchObject({ network: solana.network, payer: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", transaction: "5".repeat(88) });
  });

  it("names the CAIP-2 network for a v1 settlement, which names it the v1 way (§5.2)", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: null, includeTransaction: false });
    const v1 = (await signer.receipt(URL_, { ...settled, network: "base-sepolia" as SettleResponse["network"] }))?.info.receipt as EIP712SignedReceipt;
    expect((await verifyReceiptSignatureEIP712(v1)).payload.network).toBe("eip155:84532");
    const sol = (await signer.receipt(URL_, { ...settled, network: "solana-devnet" as SettleResponse["network"] }))?.info.receipt as EIP712SignedReceipt;
    expect(sol.payload.network).toBe("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await signer.receipt(URL_, { ...settled, network: "atlantis" as SettleResponse["network"] })).toBeUndefined();
    warn.mockRestore();
  });

  it("signs no receipt for a failed settlement or one naming no payer", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: null, includeTransaction: true });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await signer.receipt(URL_, { ...settled, success: false, errorReason: "insufficient_funds" })).toBeUndefined();
    expect(await signer.receipt(URL_, { ...settled, payer: undefined })).toBeUndefined();
    warn.mockRestore();
  });

  it("never throws, even when signing itself fails: no receipt, logged (it is signed after the money moved)", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: null, includeTransaction: false });
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    // Whatever throws on the way (here reading the settlement or a requirement) ends as no artifact.
    const exploding = <T extends object>(value: T, field: string): T =>
      Object.defineProperty({ ...value }, field, { enumerable: true, get: () => { throw new Error(`unreadable ${field}`); } });
    expect(await signer.receipt(URL_, exploding(settled, "payer"))).toBeUndefined();
    expect(await signer.receipt(URL_, exploding(settled, "network"))).toBeUndefined();
    expect(await signer.offers(URL_, [exploding(usdc, "amount")])).toBeUndefined();
    expect(error).toHaveBeenCalled();
    error.mockRestore();
  });

  it("a receipt edited after signing no longer recovers the signer", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, offerValiditySeconds: null, includeTransaction: false });
    const receipt = (await signer.receipt(URL_, settled))?.info.receipt as EIP712SignedReceipt;
    const forged = { ...receipt, payload: { ...receipt.payload, resourceUrl: "https://shop.example/api/premium" } };
    expect((await verifyReceiptSignatureEIP712(forged)).signer).not.toBe(SIGNER);
  });
});

describe("JWS format (§3.3): ES256K, the key named by a did:web of the public origin", () => {
  const settled: SettleResponse = { success: true, transaction: "0x" + "cd".repeat(32), network: "eip155:84532", payer: PAYER };

  it("spells the origin's did:web as the method does: the host, the port's colon percent-encoded", () => {
    expect(didWebOf("https://shop.example")).toBe("did:web:shop.example");
    expect(didWebOf("https://shop.example:8443")).toBe("did:web:shop.example%3A8443");
    expect(didWebOf("http://127.0.0.1:3000")).toBe("did:web:127.0.0.1%3A3000");
  });

  it("signs offers and receipts the library verifies with the published key, and a tampered one fails", async () => {
    const signer = createOfferReceiptSigner({ ...BASE, format: "jws", offerValiditySeconds: null, includeTransaction: true });
    expect(signer.identity).toMatchObject({ format: "jws", signer: SIGNER, did: "did:web:shop.example", kid: "did:web:shop.example#offer-receipt" });
    const offers = (await signer.offers(URL_, [usdc, solana]))?.info.offers as JWSSignedOffer[];
    expect(offers.map((o) => [o.format, o.acceptIndex, "payload" in o])).toEqual([["jws", 0, false], ["jws", 1, false]]);
    for (const [i, offer] of offers.entries()) {
      expect(extractJWSHeader(offer.signature)).toEqual({ alg: "ES256K", kid: signer.identity.kid });
      const payload = await verifyOfferSignatureJWS(offer, signer.identity.publicKeyJwk);
      expect(payload).toMatchObject({ version: 1, resourceUrl: URL_, network: [usdc, solana][i]!.network, amount: "10000", payTo: [usdc, solana][i]!.payTo });
    }
    for (const decoded of decodeSignedOffers(offers)) expect(findAcceptsObjectFromSignedOffer(decoded, [solana, usdc])).toBe([usdc, solana][decoded.acceptIndex!]);
    // The same terms again: the same signed offer (reuse reads validUntil from the JWS payload).
    expect(((await signer.offers(URL_, [usdc]))?.info.offers as JWSSignedOffer[])[0]!.signature).toBe(offers[0]!.signature);

    const receipt = (await signer.receipt(URL_, settled))?.info.receipt as JWSSignedReceipt;
    expect(await verifyReceiptSignatureJWS(receipt, signer.identity.publicKeyJwk)).toMatchObject({ network: "eip155:84532", payer: PAYER, resourceUrl: URL_, transaction: settled.transaction });
    const [header, , signature] = receipt.signature.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ version: 1, network: "eip155:84532", resourceUrl: "https://shop.example/api/premium", payer: PAYER, issuedAt: 1 })).toString("base64url");
    await expect(verifyReceiptSignatureJWS({ format: "jws", signature: `${header}.${forgedPayload}.${signature}` }, signer.identity.publicKeyJwk)).rejects.toThrow();
    const other = createOfferReceiptSigner({ ...BASE, privateKey: `0x${"4c".repeat(32)}`, format: "jws", offerValiditySeconds: null, includeTransaction: false });
    await expect(verifyReceiptSignatureJWS(receipt, other.identity.publicKeyJwk)).rejects.toThrow();
  });

  describe("resolved through the origin's /.well-known/did.json, as a verifier given no key does", () => {
    let server: Server;
    let served: Record<string, unknown> = {};
    let origin: string;
    afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    const serve = async () => {
      server = createServer((req, res) => {
        const found = req.url === "/.well-known/did.json";
        res.writeHead(found ? 200 : 404, { "content-type": "application/did+json" }).end(found ? JSON.stringify(served) : "");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };

    it("verifies with the key the document lists, and refuses when the document lists another", async () => {
      await serve();
      const signer = createOfferReceiptSigner({ ...BASE, origin, format: "jws", offerValiditySeconds: null, includeTransaction: false });
      served = didDocument(signer.identity);
      expect(served).toMatchObject({ id: signer.identity.did, assertionMethod: [signer.identity.kid], verificationMethod: [{ id: signer.identity.kid, type: "JsonWebKey2020", controller: signer.identity.did }] });
      expect(JSON.stringify(served)).not.toContain('"d"');
      const [offer] = (await signer.offers(`${origin}/api/x`, [usdc]))?.info.offers as JWSSignedOffer[];
      expect(await verifyOfferSignatureJWS(offer!)).toMatchObject({ resourceUrl: `${origin}/api/x` });
      const receipt = (await signer.receipt(`${origin}/api/x`, settled))?.info.receipt as JWSSignedReceipt;
      expect(await verifyReceiptSignatureJWS(receipt)).toMatchObject({ payer: PAYER });

      // The origin now lists another key (rotated, or an impostor's artifact): the old signature fails.
      served = didDocument(createOfferReceiptSigner({ ...BASE, privateKey: `0x${"4c".repeat(32)}`, origin, format: "jws", offerValiditySeconds: null, includeTransaction: false }).identity);
      await expect(verifyReceiptSignatureJWS(receipt)).rejects.toThrow();
    });
  });
});

describe("the paywall keeps the signed receipt it was sent (lib/paywall/receipts.ts)", () => {
  const settled: SettleResponse = { success: true, transaction: "0x" + "ef".repeat(32), network: "eip155:84532", payer: PAYER };

  it("keeps either format exactly as signed, so the copy still verifies", async () => {
    for (const format of ["eip712", "jws"] as const) {
      const signer = createOfferReceiptSigner({ ...BASE, format, offerValiditySeconds: null, includeTransaction: true });
      const receipt = (await signer.receipt(URL_, settled))?.info.receipt;
      const kept = signedReceiptSchema.parse(JSON.parse(JSON.stringify(receipt)));
      expect(kept).toEqual(receipt);
      if (kept.format === "eip712") expect((await verifyReceiptSignatureEIP712(kept as unknown as EIP712SignedReceipt)).signer).toBe(SIGNER);
      else expect(await verifyReceiptSignatureJWS(kept as JWSSignedReceipt, signer.identity.publicKeyJwk)).toMatchObject({ payer: PAYER });
    }
  });

  it("refuses what is not one: another format, a payload where none belongs or missing, oversized", () => {
    for (const bad of [
      null,
      "0xabc",
      { format: "eip191", signature: "0x1" },
      { format: "eip712", signature: "0x1" },
      { format: "jws", payload: { payer: PAYER }, signature: "a.b.c" },
      { format: "jws", signature: "" },
      { format: "jws", signature: "a".repeat(4_000) },
      { format: "eip712", payload: { resourceUrl: "x".repeat(4_000) }, signature: "0x1" },
    ]) {
      expect(signedReceiptSchema.safeParse(bad).success).toBe(false);
    }
  });

  it("reads any JSON without throwing, and keeps only small receipts of a known format (fuzzed)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ format: fc.constantFrom("eip712", "jws", "x"), payload: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }), signature: fc.string() })), (value) => {
        const parsed = signedReceiptSchema.safeParse(value);
        if (parsed.success) {
          expect(["eip712", "jws"]).toContain(parsed.data.format);
          expect(JSON.stringify(parsed.data).length).toBeLessThanOrEqual(4_000);
        }
      }),
      { numRuns: 500 },
    );
  });
});
