import { createPublicClient, getAddress, parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { evmTransport } from "@/lib/chains/rpc";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { AUDIT_WINDOW_MS, loadOpenPayments, loadSettledToAudit } from "@/lib/payments/data";
import { pruneNonces } from "@/lib/access/siwx";
import { pruneKeptResponses, recordConfirmed, recordDisproved, recordFailed, recordSettled, touchAudited, touchChecked } from "@/lib/payments/mutations";
import { loadChargingRoutes } from "@/lib/routes/data";
import { pruneWebhookEvents, WEBHOOK_LOG_RETENTION_MS } from "@/lib/webhooks/mutations";
import { SETTLEMENT_DISPROVED } from "@/lib/payments/failure";
import { readStoredSettlement } from "@/lib/x402/stored-settlement";
import { collectServedPayment } from "./collect";
import { confirmOnChain, rpcUrlsFor } from "./confirm";
import { AUTHORIZATION_USED, carriesPayment, findSvmTransfersTo, onchainRefSchema, TRANSFER } from "./onchain";
import { replayJournal } from "./journal";
import { readLogWindow } from "./log-window";
import { rekeyPresentablePayments } from "./rekey";
import { findMisrecordedPayment, isOrphanStored, isSvmTransferAccountedFor, isTransferAccountedFor, loadScanCursor } from "./data";
import { acquireLease, correctSettledTransaction, recordRun, saveScanCursor, storeOrphanTransfer, unflagRecordedOrphans } from "./mutations";

/**
 * The reconciler: brings every open payment row (`pending`, `settling`, `unknown`) to the state
 * the chain shows, replays the settlement journal, and looks for transfers to the merchants'
 * payTo addresses that have no row at all. Safe to run from any number of instances at once
 * (every write is a conditional transition), and in-process runs take a lease so that only one
 * instance does the work per interval.
 */

/** What one pass did. */
export type ReconcileSummary = {
  dryRun: boolean;
  journal: { applied: number; kept: number };
  checked: number;
  settled: number;
  failed: number;
  unresolved: number;
  orphans: number;
  /** Settled payments the audit found on chain in the transaction recorded (or corrected to the chain's). */
  confirmed: number;
  /** Settled payments the chain disproved: back to `unknown` or `failed` (also counted there). */
  disproved: number;
  /** Disproved payments (the buyer served) that the facilitator then settled from the kept request. */
  collected: number;
  /** One line per decision, for the CLI and the logs. */
  decisions: string[];
};

export type ReconcileOptions = {
  /** `unknown` rows are taken once last updated this many ms ago. */
  olderThanMs: number;
  /**
   * `pending` and `settling` rows are taken only once last updated this many ms ago: the longest
   * a live request may hold one (env paidRequestMaxMs). Default: `olderThanMs`.
   */
  abandonedAfterMs?: number;
  /** Report what would change without writing anything. */
  dryRun?: boolean;
  /** Scan for transfers to payTo without a row (default true). */
  scanOrphans?: boolean;
  /** How many blocks back the first scan of a payTo starts (default 5,000). */
  initialScanBlocks?: bigint;
  /** Audit settled payments against the chain (default true). */
  auditSettled?: boolean;
};

/**
 * One reconciliation pass.
 *
 * - keys: claim keys from before keys named the on-chain payment are brought up to date, for
 *   the rows a buyer may still present (lib/settlement/rekey.ts);
 * - journal: entries are applied as `settled` (idempotent);
 * - open rows older than `olderThanMs`: the chain is asked once each. Settled → `settled` with
 *   its transaction. Can never settle (authorization expired unused, canceled, its nonce used
 *   for another transfer) → `failed`. Anything else stays open, including a `pending` row (the
 *   process stopped before asking to settle) whose authorization is unused but still usable: it
 *   can still move money, and the buyer may present it again (enforce.ts claims it anew).
 * - settled rows the chain has not been seen to carry yet: audited (auditSettled); a success
 *   the chain disproves goes back to `unknown` or `failed`;
 * - kept responses delivered, or older than a day, are deleted; so are webhook events older than
 *   30 days whose deliveries all ended;
 * - orphans: `Transfer(…, payTo, …)` logs of each priced EVM asset (and SPL transfers to each
 *   Solana payTo) since the last scan whose transaction no payment row has (and no open row could
 *   still claim) are stored as OrphanTransfer, unless the transaction used the authorization (or
 *   carries the signed message) of a payment recorded settled under another transaction: the
 *   facilitator named a wrong one, and that row gets the chain's. A stored orphan whose
 *   transaction a payment row names by now is unflagged first.
 *
 * @throws the database's error when it cannot be read at all (the caller logs it).
 */
export async function reconcileOnce(db: PrismaClient, options: ReconcileOptions): Promise<ReconcileSummary> {
  const dryRun = options.dryRun ?? false;
  const summary: ReconcileSummary = { dryRun, journal: { applied: 0, kept: 0 }, checked: 0, settled: 0, failed: 0, unresolved: 0, orphans: 0, confirmed: 0, disproved: 0, collected: 0, decisions: [] };
  if (!dryRun) {
    // Claim keys written before keys named what the chain dedupes (a no-op once done).
    const { rekeyed, clashes } = await rekeyPresentablePayments(db);
    if (rekeyed > 0) summary.decisions.push(`re-keyed ${rekeyed} payments a buyer may still present (keys now name the on-chain payment)`);
    for (const id of clashes) summary.decisions.push(`${id}: kept its old key: another row holds the same on-chain payment (a double claim from before the re-keying)`);
    summary.journal = await replayJournal(async (entry) => {
      await recordSettled(db, entry.paymentId, { transaction: entry.transaction, payer: entry.payer, settleRequest: readStoredSettlement(entry.settleRequest) });
      summary.decisions.push(`journal: payment ${entry.paymentId} settled (${entry.transaction})`);
    });
  }

  const now = Date.now();
  const open = await loadOpenPayments(db, {
    unknownBefore: new Date(now - options.olderThanMs),
    abandonedBefore: new Date(now - (options.abandonedAfterMs ?? options.olderThanMs)),
  });
  // Networks whose RPC did not answer this pass: their other rows wait for the next one (one
  // timeout per network and pass, not one per row), here and in the audit.
  const unreachable = new Set<string>();
  for (const row of open) {
    if (unreachable.has(row.network)) continue;
    summary.checked++;
    const outcome = await confirmOnChain(row, 0);
    if (outcome.state === "unknown" && outcome.unreachable) {
      unreachable.add(row.network);
      summary.unresolved++;
      summary.decisions.push(`${row.id} (${row.status})${STAYS_OPEN}${outcome.reason}; the other open payments on ${row.network} wait for the next pass`);
      if (!dryRun) await touchChecked(db, row.id);
      continue;
    }
    if (outcome.state === "settled") {
      summary.settled++;
      summary.decisions.push(`${row.id} (${row.status}) → settled: ${outcome.transaction}`);
      if (!dryRun) await recordSettled(db, row.id, { transaction: outcome.transaction, payer: row.payer, confirmed: true });
    } else if (outcome.state === "not_settled" && outcome.final) {
      summary.failed++;
      summary.decisions.push(`${row.id} (${row.status}) → failed: ${outcome.reason}`);
      if (!dryRun) await recordFailed(db, row.id, { reason: outcome.reason });
    } else if (row.status === "unknown" && row.settleRequest !== null && outcome.state === "not_settled") {
      // A disproved success whose buyer was served (only those keep a settle request), still
      // usable: settled from what was kept (an earlier pass could not).
      summary.unresolved++;
      await collect(db, row, summary);
    } else {
      // Open until the chain decides. A `pending` claim whose authorization is unused and still
      // usable is not `failed` either: the buyer (or anyone holding it) can still submit it, and
      // the same payment presented to Tollgate again is claimed anew (enforce.ts).
      const why = row.status === "pending" && outcome.state === "not_settled" ? `abandoned before settling; unused and still usable (${outcome.reason}): the same payment presented again is claimed anew` : outcome.reason;
      summary.unresolved++;
      summary.decisions.push(`${row.id} (${row.status})${STAYS_OPEN}${why}`);
      if (!dryRun) await touchChecked(db, row.id);
    }
  }

  if (options.auditSettled ?? true) await auditSettled(db, summary, { now, olderThanMs: options.olderThanMs, unreachable });

  if (!dryRun) {
    // Kept responses are for late deliveries within a day; delivered or older ones go.
    const pruned = await pruneKeptResponses(db, new Date(Date.now() - KEPT_RESPONSE_TTL_MS));
    if (pruned > 0) summary.decisions.push(`pruned ${pruned} kept responses (delivered, or older than a day)`);
    // Used sign-in nonces only matter while their challenge could still be presented.
    await pruneNonces(db);
    const prunedEvents = await pruneWebhookEvents(db, new Date(Date.now() - WEBHOOK_LOG_RETENTION_MS));
    if (prunedEvents > 0) summary.decisions.push(`pruned ${prunedEvents} webhook events older than 30 days (all deliveries ended)`);
  }

  if (options.scanOrphans ?? true) {
    for (const { transaction, paymentId } of await unflagRecordedOrphans(db, { dryRun })) {
      summary.decisions.push(`orphan ${transaction} is payment ${paymentId}'s transfer: no longer flagged`);
    }
    summary.orphans = await scanOrphanTransfers(db, { dryRun, initialScanBlocks: options.initialScanBlocks ?? 5_000n, decisions: summary.decisions });
  }
  return summary;
}

/**
 * The audit: a settled payment rests on the facilitator's success until the chain is seen to
 * carry it. Each settled row not confirmed yet (settled within AUDIT_WINDOW_MS, at least
 * `olderThanMs` ago, so the chain's view has caught up with the facilitator's) is read from its
 * transaction (carriesPayment: one RPC call). Carried → `confirmedAt`. Otherwise the chain is asked
 * where the payment went (confirmOnChain): in another transaction → that one is recorded (the
 * facilitator named a wrong one); nowhere → the facilitator's success was false (a facilitator
 * that lied, an answer forged on the way): the row goes back to `unknown` while the payment can
 * still move money, to `failed` once it never can. Rows the chain cannot answer for now are
 * asked again on a later pass.
 */
async function auditSettled(db: PrismaClient, summary: ReconcileSummary, { now, olderThanMs, unreachable }: { now: number; olderThanMs: number; unreachable: Set<string> }): Promise<void> {
  const rows = await loadSettledToAudit(db, { settledSince: new Date(now - AUDIT_WINDOW_MS), checkedBefore: new Date(now - olderThanMs) });
  // A network whose RPC did not answer (`unreachable`, shared with the open rows' loop) is left
  // for the next pass: one timeout each, not one per row.
  for (const row of rows) {
    if (!row.transaction || unreachable.has(row.network)) continue;
    const ref = onchainRefSchema.safeParse(row.onchainRef);
    const rpcUrls = rpcUrlsFor(row.network);
    if (!ref.success || !rpcUrls) {
      // No way to ask (a reference of another kind, no RPC URL for the network): asked again later.
      if (!summary.dryRun) await touchAudited(db, row.id);
      continue;
    }
    const carried = await carriesPayment(rpcUrls, { asset: row.asset, payTo: row.payTo, amount: BigInt(row.amount.toFixed(0)) }, ref.data, row.transaction);
    if (carried === true) {
      summary.confirmed++;
      if (!summary.dryRun) await recordConfirmed(db, row.id, row.transaction);
      continue;
    }
    if (carried === "unknown") {
      unreachable.add(row.network);
      summary.decisions.push(`audit of ${row.network}: its RPC did not answer; settled payments there are audited on a later pass`);
      continue;
    }
    const outcome = await confirmOnChain(row, 0);
    if (outcome.state === "settled") {
      summary.confirmed++;
      if (sameTransaction(row.network, outcome.transaction, row.transaction)) {
        if (!summary.dryRun) await recordConfirmed(db, row.id, row.transaction);
      } else {
        await correctTransaction(db, row, outcome.transaction, summary);
      }
    } else if (outcome.state === "not_settled") {
      summary.disproved++;
      summary[outcome.final ? "failed" : "unresolved"]++;
      const reason = `${SETTLEMENT_DISPROVED}: the facilitator reported it settled in ${row.transaction}, but the chain shows no transfer of it (${outcome.reason})`;
      summary.decisions.push(`${row.id} (settled) → ${outcome.final ? "failed" : "unknown"}: ${reason}`);
      const reopened = summary.dryRun || (await recordDisproved(db, row.id, row.transaction, { final: outcome.final, reason }));
      if (reopened && !outcome.final) await collect(db, row, summary);
    } else {
      if (outcome.unreachable) unreachable.add(row.network); // the next pass asks again
      if (!summary.dryRun) await touchAudited(db, row.id);
    }
  }
}

/**
 * Asks the facilitator to settle a disproved payment whose buyer was served, from the request kept
 * with its row (collectServedPayment), and says what came of it. Counted `collected` (and
 * `settled`, moving it out of `unresolved`) when the facilitator settled it.
 */
async function collect(db: PrismaClient, row: { id: string; network: string; payer: string | null; settleRequest: unknown }, summary: ReconcileSummary): Promise<void> {
  const collected = await collectServedPayment(db, row, summary.dryRun);
  if (collected.state === "settled") {
    summary.collected++;
    summary.settled++;
    summary.unresolved--;
    summary.decisions.push(`${row.id} (unknown) → settled: the buyer was served, so Tollgate asked the facilitator to settle the payment it kept: ${collected.transaction} (checked on chain by a later pass)`);
  } else {
    summary.decisions.push(`${row.id} (unknown)${STAYS_OPEN}asked the facilitator to settle the payment it kept (the buyer was served): ${collected.reason}`);
    if (!summary.dryRun) await touchChecked(db, row.id);
  }
}

/** Whether two references name one transaction: EVM hashes in any case, anything else as written. */
function sameTransaction(network: string, a: string, b: string): boolean {
  return network.startsWith("eip155:") ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** How a decision line says a row stays open. */
const STAYS_OPEN = " stays open: ";

/** How long a handler's response is kept for a late delivery to a retry of the same payment, in ms. */
const KEPT_RESPONSE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * How many blocks before its cursor the transfer scan reads again on each pass: 64, Ethereum's
 * finality (two epochs), far beyond an L2's reorgs, and one eth_getLogs call.
 */
const RESCAN_BLOCKS = 64n;

async function scanOrphanTransfers(db: PrismaClient, { dryRun, initialScanBlocks, decisions }: { dryRun: boolean; initialScanBlocks: bigint; decisions: string[] }): Promise<number> {
  const targets = new Map<string, { network: string; asset: Address; payTo: Address }>();
  for (const route of await loadChargingRoutes(db)) {
    for (const option of route.paymentOptions) {
      if (!option.network.startsWith("eip155:") || !/^0x[0-9a-fA-F]{40}$/.test(option.asset) || !/^0x[0-9a-fA-F]{40}$/.test(option.payTo)) continue;
      const key = `${option.network}|${option.asset.toLowerCase()}|${option.payTo.toLowerCase()}`;
      targets.set(key, { network: option.network, asset: getAddress(option.asset), payTo: getAddress(option.payTo) });
    }
  }
  let found = await scanSvmOrphans(db, { dryRun, decisions });
  for (const [key, target] of targets) {
    const rpcUrls = rpcUrlsFor(target.network);
    if (!rpcUrls) {
      decisions.push(`scan ${key}: no RPC URL, skipped`);
      continue;
    }
    try {
      const client = createPublicClient({ transport: evmTransport(rpcUrls, { timeout: 10_000, retryCount: 1 }) });
      const latest = await client.getBlockNumber();
      const cursor = await loadScanCursor(db, key);
      // Each pass reads the last RESCAN_BLOCKS before the cursor again: logs an RPC had not served
      // yet (a load-balanced provider's node behind the one that named the head) or a reorg replaced.
      let from = cursor !== null ? (cursor + 1n > RESCAN_BLOCKS ? cursor + 1n - RESCAN_BLOCKS : 0n) : latest > initialScanBlocks ? latest - initialScanBlocks : 0n;
      while (from <= latest) {
        const { result: logs, toBlock: to } = await readLogWindow(rpcUrls, { from, to: latest }, "forward", (fromBlock, toBlock) =>
          client.getLogs({ address: target.asset, event: TRANSFER, args: { to: target.payTo }, fromBlock, toBlock }),
        );
        for (const log of logs) {
          if (!log.transactionHash || log.logIndex === null || !log.args.from || log.args.value === undefined) continue;
          if (await isTransferAccountedFor(db, { ...target, transaction: log.transactionHash, from: log.args.from, amount: log.args.value })) continue;
          if (await isOrphanStored(db, { network: target.network, transaction: log.transactionHash, logIndex: log.logIndex })) continue;
          if (await correctedEvmPayment(db, client, target, log.transactionHash, { dryRun, decisions })) continue;
          found++;
          decisions.push(`orphan: ${log.args.value} of ${target.asset} from ${log.args.from} to ${target.payTo} in ${log.transactionHash}`);
          if (!dryRun) {
            await storeOrphanTransfer(db, { network: target.network, asset: target.asset, payTo: target.payTo, from: log.args.from, amount: log.args.value, transaction: log.transactionHash, logIndex: log.logIndex, blockNumber: log.blockNumber ?? to });
          }
        }
        if (!dryRun) await saveScanCursor(db, key, to);
        from = to + 1n;
      }
    } catch (error) {
      decisions.push(`scan ${key}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}; will retry`);
    }
  }
  return found;
}

/**
 * For a transfer to a payTo that no row names: if its transaction used the EIP-3009 authorization
 * of a payment recorded settled under another transaction (the facilitator named a wrong one),
 * that row gets this transaction. One receipt read, only for such transfers.
 * @returns whether a payment was corrected (the transfer is then no orphan).
 */
async function correctedEvmPayment(
  db: PrismaClient,
  client: PublicClient,
  target: { network: string; asset: Address },
  transaction: Hex,
  report: { dryRun: boolean; decisions: string[] },
): Promise<boolean> {
  // A receipt the RPC cannot give leaves the transfer an orphan (flagged), rather than stalling the scan on it.
  const receipt = await client.getTransactionReceipt({ hash: transaction }).catch(() => null);
  if (!receipt) return false;
  const used = parseEventLogs({ abi: [AUTHORIZATION_USED], logs: receipt.logs }).filter((l) => l.address.toLowerCase() === target.asset.toLowerCase());
  for (const log of used) {
    const identity = { kind: "eip3009" as const, from: log.args.authorizer, nonce: log.args.nonce };
    const misrecorded = await findMisrecordedPayment(db, { network: target.network, asset: target.asset, transaction, identity });
    if (misrecorded) {
      await correctTransaction(db, misrecorded, transaction, report);
      return true;
    }
  }
  return false;
}

/** Records the chain's transaction on a settled payment that named another, and says so. */
async function correctTransaction(db: PrismaClient, row: { id: string; transaction: string | null }, transaction: string, { dryRun, decisions }: { dryRun: boolean; decisions: string[] }): Promise<void> {
  decisions.push(`${row.id} (settled): the facilitator named transaction ${row.transaction}, the chain shows the payment in ${transaction}: recorded ${transaction}`);
  if (!dryRun) await correctSettledTransaction(db, row.id, row.transaction, transaction);
}

/**
 * Runs the reconciler every `intervalMs` in this process, under the lease: with several instances
 * on one database, one of them works per interval. Timers are unref'd (they never keep the
 * process alive). Failures are logged and retried on the next tick.
 *
 * @returns a function that stops it.
 */
export function startReconciler(getDb: () => Promise<PrismaClient>, options: { intervalMs: number; olderThanMs: number; abandonedAfterMs: number; holder: string }): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    const startedAt = new Date();
    let db: PrismaClient | undefined;
    try {
      db = await getDb();
      // A lease outlives two intervals: a crashed holder delays the next pass by that much at most.
      if (!(await acquireLease(db, "reconciler", options.holder, Math.max(options.intervalMs * 2, 5_000)))) return;
      const summary = await reconcileOnce(db, { olderThanMs: options.olderThanMs, abandonedAfterMs: options.abandonedAfterMs });
      // Changes one line each; rows that stay open (the same ones every pass) one line in all.
      for (const line of summary.decisions) if (!line.includes(STAYS_OPEN)) console.log(`[tollgate] reconcile: ${line}`);
      if (summary.unresolved > 0) console.log(`[tollgate] reconcile: ${summary.unresolved} open payments stay open (not decided on chain yet; checked again next pass)`);
      if (summary.decisions.length > 0) await recordRun(db, startedAt, summary);
    } catch (error) {
      console.error("[tollgate] reconcile pass failed; retrying next interval:", error instanceof Error ? error.message : error);
      if (db) await recordRun(db, startedAt, null, error).catch(() => {});
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  const first = setTimeout(() => void tick(), Math.min(options.intervalMs, 1_000));
  first.unref();
  return () => {
    clearInterval(timer);
    clearTimeout(first);
  };
}

/**
 * The Solana half of the orphan scan: SPL transfers into the payTo wallets of priced Solana
 * options (each mint) since the last scanned slot, not explained by a payment row.
 */
async function scanSvmOrphans(db: PrismaClient, { dryRun, decisions }: { dryRun: boolean; decisions: string[] }): Promise<number> {
  const targets = new Map<string, { network: string; mint: string; payTo: string }>();
  for (const route of await loadChargingRoutes(db)) {
    for (const option of route.paymentOptions) {
      if (option.network.startsWith("solana:")) targets.set(`${option.network}|${option.asset}|${option.payTo}`, { network: option.network, mint: option.asset, payTo: option.payTo });
    }
  }
  let found = 0;
  for (const [key, target] of targets) {
    const rpcUrls = rpcUrlsFor(target.network);
    if (!rpcUrls) {
      decisions.push(`scan ${key}: no RPC URL (SOLANA_RPC_URLS), skipped`);
      continue;
    }
    try {
      const cursor = await loadScanCursor(db, key);
      const transfers = await findSvmTransfersTo(rpcUrls, target.mint, target.payTo, cursor);
      let highest = cursor;
      for (const t of transfers) {
        if (highest === null || t.slot > highest) highest = t.slot;
        if (await isSvmTransferAccountedFor(db, { network: target.network, signature: t.signature, messageHash: t.messageHash })) continue;
        if (await isOrphanStored(db, { network: target.network, transaction: t.signature, logIndex: t.instruction })) continue;
        const misrecorded = await findMisrecordedPayment(db, { network: target.network, asset: target.mint, transaction: t.signature, identity: { kind: "svm", messageHash: t.messageHash } });
        if (misrecorded) {
          await correctTransaction(db, misrecorded, t.signature, { dryRun, decisions });
          continue;
        }
        found++;
        decisions.push(`orphan: ${t.amount} of ${target.mint} from ${t.from} to ${target.payTo} in ${t.signature}`);
        if (!dryRun) {
          await storeOrphanTransfer(db, { network: target.network, asset: target.mint, payTo: target.payTo, from: t.from, amount: t.amount, transaction: t.signature, logIndex: t.instruction, blockNumber: t.slot });
        }
      }
      if (!dryRun && highest !== null && highest !== cursor) await saveScanCursor(db, key, highest);
    } catch (error) {
      decisions.push(`scan ${key}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}; will retry`);
    }
  }
  return found;
}
