import type { SettleResponse } from "@x402/core/types";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";

/** What is known about a payment once it verified, before the handler runs. */
export type PaymentReservation = {
  routeId: string;
  resource: string;
  method: string;
  payer: string | null;
  scheme: string;
  network: string;
  asset: string;
  /** Atomic units, decimal string. */
  amount: string;
  payTo: string;
  x402Version: number;
  paymentKey: string;
};

/**
 * Claims a payment before its handler runs: inserts a `pending` row keyed by `paymentKey`. The
 * unique index makes this the one place where two requests carrying the same payment part ways.
 *
 * @returns the row id, or null when the payment was already claimed (used, or in flight).
 */
export async function reservePayment(db: PrismaClient, data: PaymentReservation): Promise<string | null> {
  try {
    const row = await db.payment.create({ data: { ...data, status: "pending" }, select: { id: true } });
    return row.id;
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return null;
    throw error;
  }
}

/**
 * Releases a claim whose handler failed (status ≥ 400): nothing was charged, so nothing is
 * recorded and the buyer may present the same payment again.
 */
export async function releasePayment(db: PrismaClient, id: string): Promise<void> {
  await db.payment.deleteMany({ where: { id, status: "pending" } });
}

/**
 * Records the settlement outcome of a claimed payment, exactly once: only a `pending` row moves
 * to `settled` or `failed`.
 *
 * @returns false when the row was not pending (already recorded), true otherwise.
 */
export async function recordSettlement(db: PrismaClient, id: string, settle: Pick<SettleResponse, "success" | "transaction" | "payer" | "errorReason" | "errorMessage">): Promise<boolean> {
  const { count } = await db.payment.updateMany({
    where: { id, status: "pending" },
    data: settle.success
      ? { status: "settled", transaction: settle.transaction, payer: settle.payer ?? undefined, settledAt: new Date() }
      : {
          status: "failed",
          transaction: settle.transaction || null,
          payer: settle.payer ?? undefined,
          errorReason: [settle.errorReason, settle.errorMessage].filter(Boolean).join(": ") || "settlement_failed",
        },
  });
  return count === 1;
}
