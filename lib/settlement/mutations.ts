import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import type { ReconcileSummary } from "./reconciler";

/**
 * Takes (or renews) a named lease for `ttlMs`, so one instance at a time runs a periodic job.
 * A lease held by someone else is taken over once it expired.
 *
 * @returns whether this holder has the lease now.
 */
export async function acquireLease(db: PrismaClient, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ttlMs);
  const { count } = await db.jobLease.updateMany({ where: { name, OR: [{ holder }, { expiresAt: { lt: now } }] }, data: { holder, expiresAt } });
  if (count === 1) return true;
  try {
    await db.jobLease.create({ data: { name, holder, expiresAt } });
    return true;
  } catch {
    return false; // someone else holds it (or took it first)
  }
}

/** Records a pass in ReconcileRun for the dashboard. */
export async function recordRun(db: PrismaClient, startedAt: Date, summary: ReconcileSummary | null, error?: unknown): Promise<void> {
  await db.reconcileRun.create({
    data: {
      startedAt,
      finishedAt: new Date(),
      dryRun: summary?.dryRun ?? false,
      checked: summary?.checked ?? 0,
      settled: summary?.settled ?? 0,
      failed: summary?.failed ?? 0,
      unresolved: summary?.unresolved ?? 0,
      orphans: summary?.orphans ?? 0,
      error: error ? (error instanceof Error ? error.message : String(error)).slice(0, 500) : null,
    },
  });
}

/** Stores a transfer to a payTo that no payment row explains (once per log). Amount in atomic units. */
export async function storeOrphanTransfer(
  db: PrismaClient,
  t: { network: string; asset: string; payTo: string; from: string; amount: bigint; transaction: string; logIndex: number; blockNumber: bigint },
): Promise<void> {
  await db.orphanTransfer.upsert({
    where: { network_transaction_logIndex: { network: t.network, transaction: t.transaction, logIndex: t.logIndex } },
    update: {},
    create: { ...t, amount: t.amount.toString() },
  });
}

/**
 * Unflags stored orphan transfers that a payment row now names by transaction (same network): a
 * payment recorded after the scan saw its transfer (from a journal, by the reconciler, or flagged
 * by an earlier version while the payment was settling) is no orphan. EVM hashes are compared
 * as stored and lower-cased; Solana signatures as stored. With `dryRun`, only says which would go.
 *
 * @returns each unflagged transfer's transaction with the payment's id.
 */
export async function unflagRecordedOrphans(db: PrismaClient, { dryRun = false } = {}): Promise<{ transaction: string; paymentId: string }[]> {
  // Lower-cased for EVM hex only: a Solana signature is base58, where case matters.
  const evmLower = Prisma.sql`CASE WHEN o."network" LIKE 'eip155:%' THEN lower(o."transaction") END`;
  const namedByPayment = Prisma.sql`p."network" = o."network" AND p."transaction" IN (o."transaction", ${evmLower})`;
  if (dryRun) {
    return db.$queryRaw<{ transaction: string; paymentId: string }[]>`
      SELECT o."transaction", p."id" AS "paymentId" FROM "OrphanTransfer" o JOIN "Payment" p ON ${namedByPayment}`;
  }
  return db.$queryRaw<{ transaction: string; paymentId: string }[]>`
    DELETE FROM "OrphanTransfer" o USING "Payment" p WHERE ${namedByPayment}
    RETURNING o."transaction", p."id" AS "paymentId"`;
}

/** Moves the transfer scan's cursor for `key` to `block`. */
export async function saveScanCursor(db: PrismaClient, key: string, block: bigint): Promise<void> {
  await db.chainScanCursor.upsert({ where: { key }, update: { block }, create: { key, block } });
}

/**
 * Corrects the transaction of a settled payment whose facilitator named another one than the
 * chain shows: `transaction` is where its authorization (EIP-3009) or signed message (Solana) was
 * used. Only a settled row still holding `named` is changed.
 * @returns whether the row was corrected.
 */
export async function correctSettledTransaction(db: PrismaClient, id: string, named: string | null, transaction: string): Promise<boolean> {
  const { count } = await db.payment.updateMany({ where: { id, status: "settled", transaction: named }, data: { transaction, checkedAt: new Date(), confirmedAt: new Date(), settleRequest: Prisma.DbNull } });
  return count === 1;
}
