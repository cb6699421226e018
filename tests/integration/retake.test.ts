/**
 * retakeForSettling (lib/payments/mutations.ts) on a real database (PGlite): a payment whose
 * settle never landed is asked about again by exactly one request, and only while what it pays
 * for can still be delivered.
 */
import { describe, expect, it } from "vitest";
import { markSettling, recordUnknown, reservePayment, retakeForSettling, takePaidResponse } from "@/lib/payments/mutations";
import { usePglite } from "../support/pglite";

const database = usePglite("retake");
let n = 0;

/** A claimed payment whose handler succeeded and whose settle call ended without a verdict. */
async function unknownPayment(): Promise<string> {
  const db = database().prisma;
  const id = (await reservePayment(db, {
    routeId: null as unknown as string,
    resource: "https://shop.example/api/demo/quote",
    method: "GET",
    payer: null,
    scheme: "exact",
    network: "eip155:31337",
    asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    amount: "10000",
    payTo: "0x3333333333333333333333333333333333333333",
    x402Version: 2,
    paymentKey: `retake-${n++}`,
    onchainRef: null,
  }))!;
  await markSettling(db, id, { status: 200, headers: [["content-type", "application/json"]], body: new TextEncoder().encode("{}") });
  await recordUnknown(db, id, "facilitator_unavailable: timeout");
  return id;
}
const rowOf = (id: string) => database().prisma.payment.findUniqueOrThrow({ where: { id } });

describe("retakeForSettling", () => {
  it("gives an unknown payment back to `settling` for exactly one of several concurrent requests", async () => {
    const id = await unknownPayment();
    const row = await rowOf(id);
    const taken = await Promise.all([0, 1, 2, 3].map(() => retakeForSettling(database().prisma, row)));
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await rowOf(id)).toMatchObject({ status: "settling", errorReason: null });
    // The row as read before is no longer the row: a late request does not take it again.
    expect(await retakeForSettling(database().prisma, row)).toBe(false);
  });

  it("does not take a payment whose kept response was already delivered (nothing left to serve)", async () => {
    const id = await unknownPayment();
    expect(await takePaidResponse(database().prisma, id)).not.toBeNull();
    expect(await retakeForSettling(database().prisma, await rowOf(id))).toBe(false);
    expect((await rowOf(id)).status).toBe("unknown");
  });

  it("never takes a row in another state", async () => {
    const id = await unknownPayment();
    await database().prisma.payment.update({ where: { id }, data: { status: "failed" } });
    expect(await retakeForSettling(database().prisma, await rowOf(id))).toBe(false);
  });
});
