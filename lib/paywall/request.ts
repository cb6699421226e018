import { PaymentRequiredV2Schema } from "@x402/core/schemas";
import type { PaymentRequired } from "@x402/core/types";
import { safeBase64Decode, safeBase64Encode } from "@x402/core/utils";
import { z } from "zod";

/** What the proxy tells the paywall page to show. */
export type PaywallRequest = { paymentRequired: PaymentRequired; accessWindowSeconds: number };

const schema = z.object({ paymentRequired: z.unknown(), accessWindowSeconds: z.number().int().positive() });

/** Encodes a paywall request for the loopback header (base64 JSON, @x402/core's codec). */
export function encodePaywallRequest(request: PaywallRequest): string {
  return safeBase64Encode(JSON.stringify(request));
}

/** Decodes and validates a paywall request; null when it is not one. */
export function decodePaywallRequest(encoded: string): PaywallRequest | null {
  try {
    const outer = schema.safeParse(JSON.parse(safeBase64Decode(encoded)));
    if (!outer.success) return null;
    const inner = PaymentRequiredV2Schema.safeParse(outer.data.paymentRequired);
    if (!inner.success) return null;
    return { paymentRequired: inner.data as PaymentRequired, accessWindowSeconds: outer.data.accessWindowSeconds };
  } catch {
    return null;
  }
}
