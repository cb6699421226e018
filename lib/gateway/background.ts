import os from "node:os";
import { randomBytes } from "node:crypto";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { startReconciler } from "@/lib/settlement/reconciler";

const g = globalThis as typeof globalThis & { __tollgateBackground?: true };

/**
 * Starts this process's background work once, on the first request the proxy sees (never at build
 * time): the reconciler every RECONCILE_INTERVAL_MS (0 disables it), under a lease shared by all
 * instances on the database.
 */
export function ensureBackgroundJobs(): void {
  if (g.__tollgateBackground) return;
  g.__tollgateBackground = true;
  const { reconcileIntervalMs, reconcileAfterMs, paidRequestMaxMs } = env();
  if (reconcileIntervalMs <= 0) return;
  startReconciler(getDb, {
    intervalMs: reconcileIntervalMs,
    olderThanMs: reconcileAfterMs,
    // Never take a row a live request may still hold (on any instance with the same settings).
    abandonedAfterMs: Math.max(reconcileAfterMs, paidRequestMaxMs),
    holder: `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
  });
}
