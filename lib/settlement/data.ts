import type { Address } from "viem";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { loadPaymentByKey, type LedgerRow } from "@/lib/payments/data";
import { OPEN_STATUSES } from "@/lib/payments/schema";
import { paymentKey, type PaymentIdentity } from "@/lib/x402/payment-key";
import { onchainRefSchema } from "./onchain";

/** The last block scanned for transfers under `key` ("<network>|<asset>|<payTo>"), or null. */
export async function loadScanCursor(db: PrismaClient, key: string): Promise<bigint | null> {
  return (await db.chainScanCursor.findUnique({ where: { key } }))?.block ?? null;
}

/** Whether this transfer log is already stored as an orphan transfer. */
export async function isOrphanStored(db: PrismaClient, t: { network: string; transaction: string; logIndex: number }): Promise<boolean> {
  return (await db.orphanTransfer.count({ where: { network: t.network, transaction: t.transaction, logIndex: t.logIndex } })) > 0;
}

/**
 * Whether an on-chain transfer to a payTo is a payment Tollgate knows: a row with its
 * transaction, or an open row (same network, payTo, amount and payer) that may still claim it.
 *
 * One query for both, so both are read at one moment: asked one after the other, a row that moved
 * from open to settled (with this transaction) between the two reads matched neither, and a
 * payment being settled while the scan ran was flagged as a transfer without a record.
 *
 * @param t.amount atomic units.
 */
export async function isTransferAccountedFor(
  db: PrismaClient,
  t: { network: string; payTo: Address; transaction: string; from: Address; amount: bigint },
): Promise<boolean> {
  // Exact matches only, so the lookup stays on the transaction and status indexes at any table
  // size (hashes from viem and from @x402/evm facilitators are lower-case hex).
  const transactions = [...new Set([t.transaction, t.transaction.toLowerCase()])];
  const rows = await db.payment.findMany({
    where: {
      OR: [
        { transaction: { in: transactions } },
        { status: { in: OPEN_STATUSES }, network: t.network, payTo: { equals: t.payTo, mode: "insensitive" }, amount: t.amount.toString() },
      ],
    },
    select: { transaction: true, onchainRef: true },
  });
  return rows.some((row) => {
    if (row.transaction !== null && transactions.includes(row.transaction)) return true;
    const ref = onchainRefSchema.safeParse(row.onchainRef);
    return ref.success && ref.data.kind === "eip3009" && ref.data.from.toLowerCase() === t.from.toLowerCase();
  });
}

/**
 * Whether a Solana transfer to a payTo is a payment Tollgate knows: a row with its signature, or
 * an open row for the same transaction message (it may still be settled into that row). One query,
 * for the reason `isTransferAccountedFor` gives.
 */
export async function isSvmTransferAccountedFor(db: PrismaClient, t: { network: string; signature: string; messageHash: string }): Promise<boolean> {
  const rows = await db.payment.findMany({
    where: { OR: [{ transaction: t.signature }, { status: { in: OPEN_STATUSES }, network: t.network }] },
    select: { transaction: true, onchainRef: true },
  });
  return rows.some((row) => {
    if (row.transaction === t.signature) return true;
    const ref = onchainRefSchema.safeParse(row.onchainRef);
    return ref.success && ref.data.kind === "svm" && ref.data.messageHash === t.messageHash;
  });
}

/**
 * The settled payment an on-chain transfer belongs to by what the chain dedupes on (an EIP-3009
 * authorization's token, authorizer and nonce; a Solana transaction's message) when its row names
 * another transaction: the facilitator reported a transaction that is not the one that moved the
 * money. Null when no such row (the transfer is then an orphan, or already recorded right).
 *
 * @param t.asset the token contract (EVM) or mint (Solana) the transfer moved.
 */
export async function findMisrecordedPayment(db: PrismaClient, t: { network: string; asset: string; transaction: string; identity: PaymentIdentity }): Promise<LedgerRow | null> {
  const row = await loadPaymentByKey(db, paymentKey(t.network, "exact", null, { asset: t.asset, identity: t.identity }));
  if (!row || row.status !== "settled") return null;
  const same = t.network.startsWith("eip155:") ? row.transaction?.toLowerCase() === t.transaction.toLowerCase() : row.transaction === t.transaction;
  return same ? null : row;
}
