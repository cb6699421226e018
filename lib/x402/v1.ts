import type { PaymentRequirements, ResourceInfo, SettleResponse } from "@x402/core/types";
import type { PaymentPayloadV1, PaymentRequiredV1, PaymentRequirementsV1 } from "@x402/core/types/v1";
import { safeBase64Encode } from "@x402/core/utils";
import { authorizationTypes } from "@x402/evm";
import { isAddress, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import { fromV1Network, toV1Network } from "./networks";
import { OFFER_RECEIPT_KEY } from "./offer-receipt";

/** Response header carrying a v1 settlement response (specs/transports-v1/http.md). */
export const X_PAYMENT_RESPONSE_HEADER = "X-PAYMENT-RESPONSE";

/**
 * A v2 PaymentRequirements as v1 (specs/x402-specification-v1.md, "PaymentRequirements"):
 * `amount` → `maxAmountRequired`, CAIP-2 → v1 network name, resource details inlined.
 * @param outputSchema v1's request structure for the route (`v1OutputSchema`), `{}` for none.
 * @returns undefined when the network has no v1 name (v1 clients cannot pay it).
 */
export function toV1Requirements(req: PaymentRequirements, resource: ResourceInfo, outputSchema: Record<string, unknown> = {}): PaymentRequirementsV1 | undefined {
  const network = toV1Network(req.network);
  if (!network) return undefined;
  return {
    scheme: req.scheme,
    network: network as PaymentRequirementsV1["network"],
    maxAmountRequired: req.amount,
    resource: resource.url,
    description: resource.description ?? "",
    mimeType: resource.mimeType ?? "application/json",
    outputSchema,
    payTo: req.payTo,
    maxTimeoutSeconds: req.maxTimeoutSeconds,
    asset: req.asset,
    extra: req.extra,
  };
}

/**
 * v1's discovery metadata for a route, from the bazaar declaration its v2 402 carries: the
 * `outputSchema` the legacy v1 middleware wrote (`{input: {type: "http", method, discoverable:
 * true, queryParams | bodyType + bodyFields}, output}`), which a v1 cataloguing facilitator reads
 * from the requirements it verifies and settles (@x402/extensions' `extractDiscoveryInfoV1`).
 *
 * @param bazaar `extensions.bazaar` of the v2 402 (specs/extensions/bazaar.md), or undefined.
 * @returns `{}` (not discoverable) when there is no HTTP declaration, e.g. for pages.
 */
export function v1OutputSchema(bazaar: unknown): Record<string, unknown> {
  const info = (bazaar as { info?: { input?: Record<string, unknown>; output?: { example?: unknown } } } | undefined)?.info;
  const input = info?.input;
  if (!input || input.type !== "http" || typeof input.method !== "string") return {};
  const structure = {
    type: "http",
    method: input.method,
    discoverable: true,
    ...(input.queryParams && typeof input.queryParams === "object" ? { queryParams: input.queryParams } : {}),
    ...(typeof input.bodyType === "string" ? { bodyType: input.bodyType, bodyFields: input.body ?? {} } : {}),
  };
  return { input: structure, ...(info.output?.example !== undefined ? { output: info.output.example } : {}) };
}

/**
 * The v1 402 body: `{ x402Version: 1, error, accepts }` with every option v1 can express, and,
 * when given, the offer-receipt extension's signed offers (specs/extensions/
 * extension-offer-and-receipt.md §6.2: the same placement in v1), each re-pointed at its
 * requirement's place in this `accepts` (`acceptIndex` is unsigned); offers for options v1
 * cannot express are left out.
 *
 * @param offerReceipt `extensions["offer-receipt"]` as built for `reqs` (acceptIndex = index in `reqs`).
 * @param outputSchema the route's v1 discovery metadata (`v1OutputSchema`), in every option.
 */
export function paymentRequiredV1(
  reqs: PaymentRequirements[],
  resource: ResourceInfo,
  error: string,
  offerReceipt?: { info: Record<string, unknown>; schema?: unknown },
  outputSchema: Record<string, unknown> = {},
): PaymentRequiredV1 & { extensions?: Record<string, unknown> } {
  const accepts: PaymentRequirementsV1[] = [];
  const v1Index = new Map<number, number>();
  reqs.forEach((r, i) => {
    const v1 = toV1Requirements(r, resource, outputSchema);
    if (!v1) return;
    v1Index.set(i, accepts.length);
    accepts.push(v1);
  });
  const body: PaymentRequiredV1 & { extensions?: Record<string, unknown> } = { x402Version: 1, error, accepts };
  const offers = Array.isArray(offerReceipt?.info.offers) ? (offerReceipt.info.offers as { acceptIndex?: number }[]) : [];
  const kept = offers.flatMap((o) => {
    const index = o.acceptIndex === undefined ? undefined : v1Index.get(o.acceptIndex);
    return index === undefined ? [] : [{ ...o, acceptIndex: index }];
  });
  if (offerReceipt && kept.length > 0) body.extensions = { [OFFER_RECEIPT_KEY]: { ...offerReceipt, info: { ...offerReceipt.info, offers: kept } } };
  return body;
}

/** The EIP-3009 authorization and signature of an exact EVM v1 payload, when it has that shape. */
const v1AuthorizationSchema = z.object({
  authorization: z.object({
    from: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    to: z.string(),
    value: z.string().regex(/^\d{1,78}$/),
    validAfter: z.string().regex(/^\d{1,78}$/),
    validBefore: z.string().regex(/^\d{1,78}$/),
    nonce: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  }),
  signature: z.string().regex(/^0x[0-9a-fA-F]*$/),
});

/**
 * The offered requirement a v1 payment is for (specs/x402-specification-v1.md: a v1 payload names
 * scheme and network, not the asset). Among the options with its scheme and network, narrowed
 * step by step while more than one is left: the one paying the authorization's recipient, the one
 * whose amount is the authorization's value, then the one whose token's EIP-712 domain the
 * signature was made for (the signer recovered with viem; an EIP-1271 or ERC-6492 signature
 * recovers nothing and leaves the choice as it was). So a route offering USDC and EURC on one
 * chain at one price takes a v1 payment in either, whichever comes first. The facilitator still
 * judges the payment against the option chosen.
 *
 * @returns the option, or undefined when none has the payment's scheme and network.
 */
export async function findV1Requirement(reqs: PaymentRequirements[], payment: PaymentPayloadV1): Promise<PaymentRequirements | undefined> {
  const network = fromV1Network(payment.network);
  let candidates = reqs.filter((r) => r.scheme === payment.scheme && r.network === network);
  const narrow = (keep: (r: PaymentRequirements) => boolean) => {
    const kept = candidates.filter(keep);
    if (kept.length > 0) candidates = kept;
  };
  const to = (payment.payload as { authorization?: { to?: unknown } } | undefined)?.authorization?.to;
  if (typeof to === "string") narrow((r) => r.payTo.toLowerCase() === to.toLowerCase());
  const evm = v1AuthorizationSchema.safeParse(payment.payload);
  if (!evm.success || candidates.length < 2) return candidates[0];
  const { authorization, signature } = evm.data;
  narrow((r) => /^\d+$/.test(r.amount) && BigInt(r.amount) === BigInt(authorization.value));
  if (candidates.length < 2 || signature.length !== 132) return candidates[0];
  const signedFor = await Promise.all(
    candidates.map(async (r) => {
      const chainId = /^eip155:(\d+)$/.exec(r.network)?.[1];
      const { name, version } = (r.extra ?? {}) as { name?: unknown; version?: unknown };
      if (!chainId || typeof name !== "string" || typeof version !== "string" || !isAddress(r.asset)) return false;
      try {
        const signer = await recoverTypedDataAddress({
          domain: { name, version, chainId: Number(chainId), verifyingContract: r.asset },
          types: authorizationTypes,
          primaryType: "TransferWithAuthorization",
          message: {
            from: authorization.from as Address,
            to: authorization.to as Address,
            value: BigInt(authorization.value),
            validAfter: BigInt(authorization.validAfter),
            validBefore: BigInt(authorization.validBefore),
            nonce: authorization.nonce as Hex,
          },
          signature: signature as Hex,
        });
        return signer.toLowerCase() === authorization.from.toLowerCase();
      } catch {
        return false;
      }
    }),
  );
  narrow((r) => signedFor[candidates.indexOf(r)] === true);
  return candidates[0];
}

/** X-PAYMENT-RESPONSE value for a v1 client: the settle response with the v1 network name. */
export function encodeV1PaymentResponse(settle: SettleResponse): string {
  return safeBase64Encode(JSON.stringify({ ...settle, network: toV1Network(settle.network) ?? settle.network }));
}
