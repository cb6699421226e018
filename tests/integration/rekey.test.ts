/**
 * Claim keys written before keys named the on-chain payment (they hashed the payload's bytes) are
 * brought up to date for the rows a buyer may still present, on a real database (PGlite): a
 * payment re-presented after the upgrade finds its row again instead of claiming anew.
 */
import { describe, expect, it } from "vitest";
import { markSettling, recordSettled, reservePayment, type PaymentReservation } from "@/lib/payments/mutations";
import { rekeyPresentablePayments } from "@/lib/settlement/rekey";
import { paymentKey } from "@/lib/x402/payment-key";
import { usePglite } from "../support/pglite";

const database = usePglite("rekey");

const evm = { kind: "eip3009" as const, from: "0x857B06519E91e3A54538791bDbb0E22373e36b66", nonce: `0x${"ab".repeat(32)}`, validBefore: "9999999999" };
const svm = (messageHash: string) => ({ kind: "svm" as const, payer: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", messageHash, blockhash: "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG" });
const asset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";

function claim(legacyKey: string, onchainRef: PaymentReservation["onchainRef"], network: string): Promise<string | null> {
  return reservePayment(database().prisma, {
    routeId: null as unknown as string,
    resource: "https://shop.example/api/demo/quote",
    method: "GET",
    payer: null,
    scheme: "exact",
    network,
    asset,
    amount: "10000",
    payTo: "0x3333333333333333333333333333333333333333",
    x402Version: 2,
    paymentKey: legacyKey,
    onchainRef,
  });
}
const current = (network: string, onchainRef: NonNullable<PaymentReservation["onchainRef"]>) => paymentKey(network, "exact", null, { asset, identity: onchainRef });
const keyOf = async (id: string) => (await database().prisma.payment.findUniqueOrThrow({ where: { id } })).paymentKey;

describe("rekeyPresentablePayments", () => {
  it("re-keys open rows and settled rows with an undelivered response; leaves the rest, and clashes, as they are", async () => {
    const open = (await claim("legacy-open", svm("msg-open"), "solana:local"))!;
    const owed = (await claim("legacy-owed", evm, "eip155:31337"))!;
    await markSettling(database().prisma, owed, { status: 200, headers: [], body: new Uint8Array([1]) });
    await recordSettled(database().prisma, owed, { transaction: "0xabc" });
    const delivered = (await claim("legacy-delivered", svm("msg-delivered"), "solana:local"))!;
    await recordSettled(database().prisma, delivered, { transaction: "sig" });
    // The old key let one Solana transaction be claimed twice (in two encodings).
    const first = (await claim("legacy-double-1", svm("msg-double"), "solana:local"))!;
    const second = (await claim("legacy-double-2", svm("msg-double"), "solana:local"))!;
    const unreadable = (await claim("legacy-unreadable", null, "eip155:31337"))!;

    const result = await rekeyPresentablePayments(database().prisma);
    expect(result).toEqual({ rekeyed: 3, clashes: [second] });
    expect(await keyOf(open)).toBe(current("solana:local", svm("msg-open")));
    expect(await keyOf(owed)).toBe(current("eip155:31337", evm));
    expect(await keyOf(first)).toBe(current("solana:local", svm("msg-double")));
    expect(await keyOf(second)).toBe("legacy-double-2");
    expect(await keyOf(delivered)).toBe("legacy-delivered");
    expect(await keyOf(unreadable)).toBe("legacy-unreadable");

    // A re-presented payment now meets its row: the claim is refused as already held.
    expect(await claim(current("solana:local", svm("msg-open")), svm("msg-open"), "solana:local")).toBeNull();
    // Done once: nothing more to write.
    expect(await rekeyPresentablePayments(database().prisma)).toEqual({ rekeyed: 0, clashes: [second] });
  });
});
