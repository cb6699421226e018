import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { env } from "@/lib/env";

/**
 * The settlement journal: where a settled payment's record goes when the database cannot take
 * it at that moment (the money moved; the buyer still gets the content). An append-only JSON
 * Lines file on local disk, each entry fsync'd before the buyer is answered, and replayed into
 * the database (idempotently) by the reconciler once the database is back.
 */

export const journalEntrySchema = z.object({
  at: z.string(),
  paymentId: z.string().min(1),
  outcome: z.literal("settled"),
  transaction: z.string().min(1),
  payer: z.string().nullable().optional(),
  /** What was sent to settle, on the facilitator's word (Payment.settleRequest; read with readStoredSettlement). */
  settleRequest: z.unknown().optional(),
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/** The journal file: SETTLEMENT_JOURNAL_PATH, default .data/settlement-journal.jsonl. */
export function journalPath(): string {
  return path.resolve(env().settlementJournalPath);
}

/**
 * Appends one entry and fsyncs it (the write is durable when this returns).
 * @throws the file system's error (then the money path logs the record it could not keep).
 */
export function appendToJournal(entry: Omit<JournalEntry, "at">): void {
  const file = journalPath();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, "a", 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Replays the journal: each entry is handed to `apply` (which must be idempotent: recording a
 * payment already settled is a no-op). The file is first renamed aside atomically, so entries
 * appended meanwhile land in a new journal; entries that fail to apply are appended back.
 *
 * @returns how many entries were applied and how many were kept for a later replay.
 */
export async function replayJournal(apply: (entry: JournalEntry) => Promise<void>): Promise<{ applied: number; kept: number }> {
  const file = journalPath();
  const replaying = `${file}.replaying-${process.pid}`;
  try {
    fs.renameSync(file, replaying);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { applied: 0, kept: 0 };
    throw error;
  }
  let applied = 0;
  const failed: JournalEntry[] = [];
  for (const line of fs.readFileSync(replaying, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const parsed = journalEntrySchema.safeParse(safeJson(line));
    if (!parsed.success) {
      console.error(`[tollgate] settlement journal: skipping an unreadable line: ${line.slice(0, 200)}`);
      continue;
    }
    try {
      await apply(parsed.data);
      applied++;
    } catch (error) {
      console.error(`[tollgate] settlement journal: payment ${parsed.data.paymentId} not replayed yet:`, error instanceof Error ? error.message : error);
      failed.push(parsed.data);
    }
  }
  for (const entry of failed) appendToJournal(entry);
  fs.rmSync(replaying);
  return { applied, kept: failed.length };
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
