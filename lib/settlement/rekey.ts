import type { PrismaClient } from "@/lib/generated/prisma/client";
import { OPEN_STATUSES } from "@/lib/payments/schema";
import { paymentKey } from "@/lib/x402/payment-key";
import { onchainRefSchema } from "./onchain";

/**
 * Brings the claim keys of the payments a buyer may still present again up to date with
 * `paymentKey` (what the chain dedupes a payment on; before, the payload's bytes): rows still
 * open (pending, settling, unknown) and settled rows whose kept response was never delivered.
 * A re-presented payment then finds its row again (and is resumed, or served what it bought)
 * instead of claiming anew and being refused by the facilitator as used. Rows without an
 * on-chain reference keep their keys (their key is still the payload's). Two rows that the new
 * key makes one payment (the double claims the old key let through) keep their old keys: the
 * first one re-keyed wins, the other is left as it is and reported.
 *
 * Idempotent: a row whose key is current is not written.
 *
 * @returns how many rows were re-keyed, and the ids left with an old key because of a clash.
 * @throws the database's error when the rows cannot be read.
 */
export async function rekeyPresentablePayments(db: PrismaClient): Promise<{ rekeyed: number; clashes: string[] }> {
  const rows = await db.payment.findMany({
    where: { OR: [{ status: { in: OPEN_STATUSES } }, { status: "settled", paidResponse: { is: { deliveredAt: null } } }] },
    select: { id: true, network: true, scheme: true, asset: true, onchainRef: true, paymentKey: true },
    orderBy: { createdAt: "asc" },
  });
  let rekeyed = 0;
  const clashes: string[] = [];
  for (const row of rows) {
    const identity = onchainRefSchema.safeParse(row.onchainRef);
    if (!identity.success) continue;
    const key = paymentKey(row.network, row.scheme, null, { asset: row.asset, identity: identity.data });
    if (key === row.paymentKey) continue;
    try {
      await db.payment.update({ where: { id: row.id }, data: { paymentKey: key } });
      rekeyed++;
    } catch (error) {
      if ((error as { code?: string }).code !== "P2002") throw error;
      clashes.push(row.id);
    }
  }
  return { rekeyed, clashes };
}
