import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { NonceStore } from "./serial-sender";

/**
 * How long a send may wait for another instance's send of the same account (Prisma's maxWait is
 * for a pooled connection; the row lock is waited for inside the transaction, under `timeout`).
 */
const CONNECTION_WAIT_MS = 30_000;
/**
 * How long one send may hold the row: the wait for the lock plus a chain read and the node's
 * answer to the send, each endpoint tried in turn (lib/chains/rpc.ts). Past it Prisma rolls back,
 * the stored nonce stays as it was, and the send's outcome is left to the chain check.
 */
const HOLD_TIMEOUT_MS = 120_000;

/**
 * The next nonce of one gas account on one network, kept in the `GasNonce` row on PostgreSQL so
 * that every Tollgate instance with the same FACILITATOR_EVM_PRIVATE_KEY takes turns: a send holds
 * the row's lock (taken by an upsert, in a transaction) from reading the nonce to the node's
 * answer, and stores the next one before letting go. Another instance's send waits on the row
 * meanwhile.
 *
 * On failure the row is set to null (the next holder reads the chain's pending count), in the same
 * transaction. If the database goes away after the node took a transaction, the row keeps the
 * old nonce; the next send then meets "nonce too low" and is retried with the chain's count
 * (SerialSender), and the settlement whose commit failed is decided by the chain check.
 *
 * @param db the app's database (lib/db.ts getDb), opened on first use.
 * @param network CAIP-2 network, e.g. `eip155:8453`.
 * @param address the gas account, as viem gives it (checksummed).
 * @throws from `hold`: the database's error when it cannot be reached or the hold outlives
 *   HOLD_TIMEOUT_MS; otherwise what the held send threw.
 */
export function databaseNonceStore(db: () => Promise<PrismaClient>, network: string, address: string): NonceStore {
  return {
    async hold(use) {
      const prisma = await db();
      const outcome = await prisma.$transaction(
        async (tx) => {
          // One statement creates the row on first use or locks the existing one (an upsert's
          // DO UPDATE takes the row lock as SELECT … FOR UPDATE would) and reads its next nonce.
          const [row] = await tx.$queryRaw<{ next: number | null }[]>`
            INSERT INTO "GasNonce" ("network", "address", "next", "updatedAt") VALUES (${network}, ${address}, NULL, now())
            ON CONFLICT ("network", "address") DO UPDATE SET "updatedAt" = "GasNonce"."updatedAt"
            RETURNING "next"`;
          const where = { network_address: { network, address } };
          let held: Awaited<ReturnType<typeof use>>;
          try {
            held = await use(row?.next ?? undefined);
          } catch (error) {
            // Committed, not rolled back: a nonce the node refused as taken must not be handed out again.
            await tx.gasNonce.update({ where, data: { next: null } });
            return { ok: false as const, error };
          }
          await tx.gasNonce.update({ where, data: { next: held.next } });
          return { ok: true as const, result: held.result };
        },
        { maxWait: CONNECTION_WAIT_MS, timeout: HOLD_TIMEOUT_MS },
      );
      if (!outcome.ok) throw outcome.error;
      return outcome.result;
    },
  };
}
