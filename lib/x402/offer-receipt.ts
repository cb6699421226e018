import { createPrivateKey, sign } from "node:crypto";
import { encodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired, PaymentRequirements, SettleResponse } from "@x402/core/types";
import {
  createEIP712OfferReceiptIssuer,
  createJWSOfferReceiptIssuer,
  createOfferReceiptExtension,
  extractOfferPayload,
  OFFER_RECEIPT,
  type OfferInput,
  type OfferReceiptIssuer,
  type SignedOffer,
  type SignedReceipt,
} from "@x402/extensions/offer-receipt";
import { hexToBytes, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { fromV1Network } from "./networks";

/** The extension's key in PaymentRequired.extensions and SettleResponse.extensions. */
export const OFFER_RECEIPT_KEY = OFFER_RECEIPT;

/** The two signature formats of the extension (§3.1.1). */
export type OfferReceiptFormat = "eip712" | "jws";

/** How Tollgate signs offers and receipts (the OFFER_RECEIPT_* settings). */
export type OfferReceiptSettings = {
  /** The secp256k1 key that signs (0x + 64 hex). */
  privateKey: Hex;
  /** EIP-712 (the default) or JWS (ES256K, its key named by a did:web of `origin`). */
  format: OfferReceiptFormat;
  /** The public origin, e.g. "https://shop.example": the did:web that serves the key (/.well-known/did.json). */
  origin: string;
  /** How long a signed offer commits to its terms, in seconds; null: each requirement's maxTimeoutSeconds (the library's default). */
  offerValiditySeconds: number | null;
  /** Whether receipts name the settlement's transaction (the spec's default is privacy-minimal: no). */
  includeTransaction: boolean;
};

/** The extension object as it appears under `extensions["offer-receipt"]`. */
export type OfferReceiptExtension = { info: Record<string, unknown>; schema?: unknown };

/** A public key as a JWK (secp256k1: kty "EC", crv "secp256k1", x and y base64url). */
export type PublicJwk = { kty: "EC"; crv: "secp256k1"; x: string; y: string };

/** Who signs: what a verifier compares a signer with (published at /.well-known/x402 and /.well-known/did.json). */
export type OfferReceiptIdentity = {
  format: OfferReceiptFormat;
  /** The key's EVM address, as EIP-712 recovery returns it (checksummed). */
  signer: string;
  /**
   * The key's identifier: for JWS, the `kid` in every artifact's header, `<did>#offer-receipt`,
   * which the library resolves through /.well-known/did.json; for EIP-712 (whose artifacts carry
   * no kid) a did:pkh of the address on chain id 1, the extension's fixed EIP-712 domain chain.
   */
  kid: string;
  /** The did:web of the public origin, whose document (/.well-known/did.json) lists the key. */
  did: string;
  publicKeyJwk: PublicJwk;
};

/** The verification method's fragment in the DID document: `<did>#offer-receipt`. */
const KEY_FRAGMENT = "offer-receipt";

/**
 * The did:web of an origin (W3C did:web method, "Create"): its host, the port's colon
 * percent-encoded, e.g. "did:web:shop.example", "did:web:127.0.0.1%3A3000". Resolved at
 * https://<host>/.well-known/did.json (http for localhost and 127.0.0.1, as @x402/extensions does).
 */
export function didWebOf(origin: string): string {
  return `did:web:${encodeURIComponent(new URL(origin).host)}`;
}

/**
 * The DID document served at /.well-known/did.json (W3C DID Core, JsonWebKey2020): the signing
 * key's public JWK as `<did>#offer-receipt`, an assertion method, so verifiers resolving a JWS
 * artifact's `kid` (@x402/extensions' verifyOfferSignatureJWS / verifyReceiptSignatureJWS without
 * a key) find it, and the key is bound to the origin that serves it (§4.5.1, "External key registry").
 */
export function didDocument(identity: OfferReceiptIdentity): Record<string, unknown> {
  const id = `${identity.did}#${KEY_FRAGMENT}`;
  return {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
    id: identity.did,
    verificationMethod: [{ id, type: "JsonWebKey2020", controller: identity.did, publicKeyJwk: identity.publicKeyJwk }],
    assertionMethod: [id],
  };
}

/** Signs the offer-receipt extension's two artifacts (specs/extensions/extension-offer-and-receipt.md). */
export type OfferReceiptSigner = {
  identity: OfferReceiptIdentity;
  /**
   * Signed offers for a 402 (§4): one per requirement, in the same order, each `acceptIndex`
   * its position in `requirements`; payload fields copied from the requirement (network in
   * CAIP-2, amount in atomic units), `resourceUrl` the 402's resource URL, `validUntil` in unix
   * seconds. An offer signed earlier for the same URL and terms is reused while at least half of
   * its validity is left (signing costs ~1 ms of CPU per offer).
   *
   * @returns `{info: {offers}, schema}`, or undefined when no offer could be signed (logged;
   *   never throws: a 402 without offers is still a valid 402).
   */
  offers(resourceUrl: string, requirements: PaymentRequirements[]): Promise<OfferReceiptExtension | undefined>;
  /**
   * A signed receipt for a delivered, settled payment (§5): network (CAIP-2, a v1 name converted),
   * resourceUrl, payer, issuedAt (unix seconds, now) and, only when `includeTransaction`, the
   * transaction.
   *
   * @returns `{info: {receipt}, schema}`, or undefined when `settled` is not a success or names no
   *   payer or network, or signing failed (logged; never throws: the buyer paid and gets the content).
   */
  receipt(resourceUrl: string, settled: SettleResponse): Promise<OfferReceiptExtension | undefined>;
};

/** Signed offers kept for reuse, by URL and terms; oldest dropped past this many. */
const OFFER_CACHE_LIMIT = 1_000;
/**
 * Longest resource URL whose offers are kept for reuse (its query is the caller's to make up):
 * the cache holds at most OFFER_CACHE_LIMIT × this many characters of URLs.
 */
const KEPT_URL_MAX = 2_048;

/**
 * A signer for the offer-receipt extension, built on @x402/extensions' issuers and its
 * ResourceServerExtension hooks (the library builds payloads and schemas and signs; Tollgate only
 * supplies the key, the resource URL and the settled payment). EIP-712 uses the domain chain id 1
 * (§3.2) and JWS a did:web `kid` (§3.3), so one key signs for EVM and Solana payments alike.
 */
export function createOfferReceiptSigner(settings: OfferReceiptSettings): OfferReceiptSigner {
  const account = privateKeyToAccount(settings.privateKey);
  const publicKey = hexToBytes(account.publicKey); // 0x04 ‖ x ‖ y
  const publicKeyJwk: PublicJwk = { kty: "EC", crv: "secp256k1", x: base64url(publicKey.slice(1, 33)), y: base64url(publicKey.slice(33, 65)) };
  const did = didWebOf(settings.origin);
  const kid = settings.format === "jws" ? `${did}#${KEY_FRAGMENT}` : `did:pkh:eip155:1:${account.address}`;
  const identity: OfferReceiptIdentity = { format: settings.format, signer: account.address, kid, did, publicKeyJwk };
  let issuer: OfferReceiptIssuer;
  if (settings.format === "jws") {
    // ES256K (RFC 8812): ECDSA on secp256k1 over SHA-256, r ‖ s; signed by Node's crypto, assembled by the library.
    const key = createPrivateKey({ key: { ...publicKeyJwk, d: base64url(hexToBytes(settings.privateKey)) }, format: "jwk" });
    issuer = createJWSOfferReceiptIssuer(kid, {
      kid,
      format: "jws",
      algorithm: "ES256K",
      sign: async (input) => sign("sha256", input, { key, dsaEncoding: "ieee-p1363" }).toString("base64url"),
    });
  } else {
    issuer = createEIP712OfferReceiptIssuer(kid, (typed) => account.signTypedData(typed as Parameters<typeof account.signTypedData>[0]));
  }
  const extension = createOfferReceiptExtension(reusingOffers(issuer));
  const declaration = { includeTxHash: settings.includeTransaction, ...(settings.offerValiditySeconds ? { offerValiditySeconds: settings.offerValiditySeconds } : {}) };
  return {
    identity,
    // Both never throw (the contract above): a 402 without offers is still a 402, and a receipt
    // is signed after the money moved, where an error would cost the buyer their content.
    offers: (resourceUrl, requirements) =>
      withoutThrowing("sign offers", async () => {
        if (requirements.length === 0) return undefined;
        const context = { requirements, paymentRequiredResponse: { x402Version: 2, resource: { url: resourceUrl }, accepts: requirements } };
        return (await extension.enrichPaymentRequiredResponse!(declaration, context as never)) as OfferReceiptExtension | undefined;
      }),
    receipt: (resourceUrl, settled) =>
      withoutThrowing("sign a receipt", async () => {
        // A v1 settlement names its network the v1 way ("base-sepolia"); the receipt is CAIP-2 (§5.2).
        const network = settled.network.includes(":") ? settled.network : fromV1Network(settled.network);
        if (!network) {
          console.warn(`[tollgate] no receipt signed: network "${settled.network}" has no CAIP-2 id`);
          return undefined;
        }
        const context = { result: { ...settled, network }, transportContext: { request: { adapter: { getUrl: () => resourceUrl } } } };
        return (await extension.enrichSettlementResponse!(declaration, context as never)) as OfferReceiptExtension | undefined;
      }),
  };
}

/**
 * The issuer with offers reused while fresh: same resource URL and terms (the signed payload
 * minus `validUntil`) and at least half the validity left. `acceptIndex` is not signed and is set
 * for each 402.
 */
function reusingOffers(issuer: OfferReceiptIssuer): OfferReceiptIssuer {
  const kept = new Map<string, { offer: SignedOffer; validUntil: number }>();
  return {
    ...issuer,
    async issueOffer(resourceUrl: string, input: OfferInput): Promise<SignedOffer> {
      const { acceptIndex, offerValiditySeconds, ...terms } = input;
      const key = JSON.stringify([resourceUrl, terms.scheme, terms.network, terms.asset, terms.payTo, terms.amount, offerValiditySeconds ?? null]);
      const now = Math.floor(Date.now() / 1000);
      const hit = kept.get(key);
      if (hit && offerValiditySeconds !== undefined && (hit.validUntil - now) * 2 >= offerValiditySeconds) return { ...hit.offer, acceptIndex };
      const offer = await issuer.issueOffer(resourceUrl, input);
      if (resourceUrl.length > KEPT_URL_MAX) return offer;
      const validUntil = extractOfferPayload(offer).validUntil;
      kept.delete(key);
      kept.set(key, { offer, validUntil });
      if (kept.size > OFFER_CACHE_LIMIT) kept.delete(kept.keys().next().value!);
      return offer;
    },
    issueReceipt: (resourceUrl: string, payer: string, network: string, transaction?: string): Promise<SignedReceipt> => issuer.issueReceipt(resourceUrl, payer, network, transaction),
  };
}

/**
 * The longest PAYMENT-REQUIRED value (characters of base64) that may carry signed offers. Node
 * takes at most 16 KiB of headers per message by default, both ways: a client's fetch refuses a
 * 402 whose headers are longer (undici's HeadersOverflowError), and the official client echoes
 * the 402's extensions in its PAYMENT-SIGNATURE, which Next's server refuses past the same size
 * (431). Offers add ~600 characters each (plus their schema, once), so a route at the route
 * editor's limits (10 options, 4 KB of discovery, sign-in) would pass it.
 */
export const OFFERS_HEADER_BUDGET = 12 * 1024;

/** Routes already logged as too large for all their offers (one line per resource URL, not one per 402). */
const overBudget = new Set<string>();

/**
 * PAYMENT-REQUIRED for `required`, with `offers` added under "offer-receipt": all of them when the
 * header stays within `budget` characters (OFFERS_HEADER_BUDGET), else the most of the first ones
 * that fit (the merchant's first options; a client matches offers to accepts[] by their signed
 * fields, §4.1), else none (a valid 402 the client can still read and echo). Leaving any out is
 * logged once per resource URL. `required.extensions` is not changed.
 *
 * @returns the base64 header value (@x402/core's encoder).
 */
export function encodePaymentRequiredWithOffers(required: PaymentRequired, offers: OfferReceiptExtension | undefined, budget = OFFERS_HEADER_BUDGET): string {
  const all = Array.isArray(offers?.info.offers) ? (offers.info.offers as unknown[]) : [];
  for (let kept = all.length; kept > 0; kept--) {
    const some = { ...offers, info: { ...offers!.info, offers: all.slice(0, kept) } };
    const header = encodePaymentRequiredHeader({ ...required, extensions: { ...required.extensions, [OFFER_RECEIPT_KEY]: some } });
    if (header.length > budget) continue;
    if (kept < all.length) noteOverBudget(required.resource.url, `${kept} of ${all.length} signed offers`, budget);
    return header;
  }
  if (all.length > 0) noteOverBudget(required.resource.url, "no signed offers", budget);
  return encodePaymentRequiredHeader(required);
}

function noteOverBudget(url: string, sent: string, budget: number): void {
  // Noted by the URL's first KEPT_URL_MAX characters: a made-up query cannot make the set large.
  const key = url.slice(0, KEPT_URL_MAX);
  if (overBudget.size >= OFFER_CACHE_LIMIT || overBudget.has(key)) return;
  overBudget.add(key);
  console.warn(`[tollgate] 402 for ${key} sent with ${sent}: all of them would take its PAYMENT-REQUIRED past ${budget} characters`);
}

/** `run()`'s result, or undefined (logged with `what`) when it throws. */
async function withoutThrowing<T>(what: string, run: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    console.error(`[tollgate] could not ${what}:`, error);
    return undefined;
  }
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}
