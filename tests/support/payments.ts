import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { markSettling, reservePayment, type PaymentReservation } from "@/lib/payments/mutations";

let claimed = 0;

/**
 * A payment claimed and moved to `settling`, as the money path leaves it while it asks the
 * facilitator to settle (an empty 200 kept as the handler's response). Defaults: a GET of
 * `http://shop.test/api/items/<n>` (n counts up per test file) on Base Sepolia, 0.01 USDC
 * (10000 atomic units), a unique payment key; `overrides` replace any field.
 *
 * @returns the row's id.
 */
export async function settlingPayment(db: PrismaClient, routeId: string, overrides: Partial<PaymentReservation> = {}): Promise<string> {
  const n = ++claimed;
  const id = await reservePayment(db, {
    routeId,
    resource: `http://shop.test/api/items/${n}`,
    method: "GET",
    payer: "0x1111111111111111111111111111111111111111",
    scheme: "exact",
    network: "eip155:84532",
    asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    amount: "10000",
    payTo: "0x2222222222222222222222222222222222222222",
    x402Version: 2,
    paymentKey: `key-${n}-${randomUUID()}`,
    ...overrides,
  });
  if (!id) throw new Error("settlingPayment: the payment key was claimed already");
  await markSettling(db, id, { status: 200, headers: [], body: new Uint8Array() });
  return id;
}
