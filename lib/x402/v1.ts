import type { PaymentRequirements, ResourceInfo, SettleResponse } from "@x402/core/types";
import type { PaymentPayloadV1, PaymentRequiredV1, PaymentRequirementsV1 } from "@x402/core/types/v1";
import { safeBase64Encode } from "@x402/core/utils";
import { fromV1Network, toV1Network } from "./networks";

/** Response header carrying a v1 settlement response (specs/transports-v1/http.md). */
export const X_PAYMENT_RESPONSE_HEADER = "X-PAYMENT-RESPONSE";

/**
 * A v2 PaymentRequirements as v1 (specs/x402-specification-v1.md, "PaymentRequirements"):
 * `amount` → `maxAmountRequired`, CAIP-2 → v1 network name, resource details inlined.
 * @returns undefined when the network has no v1 name (v1 clients cannot pay it).
 */
export function toV1Requirements(req: PaymentRequirements, resource: ResourceInfo): PaymentRequirementsV1 | undefined {
  const network = toV1Network(req.network);
  if (!network) return undefined;
  return {
    scheme: req.scheme,
    network: network as PaymentRequirementsV1["network"],
    maxAmountRequired: req.amount,
    resource: resource.url,
    description: resource.description ?? "",
    mimeType: resource.mimeType ?? "application/json",
    outputSchema: {},
    payTo: req.payTo,
    maxTimeoutSeconds: req.maxTimeoutSeconds,
    asset: req.asset,
    extra: req.extra,
  };
}

/** The v1 402 body: `{ x402Version: 1, error, accepts }` with every option v1 can express. */
export function paymentRequiredV1(reqs: PaymentRequirements[], resource: ResourceInfo, error: string): PaymentRequiredV1 {
  return {
    x402Version: 1,
    error,
    accepts: reqs.map((r) => toV1Requirements(r, resource)).filter((r): r is PaymentRequirementsV1 => r !== undefined),
  };
}

/**
 * The offered requirement a v1 payment is for: same scheme and network (v1 payloads carry no
 * asset or amount of their own; the facilitator checks the authorization against it). When
 * several options share a network, the one paying the authorization's recipient wins.
 */
export function findV1Requirement(reqs: PaymentRequirements[], payment: PaymentPayloadV1): PaymentRequirements | undefined {
  const network = fromV1Network(payment.network);
  const candidates = reqs.filter((r) => r.scheme === payment.scheme && r.network === network);
  const to = (payment.payload as { authorization?: { to?: unknown } }).authorization?.to;
  return candidates.find((r) => typeof to === "string" && r.payTo.toLowerCase() === to.toLowerCase()) ?? candidates[0];
}

/** X-PAYMENT-RESPONSE value for a v1 client: the settle response with the v1 network name. */
export function encodeV1PaymentResponse(settle: SettleResponse): string {
  return safeBase64Encode(JSON.stringify({ ...settle, network: toV1Network(settle.network) ?? settle.network }));
}
