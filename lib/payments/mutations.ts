import { randomUUID } from "node:crypto";
import type { SettleResponse } from "@x402/core/types";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import type { OnchainRef } from "@/lib/settlement/onchain";
import type { StoredSettlement } from "@/lib/x402/stored-settlement";
import { owesResponse } from "./data";
import { OPEN_STATUSES } from "./schema";

/** OPEN_STATUSES as SQL literals, for raw statements: `"status" IN (${OPEN_STATUSES_SQL})`. */
const OPEN_STATUSES_SQL = Prisma.raw(OPEN_STATUSES.map((status) => `'${status}'`).join(", "));

/**
 * The payment ledger's writes. A payment row moves only forward:
 *
 *   pending ──(handler ≥ 400: released, row deleted)
 *      │
 *      ▼ handler succeeded, settle asked for (response kept)
 *   settling ──▶ settled | failed | unknown ──▶ settled | failed   (unknown: the chain decides)
 *
 * `failed` is written only when the money certainly did not move. Every transition is a
 * conditional update on the expected current state, so two writers (the request, a retry, the
 * reconciler, another instance) never both apply one.
 */

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
  /** Where to find the transfer on chain (null when Tollgate cannot check this kind yet). */
  onchainRef?: OnchainRef | null;
  /** The client's payment-identifier id, when the route takes one (unique across payments). */
  paymentIdentifier?: string | null;
};

/**
 * Claims a payment before its handler runs: inserts a `pending` row keyed by `paymentKey`. The
 * unique indexes (paymentKey, paymentIdentifier) make this the one place where two requests
 * carrying the same payment part ways.
 *
 * One `INSERT … ON CONFLICT DO NOTHING RETURNING` statement, not the ORM's create: this runs on
 * every paid request, and the raw statement costs about half the CPU (0.27 vs 0.52 ms measured on
 * PostgreSQL), with no exception built for a duplicate.
 *
 * @returns the new row's id (a random UUID), or null when the payment (or its payment-identifier
 *   id) was already claimed: used, or in flight.
 * @throws the database's error (nothing was claimed).
 */
export async function reservePayment(db: PrismaClient, data: PaymentReservation): Promise<string | null> {
  const now = new Date();
  const onchainRef = data.onchainRef ? JSON.stringify(data.onchainRef) : null;
  const rows = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "Payment" ("id", "routeId", "resource", "method", "payer", "scheme", "network", "asset", "amount", "payTo",
                           "x402Version", "paymentKey", "onchainRef", "paymentIdentifier", "status", "createdAt", "updatedAt")
    VALUES (${randomUUID()}, ${data.routeId}, ${data.resource}, ${data.method}, ${data.payer}, ${data.scheme}, ${data.network}, ${data.asset},
            ${data.amount}::numeric, ${data.payTo}, ${data.x402Version}, ${data.paymentKey}, ${onchainRef}::jsonb, ${data.paymentIdentifier ?? null},
            'pending', ${now}, ${now})
    ON CONFLICT DO NOTHING
    RETURNING "id"`;
  return rows[0]?.id ?? null;
}

/**
 * Releases a claim whose handler failed (status ≥ 400): nothing was charged, so nothing is
 * recorded and the buyer may present the same payment again.
 */
export async function releasePayment(db: PrismaClient, id: string): Promise<void> {
  await db.payment.deleteMany({ where: { id, status: "pending" } });
}

/**
 * Releases a `pending` claim that its request left behind: last updated before `staleBefore`
 * (env paidRequestMaxMs ago, longer than any live request holds one), so its process stopped
 * before asking to settle and the authorization was never submitted by Tollgate. The same payment
 * presented again is then claimed anew (verify, handler, settle), which cannot charge twice: the
 * chain takes one authorization (EIP-3009 nonce) or one signed transaction once. Conditional: a
 * claim taken anew meanwhile (a new row) is never touched.
 */
export async function releaseAbandonedClaim(db: PrismaClient, id: string, staleBefore: Date): Promise<void> {
  await db.payment.deleteMany({ where: { id, status: "pending", updatedAt: { lt: staleBefore } } });
}

/**
 * A handler's response as kept for a late delivery. `streamed`: the body went to the buyer as it
 * was produced and is not kept (`body` empty); a late delivery runs the handler again.
 */
export type KeptResponse = { status: number; headers: [string, string][]; body: Uint8Array; streamed?: boolean };

/**
 * Moves a claimed payment to `settling` and keeps the handler's response, in one transaction,
 * before settlement is asked for: from here on a retry of the same payment can be served what the
 * buyer paid for if the settlement's answer gets lost.
 *
 * @param payer the payer as the facilitator's verify named it (the claim is written before verify
 *   answers); null keeps what the row has.
 * @returns false when the row was not `pending` (nothing written).
 * @throws the database's error (the caller must then not settle: nothing is charged).
 */
export async function markSettling(db: PrismaClient, id: string, response: KeptResponse, payer: string | null = null): Promise<boolean> {
  // One statement, one round trip (this is on every paid request): the insert happens only if
  // the claim moved from pending.
  const now = new Date();
  const inserted = await db.$executeRaw`
    WITH claimed AS (
      UPDATE "Payment" SET "status" = 'settling', "payer" = COALESCE(${payer}::text, "payer"), "updatedAt" = ${now} WHERE "id" = ${id} AND "status" = 'pending' RETURNING "id"
    )
    INSERT INTO "PaidResponse" ("paymentId", "status", "headers", "body", "streamed", "createdAt")
    SELECT "id", ${response.status}, ${JSON.stringify(response.headers)}::jsonb, ${Buffer.from(response.body)}, ${response.streamed ?? false}, ${now} FROM claimed`;
  return inserted === 1;
}

/**
 * Records that the payment settled on chain (the facilitator's success, or found on chain: then
 * `confirmed`, which dates `confirmedAt` and spares it the reconciler's audit). On the
 * facilitator's word, `settleRequest` (what was sent to settle) is kept on the row so that the
 * reconciler can settle the payment itself should the chain disprove that success.
 * With `dropKeptResponse`, the kept response is deleted in the same transaction (it was just
 * delivered); with `keepResponseUntil` instead, it is marked delivered and kept for
 * payment-identifier retries until then.
 * @returns false when the row was already final (settled or failed).
 */
export async function recordSettled(
  db: PrismaClient,
  id: string,
  settle: { transaction: string; payer?: string | null; facilitator?: string | null; confirmed?: boolean; settleRequest?: StoredSettlement | null },
  options: { dropKeptResponse?: boolean; keepResponseUntil?: Date } = {},
): Promise<boolean> {
  // Kept only while the row rests on the facilitator's word (the audit may need to settle it itself).
  const kept = settle.confirmed ? null : (settle.settleRequest ?? null);
  const settleRequest = kept && JSON.stringify(kept);
  if (options.keepResponseUntil) {
    const now = new Date();
    const updated = await db.$executeRaw`
      WITH kept AS (UPDATE "PaidResponse" SET "deliveredAt" = ${now}, "keepUntil" = ${options.keepResponseUntil} WHERE "paymentId" = ${id})
      UPDATE "Payment"
      SET "status" = 'settled', "transaction" = ${settle.transaction}, "payer" = COALESCE(${settle.payer ?? null}::text, "payer"),
          "facilitator" = ${settle.facilitator ?? null}, "settledAt" = ${now}, "errorReason" = NULL, "checkedAt" = ${now}, "confirmedAt" = ${settle.confirmed ? now : null}, "settleRequest" = ${settleRequest}::jsonb, "updatedAt" = ${now}
      WHERE "id" = ${id} AND "status" IN (${OPEN_STATUSES_SQL})`;
    return updated === 1;
  }
  const update = {
    where: { id, status: { in: OPEN_STATUSES } },
    data: { status: "settled" as const, transaction: settle.transaction, payer: settle.payer ?? undefined, facilitator: settle.facilitator ?? undefined, settledAt: new Date(), errorReason: null, checkedAt: new Date(), confirmedAt: settle.confirmed ? new Date() : null, settleRequest: kept ? (kept as unknown as Prisma.InputJsonValue) : Prisma.DbNull },
  };
  if (!options.dropKeptResponse) return (await db.payment.updateMany(update)).count === 1;
  // Delivered in the same request: the kept response has served its purpose. One statement, one
  // round trip (this is on every paid request).
  const now = new Date();
  const updated = await db.$executeRaw`
    WITH dropped AS (DELETE FROM "PaidResponse" WHERE "paymentId" = ${id})
    UPDATE "Payment"
    SET "status" = 'settled', "transaction" = ${settle.transaction}, "payer" = COALESCE(${settle.payer ?? null}::text, "payer"),
        "facilitator" = ${settle.facilitator ?? null}, "settledAt" = ${now}, "errorReason" = NULL, "checkedAt" = ${now}, "confirmedAt" = ${settle.confirmed ? now : null}, "settleRequest" = ${settleRequest}::jsonb, "updatedAt" = ${now}
    WHERE "id" = ${id} AND "status" IN (${OPEN_STATUSES_SQL})`;
  return updated === 1;
}

/**
 * Records that the money certainly did not move (the facilitator's failure verdict confirmed, an
 * expired unused authorization, a cancellation). The kept response is dropped: nobody gets it.
 * @returns false when the row was already final.
 */
export async function recordFailed(db: PrismaClient, id: string, failure: { reason: string; transaction?: string | null; payer?: string | null }): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.payment.updateMany({
      where: { id, status: { in: OPEN_STATUSES } },
      data: { status: "failed", errorReason: failure.reason, transaction: failure.transaction || null, payer: failure.payer ?? undefined, checkedAt: new Date(), settleRequest: Prisma.DbNull },
    });
    if (count === 1) await tx.paidResponse.deleteMany({ where: { paymentId: id } });
    return count === 1;
  });
}

/**
 * Takes a payment whose settle call ended without a verdict (`unknown`, or `settling` left by a
 * stopped process) back to `settling`, to ask the facilitator again. Only the row as it was read
 * (same status, same `updatedAt`) is taken, so of concurrent requests exactly one gets it; and
 * only while its kept response is undelivered (never charge for what can no longer be served).
 * @returns whether this caller took it.
 */
export async function retakeForSettling(db: PrismaClient, row: { id: string; status: string; updatedAt: Date }): Promise<boolean> {
  if (row.status !== "unknown" && row.status !== "settling") return false;
  // Only while what it pays for can still be delivered (kept responses go after a day).
  if (!(await owesResponse(db, row.id))) return false;
  const { count } = await db.payment.updateMany({ where: { id: row.id, status: row.status, updatedAt: row.updatedAt }, data: { status: "settling", errorReason: null } });
  return count === 1;
}

/** Records that the settlement's outcome is not known yet (only from `settling`). */
export async function recordUnknown(db: PrismaClient, id: string, reason: string): Promise<boolean> {
  const { count } = await db.payment.updateMany({ where: { id, status: "settling" }, data: { status: "unknown", errorReason: reason, checkedAt: new Date() } });
  return count === 1;
}

/**
 * Notes that the chain was asked about a still-open payment (`checkedAt`, the reconciler's
 * pacing). `updatedAt` is left as it is: it dates the row's last change of state, by which a
 * retry tells a claim a live request holds from one a stopped process left behind.
 */
export async function touchChecked(db: PrismaClient, id: string): Promise<void> {
  // Raw: Prisma's update would set @updatedAt.
  await db.$executeRaw`UPDATE "Payment" SET "checkedAt" = ${new Date()} WHERE "id" = ${id} AND "status" IN (${OPEN_STATUSES_SQL})`;
}

/**
 * The reconciler's audit found this settled payment on chain in `transaction`: dates
 * `confirmedAt` (only while the row is settled under that transaction) and drops the kept
 * settleRequest (no longer needed). Raw, so `updatedAt` keeps dating the last change of state.
 */
export async function recordConfirmed(db: PrismaClient, id: string, transaction: string): Promise<void> {
  const now = new Date();
  await db.$executeRaw`UPDATE "Payment" SET "confirmedAt" = ${now}, "checkedAt" = ${now}, "settleRequest" = NULL WHERE "id" = ${id} AND "status" = 'settled' AND "transaction" = ${transaction}`;
}

/**
 * The reconciler's audit asked the chain about a settled payment and could not tell yet (RPC
 * down, no way to check): dates `checkedAt`, so the next audits take other rows first.
 */
export async function touchAudited(db: PrismaClient, id: string): Promise<void> {
  await db.$executeRaw`UPDATE "Payment" SET "checkedAt" = ${new Date()} WHERE "id" = ${id} AND "status" = 'settled'`;
}

/**
 * A settled payment the chain disproves: the facilitator's success named `named`, yet the
 * payment's transfer is in no transaction. It goes back to `unknown` while it can still move
 * money (its authorization unused and valid), or to `failed` when it never can (`final`); its
 * transaction and settledAt are cleared and `reason` says what was claimed and what the chain
 * shows. Only a row still settled under `named` changes (the trigger tells webhook subscribers:
 * `payment.reconciled`). An `unknown` row keeps its settleRequest (the reconciler may settle it
 * itself, lib/settlement/collect.ts); a `failed` one drops it.
 * @returns whether the row changed.
 */
export async function recordDisproved(db: PrismaClient, id: string, named: string | null, { final, reason }: { final: boolean; reason: string }): Promise<boolean> {
  const { count } = await db.payment.updateMany({
    where: { id, status: "settled", transaction: named },
    data: { status: final ? "failed" : "unknown", transaction: null, settledAt: null, confirmedAt: null, errorReason: reason, checkedAt: new Date(), ...(final ? { settleRequest: Prisma.DbNull } : {}) },
  });
  return count === 1;
}

/**
 * Takes the kept response of a settled payment for delivery, exactly once across requests and
 * instances (conditional update of `deliveredAt`). With `keepUntil` (a payment-identifier
 * payment), the response stays servable to retries of the same id until then.
 *
 * @returns the response, or null when none is kept or it was already delivered.
 */
export async function takePaidResponse(db: PrismaClient, paymentId: string, keepUntil: Date | null = null): Promise<KeptResponse | null> {
  // Read, then claim: of two takers only the one whose conditional update lands returns it (an
  // undelivered response is never pruned meanwhile).
  const row = await db.paidResponse.findFirst({ where: { paymentId, deliveredAt: null } });
  if (!row) return null;
  const { count } = await db.paidResponse.updateMany({ where: { paymentId, deliveredAt: null }, data: { deliveredAt: new Date(), keepUntil } });
  if (count !== 1) return null;
  return { status: row.status, headers: row.headers as [string, string][], body: new Uint8Array(row.body), streamed: row.streamed };
}

/**
 * Makes a settled payment's response deliverable again, once, because its delivery never reached
 * the buyer (their connection closed before the response was sent): the kept response is put
 * back, or marked undelivered, so the same payment presented again is served it
 * (takePaidResponse). A payment-identifier response keeps its `keepUntil`.
 *
 * @param response what was to be delivered (a streamed one: status and headers only; a late
 *   delivery runs the handler again).
 * @throws the database's error.
 */
export async function returnUndelivered(db: PrismaClient, paymentId: string, response: KeptResponse): Promise<void> {
  const now = new Date();
  await db.$executeRaw`
    INSERT INTO "PaidResponse" ("paymentId", "status", "headers", "body", "streamed", "createdAt")
    SELECT "id", ${response.status}, ${JSON.stringify(response.headers)}::jsonb, ${Buffer.from(response.body)}, ${response.streamed ?? false}, ${now}
    FROM "Payment" WHERE "id" = ${paymentId} AND "status" = 'settled'
    ON CONFLICT ("paymentId") DO UPDATE SET "deliveredAt" = NULL, "createdAt" = ${now}`;
}

/**
 * A settled payment-identifier payment's response, for a retry with the same id and payment:
 * served again as often as asked until its `keepUntil` (ms since epoch, compared to `now`).
 *
 * @returns the response, or null when none is kept for it (too large, expired, or never kept).
 */
export async function loadKeptResponse(db: PrismaClient, paymentId: string, now = new Date()): Promise<KeptResponse | null> {
  const row = await db.paidResponse.findFirst({ where: { paymentId, keepUntil: { gt: now } } });
  return row ? { status: row.status, headers: row.headers as [string, string][], body: new Uint8Array(row.body), streamed: row.streamed } : null;
}

/**
 * Drops kept responses that will never be served again: delivered ones, and undelivered ones
 * older than `olderThan`, except payment-identifier responses before their `keepUntil`.
 */
export async function pruneKeptResponses(db: PrismaClient, olderThan: Date, now = new Date()): Promise<number> {
  const { count } = await db.paidResponse.deleteMany({
    where: {
      OR: [{ deliveredAt: { not: null } }, { createdAt: { lt: olderThan } }],
      AND: [{ OR: [{ keepUntil: null }, { keepUntil: { lte: now } }] }],
    },
  });
  return count;
}

/**
 * Records the settlement outcome of a claimed payment from a facilitator's SettleResponse:
 * success → `settled`, failure → `failed`. For callers that know the verdict is certain (tests,
 * seeds); the money path distinguishes unknown outcomes itself.
 *
 * @returns false when the row was already final.
 */
export async function recordSettlement(db: PrismaClient, id: string, settle: Pick<SettleResponse, "success" | "transaction" | "payer" | "errorReason" | "errorMessage">): Promise<boolean> {
  if (settle.success) return recordSettled(db, id, { transaction: settle.transaction, payer: settle.payer });
  const reason = [settle.errorReason, settle.errorMessage].filter(Boolean).join(": ") || "settlement_failed";
  return recordFailed(db, id, { reason, transaction: settle.transaction, payer: settle.payer });
}
