import { decodePaymentSignatureHeader } from "@x402/core/http";
import { PaymentPayloadV1Schema, PaymentPayloadV2Schema } from "@x402/core/schemas";
import type { PaymentPayload } from "@x402/core/types";
import type { PaymentPayloadV1 } from "@x402/core/types/v1";
import { safeBase64Decode } from "@x402/core/utils";
import { TollgateError } from "@/lib/errors";

/** Request header carrying a v2 PaymentPayload (specs/transports-v2/http.md). */
export const PAYMENT_SIGNATURE_HEADER = "payment-signature";
/** Request header carrying a v1 payment payload (specs/transports-v1/http.md). */
export const X_PAYMENT_HEADER = "x-payment";

/** A payment a request carries, tagged with the protocol version it arrived in. */
export type IncomingPayment =
  | { x402Version: 2; payload: PaymentPayload }
  | { x402Version: 1; payload: PaymentPayloadV1 };

/**
 * Reads the payment a request carries: PAYMENT-SIGNATURE (v2) wins over X-PAYMENT (v1).
 * Decoding uses @x402/core's base64 codec; shapes are checked with @x402/core's zod schemas.
 *
 * @returns null when the request carries neither header.
 * @throws TollgateError `invalid_payment_header` (400) when a header is not base64 JSON of the
 *   right version and shape.
 */
export function readPaymentHeaders(headers: Headers): IncomingPayment | null {
  const v2 = headers.get(PAYMENT_SIGNATURE_HEADER);
  if (v2 !== null) {
    let decoded: unknown;
    try {
      decoded = decodePaymentSignatureHeader(v2.trim());
    } catch (cause) {
      throw new TollgateError("invalid_payment_header", "PAYMENT-SIGNATURE is not base64-encoded JSON", { cause });
    }
    const parsed = PaymentPayloadV2Schema.safeParse(decoded);
    if (!parsed.success) throw new TollgateError("invalid_payment_header", `PAYMENT-SIGNATURE is not a v2 PaymentPayload: ${summarize(parsed.error.issues)}`);
    return { x402Version: 2, payload: parsed.data as PaymentPayload };
  }
  const v1 = headers.get(X_PAYMENT_HEADER);
  if (v1 !== null) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(safeBase64Decode(v1.trim()));
    } catch (cause) {
      throw new TollgateError("invalid_payment_header", "X-PAYMENT is not base64-encoded JSON", { cause });
    }
    const parsed = PaymentPayloadV1Schema.safeParse(decoded);
    if (!parsed.success) throw new TollgateError("invalid_payment_header", `X-PAYMENT is not a v1 payment payload: ${summarize(parsed.error.issues)}`);
    return { x402Version: 1, payload: parsed.data as PaymentPayloadV1 };
  }
  return null;
}

function summarize(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join(".") || "payload"}: ${i.message}`)
    .join("; ");
}
