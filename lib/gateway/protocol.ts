import { encodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequirements, ResourceInfo, SettleResponse, VerifyResponse } from "@x402/core/types";
import type { IncomingPayment } from "@/lib/x402/payment-header";
import { encodeV1PaymentResponse, findV1Requirement, toV1Requirements, X_PAYMENT_RESPONSE_HEADER } from "@/lib/x402/v1";
import type { X402Services } from "@/lib/x402/resource-server";
import type { StoredSettlement } from "@/lib/x402/stored-settlement";

/**
 * Everything on the money path that differs between x402 v2 and v1, in one place, so the path
 * itself reads once for both (specs/transports-v2/http.md, transports-v1/http.md):
 * v2 matches with @x402/core's resource server and answers PAYMENT-RESPONSE; v1 matches by its
 * network name, sends the facilitator v1 requirements and answers X-PAYMENT-RESPONSE.
 */
export type ProtocolAdapter = {
  version: 1 | 2;
  /** The request header the payment came in. */
  header: "PAYMENT-SIGNATURE" | "X-PAYMENT";
  /** The response header carrying the SettleResponse. */
  responseHeader: string;
  /** The offered PaymentRequirements (v2 form) this payment is for, or undefined. */
  select(requirements: PaymentRequirements[]): Promise<PaymentRequirements | undefined>;
  /** Asks the facilitator to verify, with requirements in the payment's own version. */
  verify(selected: PaymentRequirements): Promise<VerifyResponse>;
  /** Asks the facilitator to settle, with requirements in the payment's own version. */
  settle(selected: PaymentRequirements): Promise<SettleResponse>;
  /** Encodes a SettleResponse (v2 fields) for `responseHeader`. */
  encodeResponse(settle: SettleResponse): string;
  /** What `settle(selected)` sends, in the form a payment row keeps it (settleStored asks again). */
  stored(selected: PaymentRequirements): StoredSettlement;
};

/**
 * The adapter for one incoming payment.
 *
 * @param v1OutputSchema v1 only: the route's discovery metadata (lib/x402/v1.ts `v1OutputSchema`)
 *   in the requirements the facilitator is sent, as the 402 body showed them.
 */
export function protocolFor(incoming: IncomingPayment, { server, facilitator }: X402Services, resource: ResourceInfo, v1OutputSchema: Record<string, unknown> = {}): ProtocolAdapter {
  if (incoming.x402Version === 2) {
    const payload = incoming.payload;
    return {
      version: 2,
      header: "PAYMENT-SIGNATURE",
      responseHeader: "PAYMENT-RESPONSE",
      select: async (requirements) => server.findMatchingRequirements(requirements, payload),
      verify: (selected) => server.verifyPayment(payload, selected),
      settle: (selected) => server.settlePayment(payload, selected),
      encodeResponse: encodePaymentResponseHeader,
      stored: (selected) => ({ x402Version: 2, payload, requirements: selected, resource }),
    };
  }
  const payload = incoming.payload as unknown as PaymentPayload;
  const v1 = (selected: PaymentRequirements) => toV1Requirements(selected, resource, v1OutputSchema) as unknown as PaymentRequirements;
  return {
    version: 1,
    header: "X-PAYMENT",
    responseHeader: X_PAYMENT_RESPONSE_HEADER,
    select: (requirements) => findV1Requirement(requirements, incoming.payload),
    verify: (selected) => facilitator.verify(payload, v1(selected)),
    settle: (selected) => facilitator.settle(payload, v1(selected)),
    encodeResponse: encodeV1PaymentResponse,
    stored: (selected) => ({ x402Version: 1, payload: incoming.payload, requirements: selected, resource, outputSchema: v1OutputSchema }),
  };
}

/**
 * Asks the facilitator to settle a payment as Tollgate asked before (`stored`, kept on its row):
 * the same adapter, payload and requirements (v1: with the same `outputSchema`), so v1 and v2 go
 * exactly as on the paid path.
 *
 * @returns the facilitator's SettleResponse.
 * @throws as `ProtocolAdapter.settle` does: @x402/core's SettleError for a failure verdict, any
 *   other error when no verdict came (timeout, dropped connection, an error answer).
 */
export function settleStored(services: X402Services, stored: StoredSettlement): Promise<SettleResponse> {
  const incoming: IncomingPayment = stored.x402Version === 2 ? { x402Version: 2, payload: stored.payload } : { x402Version: 1, payload: stored.payload };
  return protocolFor(incoming, services, stored.resource, stored.x402Version === 1 ? stored.outputSchema : {}).settle(stored.requirements);
}
