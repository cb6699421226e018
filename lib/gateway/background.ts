import os from "node:os";
import { randomBytes } from "node:crypto";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { startReconciler } from "@/lib/settlement/reconciler";
import { syncConfiguredEndpoints } from "@/lib/webhooks/mutations";
import { startWebhookSender } from "@/lib/webhooks/sender";

const g = globalThis as typeof globalThis & { __tollgateBackground?: true };

/**
 * Starts this process's background work once, when the server starts (instrumentation.ts) or on
 * the first request the proxy sees, never at build time:
 * - the reconciler every RECONCILE_INTERVAL_MS (0 disables it), under a lease shared by all
 *   instances on the database;
 * - WEBHOOK_ENDPOINTS synced into the endpoint table, then the webhook sender every
 *   WEBHOOK_POLL_MS (0: this process sends none; any number of instances may send).
 */
export function ensureBackgroundJobs(): void {
  if (g.__tollgateBackground) return;
  const { reconcileIntervalMs, reconcileAfterMs, paidRequestMaxMs, webhooks } = env(); // throws on a bad configuration: tried again later
  g.__tollgateBackground = true;
  const holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  if (reconcileIntervalMs > 0) {
    startReconciler(getDb, {
      intervalMs: reconcileIntervalMs,
      olderThanMs: reconcileAfterMs,
      // Never take a row a live request may still hold (on any instance with the same settings).
      abandonedAfterMs: Math.max(reconcileAfterMs, paidRequestMaxMs),
      holder,
    });
  }
  void syncWebhookEndpoints(webhooks.endpoints).finally(() => {
    if (webhooks.pollMs > 0) startWebhookSender(getDb, webhooks, (error) => console.error("[tollgate] webhook sender:", error));
  });
}

/** Syncs WEBHOOK_ENDPOINTS, retrying while the database is unreachable (events wait in the outbox meanwhile). */
async function syncWebhookEndpoints(endpoints: Parameters<typeof syncConfiguredEndpoints>[1]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await syncConfiguredEndpoints(await getDb(), endpoints);
      return;
    } catch (error) {
      if (attempt >= 5) {
        console.error("[tollgate] could not sync WEBHOOK_ENDPOINTS, sending with what the database has:", error);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
    }
  }
}
