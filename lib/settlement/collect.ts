import { SettleError, type SettleResponse } from "@x402/core/types";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { getX402 } from "@/lib/gateway/x402-server";
import { settleStored } from "@/lib/gateway/protocol";
import { recordSettled } from "@/lib/payments/mutations";
import { settledByOf } from "@/lib/x402/failover";
import { readStoredSettlement } from "@/lib/x402/stored-settlement";
import { isTransactionRef } from "./onchain";

/** What asking to settle a disproved payment again came to. */
export type CollectOutcome =
  /** The facilitator settled it in `transaction` (recorded `settled`, to be audited like any facilitator's word). */
  | { state: "settled"; transaction: string }
  /** No settlement: the facilitator refused it, gave no verdict, or nothing usable was kept; the row stays as it was. */
  | { state: "not_settled"; reason: string };

/**
 * Settles a payment whose buyer was already served: a facilitator reported it settled, Tollgate
 * served the content (x402's rule), and the chain then showed no transfer of it while its
 * authorization can still be used (the reconciler's audit put the row back to `unknown`). The
 * signed payment kept with the row (Payment.settleRequest) is sent to the facilitator's settle
 * again, exactly as the paid path sent it (settleStored), so the merchant is paid what the buyer
 * agreed to pay for what it received; the authorization pays only `payTo`, only its amount, once.
 *
 * A success is recorded `settled` under the facilitator's transaction, still unconfirmed: the
 * audit checks it on chain like any other (a facilitator that lies again is caught again, until
 * the authorization expires and the row fails). A refusal or no verdict leaves the row `unknown`
 * for the reconciler's next pass; a transaction that did land anyway is found there on chain.
 *
 * @param row an `unknown` payment row with its kept settleRequest (JSON as stored).
 * @param dryRun report only: nothing is sent or written.
 * @returns what happened (a facilitator's failure is a `not_settled` reason).
 * @throws the database's error when a settlement cannot be recorded.
 */
export async function collectServedPayment(db: PrismaClient, row: { id: string; network: string; payer: string | null; settleRequest: unknown }, dryRun: boolean): Promise<CollectOutcome> {
  const stored = readStoredSettlement(row.settleRequest);
  if (!stored) return { state: "not_settled", reason: "no usable settle request was kept with the payment" };
  if (dryRun) return { state: "not_settled", reason: "dry run: would ask the facilitator to settle it" };
  let settled: SettleResponse;
  try {
    settled = await settleStored(await getX402(), stored);
  } catch (error) {
    if (error instanceof SettleError) return { state: "not_settled", reason: `the facilitator refused it: ${error.errorReason ?? "settlement_failed"}` };
    return { state: "not_settled", reason: `no answer from the facilitator: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` };
  }
  if (!settled.success) return { state: "not_settled", reason: `the facilitator refused it: ${settled.errorReason ?? "settlement_failed"}` };
  if (!isTransactionRef(row.network, settled.transaction)) return { state: "not_settled", reason: "the facilitator answered success without a usable transaction" };
  // A database error here is thrown (the pass fails and is logged); the next pass finds the transfer on chain.
  await recordSettled(db, row.id, { transaction: settled.transaction, payer: settled.payer ?? row.payer, facilitator: settledByOf(settled) ?? null, settleRequest: stored });
  return { state: "settled", transaction: settled.transaction };
}
