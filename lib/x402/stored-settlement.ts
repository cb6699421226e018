import { z } from "zod";
import { PaymentPayloadV1Schema, PaymentPayloadV2Schema, PaymentRequirementsV2Schema, ResourceInfoSchema } from "@x402/core/schemas";
import type { PaymentPayload, PaymentRequirements, ResourceInfo } from "@x402/core/types";
import type { PaymentPayloadV1 } from "@x402/core/types/v1";

/**
 * What Tollgate asked its facilitator to settle, as kept on a settled payment's row
 * (Payment.settleRequest) while that settlement rests on the facilitator's word: the signed
 * payment in the version it arrived in, the PaymentRequirements (v2 form) it was matched to, and
 * the resource (v1 requirements are rebuilt from both, lib/gateway/protocol.ts, with the route's
 * discovery metadata the v1 requirements carried in `outputSchema`; `{}` for rows kept before it
 * was). Enough to ask for the same settlement again (specs/x402-specification-v2.md §7, the
 * facilitator's POST /settle; v1 likewise).
 */
export type StoredSettlement =
  | { x402Version: 2; payload: PaymentPayload; requirements: PaymentRequirements; resource: ResourceInfo }
  | { x402Version: 1; payload: PaymentPayloadV1; requirements: PaymentRequirements; resource: ResourceInfo; outputSchema: Record<string, unknown> };

const storedShape = z.object({
  x402Version: z.union([z.literal(1), z.literal(2)]),
  payload: z.unknown(),
  requirements: z.unknown(),
  resource: z.unknown(),
  /** v1 only; absent on rows kept before it was stored. */
  outputSchema: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Reads a kept settle request back from the database's JSON, checking every part with
 * @x402/core's own schemas (a row written by another version, or edited by hand, is not trusted).
 *
 * @returns the StoredSettlement, or null when `json` is null or not one (never throws).
 */
export function readStoredSettlement(json: unknown): StoredSettlement | null {
  const shape = storedShape.safeParse(json);
  if (!shape.success) return null;
  const requirements = PaymentRequirementsV2Schema.safeParse(shape.data.requirements);
  const resource = ResourceInfoSchema.safeParse(shape.data.resource);
  if (!requirements.success || !resource.success) return null;
  const common = { requirements: requirements.data as PaymentRequirements, resource: resource.data as ResourceInfo };
  if (shape.data.x402Version === 2) {
    const payload = PaymentPayloadV2Schema.safeParse(shape.data.payload);
    return payload.success ? { x402Version: 2, payload: payload.data as PaymentPayload, ...common } : null;
  }
  const payload = PaymentPayloadV1Schema.safeParse(shape.data.payload);
  return payload.success ? { x402Version: 1, payload: payload.data as PaymentPayloadV1, ...common, outputSchema: shape.data.outputSchema ?? {} } : null;
}
