/**
 * npm run reconcile [-- --dry-run] [--older-than-ms N] [--abandoned-after-ms M]
 *
 * One reconciler pass against DATABASE_URL (PGlite by default: stop the app first, PGlite serves
 * one process): replays the settlement journal, brings open payments to what the chain shows
 * (`unknown` ones last touched N ms ago, default 0; `pending`/`settling` ones, which a live
 * request may hold, only M ms after, default 600000 = 10 minutes), audits payments settled in the
 * last 7 days that the chain has not been seen to carry yet, and lists transfers to payTo with no
 * payment row. `--dry-run` prints the decisions and writes nothing. Chains are read through
 * EVM_CHAINS; outside production, the local devnet's chain (.data/devnet.json) when EVM_CHAINS is unset.
 * Run with the react-server condition (see package.json): it shares the app's server-only modules.
 */
import fs from "node:fs";
import { openDatabase } from "@/lib/database/client";
import { describeTarget, parseDatabaseUrl } from "@/lib/database/target";
import { reconcileOnce } from "@/lib/settlement/reconciler";
import { recordRun } from "@/lib/settlement/mutations";
import { DEVNET_FILE, readDevnetFile } from "./devnet/config";
import { devnetAppEnv } from "./stack";

async function main() {
  const args = process.argv.slice(2);
  const dryRun = args.includes("--dry-run");
  const olderIndex = args.indexOf("--older-than-ms");
  const olderThanMs = olderIndex >= 0 ? Number(args[olderIndex + 1]) : 0;
  const abandonedIndex = args.indexOf("--abandoned-after-ms");
  const abandonedAfterMs = abandonedIndex >= 0 ? Number(args[abandonedIndex + 1]) : 600_000;
  if (![olderThanMs, abandonedAfterMs].every((n) => Number.isFinite(n) && n >= 0)) throw new Error("--older-than-ms and --abandoned-after-ms take a number of milliseconds");
  if (!process.env.EVM_CHAINS && process.env.NODE_ENV !== "production" && fs.existsSync(DEVNET_FILE)) {
    process.env.EVM_CHAINS = devnetAppEnv(readDevnetFile()).EVM_CHAINS;
  }
  const target = parseDatabaseUrl(process.env.DATABASE_URL);
  const db = await openDatabase(target);
  try {
    const startedAt = new Date();
    const summary = await reconcileOnce(db.prisma, { olderThanMs, abandonedAfterMs, dryRun });
    for (const line of summary.decisions) console.log(line);
    console.log(
      `${dryRun ? "[dry run] " : ""}${describeTarget(target)}: journal ${summary.journal.applied} replayed (${summary.journal.kept} kept); ` +
        `${summary.checked} open payments checked: ${summary.settled} settled, ${summary.failed} failed, ${summary.unresolved} still open; ` +
        `settled payments audited: ${summary.confirmed} confirmed on chain, ${summary.disproved} disproved, ${summary.collected} of those settled again; ${summary.orphans} transfers without a row`,
    );
    if (!dryRun) await recordRun(db.prisma, startedAt, summary);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
