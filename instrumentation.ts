/**
 * Next.js calls register() once when a server starts: background work (reconciler, webhook
 * sender) begins then, so a restarted instance delivers queued webhooks without waiting for a
 * request; and from then on the requests Next itself would mishandle, which no app code sees
 * first, are answered before Next (lib/gateway/request-guard.ts: an unreadable router-state
 * header, TRACE, request targets that are no path, bodies over MAX_REQUEST_BODY_BYTES, protocol
 * upgrades under `next start`).
 * Not during `next build`, and only in the Node.js runtime.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { guardRequests } = await import("@/lib/gateway/request-guard");
  const { env } = await import("@/lib/env");
  // An invalid configuration leaves the default bound here; every request then answers with the error.
  let maxBodyBytes: number | undefined;
  try {
    maxBodyBytes = env().maxRequestBodyBytes;
  } catch {}
  guardRequests({ maxBodyBytes });
  const { ensureBackgroundJobs } = await import("@/lib/gateway/background");
  try {
    ensureBackgroundJobs();
  } catch (error) {
    // An invalid configuration: every request answers with it; the server still starts to say so.
    console.error("[tollgate] background work not started:", error instanceof Error ? error.message : error);
  }
}
