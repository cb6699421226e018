import { Webhook } from "standardwebhooks";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { readPrefix } from "@/lib/streams";

/**
 * Delivers the webhook outbox (WebhookDelivery rows written by the payment trigger or a test
 * event) per the Standard Webhooks spec (github.com/standard-webhooks/standard-webhooks,
 * spec/standard-webhooks.md): `webhook-id` (the event's id, the same on every retry),
 * `webhook-timestamp` (seconds), `webhook-signature` ("v1,<base64 HMAC-SHA256>", one per secret
 * in force, made by the `standardwebhooks` package), JSON body.
 *
 * Any number of processes may run it on one database: each due delivery is claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease (`lockedUntil`), so one process sends one attempt. A
 * process that dies mid-attempt leaves the lease to expire and the attempt is made again
 * (at-least-once: receivers deduplicate by `webhook-id`).
 */

/** Settings of the sender (env().webhooks). */
export type SenderSettings = {
  /** The first retry's delay, ms. */
  retryBaseMs: number;
  /** How long after the event (or a resend) attempts continue, ms. */
  retryWindowMs: number;
  /** One attempt's timeout, ms. */
  timeoutMs: number;
};

/** The longest wait between two attempts, ms. */
export const MAX_RETRY_DELAY_MS = 12 * 60 * 60 * 1000;

/**
 * The wait after failed attempt `attempt` (1-based) before the next one, in ms: exponential,
 * `retryBaseMs × 4^(attempt−1)`, at most 12 h. With the default 5 s: 5 s, 20 s, 80 s, 5 min 20 s,
 * 21 min, 85 min, 5.7 h, then every 12 h until the retry window (72 h) ends.
 */
export function retryDelayMs(attempt: number, retryBaseMs: number): number {
  return Math.min(retryBaseMs * 4 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MS);
}

type Claimed = {
  id: string;
  attempts: number;
  createdAt: Date;
  retryUntil: Date | null;
  lockedUntil: Date;
  eventId: string;
  payload: unknown;
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
};

/**
 * Claims up to `limit` due deliveries of enabled endpoints for `leaseMs` (counting the attempt).
 * Rows another process holds are skipped, not waited for.
 */
async function claimDue(db: PrismaClient, now: Date, limit: number, leaseMs: number): Promise<Claimed[]> {
  const lockedUntil = new Date(now.getTime() + leaseMs);
  return db.$queryRaw<Claimed[]>(Prisma.sql`
    WITH due AS (
      SELECT d."id" FROM "WebhookDelivery" d JOIN "WebhookEndpoint" e ON e."id" = d."endpointId"
      WHERE d."status" = 'pending' AND d."nextAttemptAt" <= ${now} AND (d."lockedUntil" IS NULL OR d."lockedUntil" < ${now}) AND e."enabled"
      ORDER BY d."nextAttemptAt", d."createdAt"
      LIMIT ${limit}
      FOR UPDATE OF d SKIP LOCKED
    ), claimed AS (
      UPDATE "WebhookDelivery" d SET "lockedUntil" = ${lockedUntil}, "attempts" = d."attempts" + 1
      FROM due WHERE d."id" = due."id"
      RETURNING d."id", d."attempts", d."createdAt", d."retryUntil", d."lockedUntil", d."eventId", d."endpointId"
    )
    SELECT c."id", c."attempts", c."createdAt", c."retryUntil", c."lockedUntil", c."eventId", ev."payload",
           e."url", e."secret", e."previousSecret", e."previousSecretUntil"
    FROM claimed c JOIN "WebhookEvent" ev ON ev."id" = c."eventId" JOIN "WebhookEndpoint" e ON e."id" = c."endpointId"
    ORDER BY c."createdAt"`);
}

/**
 * The `webhook-signature` header for one attempt: a "v1,…" signature per secret in force (the
 * current one, and the one rotated out while its grace lasts), space-separated.
 */
export function signatureHeader(secrets: string[], messageId: string, at: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(" ");
}

/** What one attempt got. */
type AttemptResult = { statusCode: number | null; latencyMs: number; error: string | null; response: string | null };

const RESPONSE_KEPT_BYTES = 1024;

async function attempt(delivery: Claimed, settings: SenderSettings, now: Date): Promise<AttemptResult> {
  const body = JSON.stringify(delivery.payload);
  const secrets = [delivery.secret, ...(delivery.previousSecret && delivery.previousSecretUntil && delivery.previousSecretUntil > now ? [delivery.previousSecret] : [])];
  const sentAt = new Date();
  const started = performance.now();
  try {
    const response = await fetch(delivery.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Tollgate-Webhooks/1",
        "webhook-id": delivery.eventId,
        "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
        "webhook-signature": signatureHeader(secrets, delivery.eventId, sentAt, body),
      },
      body,
      // A redirect is an answer, not a new destination: the receiver's URL is what was configured.
      redirect: "manual",
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    const text = await readCapped(response, RESPONSE_KEPT_BYTES);
    const latencyMs = Math.round(performance.now() - started);
    const ok = response.status >= 200 && response.status < 300;
    return { statusCode: response.status, latencyMs, error: ok ? null : `HTTP ${response.status}`, response: text };
  } catch (error) {
    const latencyMs = Math.round(performance.now() - started);
    const message = (error as Error).name === "TimeoutError" ? `no answer within ${settings.timeoutMs} ms` : describeFetchError(error);
    return { statusCode: null, latencyMs, error: message.slice(0, 500), response: null };
  }
}

/** A failed fetch in words: undici's "fetch failed" says nothing, its cause does (ECONNREFUSED, ENOTFOUND, a bad port…). */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (code) return `${code}: ${cause?.message || (error as Error).message}`;
  return cause?.message ? `${(error as Error).message}: ${cause.message}` : String((error as Error).message ?? error);
}

/** The first `max` bytes of a body as text; the rest is not read. */
async function readCapped(response: Response, max: number): Promise<string | null> {
  if (!response.body) return null;
  return Buffer.from(await readPrefix(response.body, max)).subarray(0, max).toString("utf8");
}

/** Records an attempt and moves the delivery on: delivered, due again later, or failed. */
async function recordAttempt(db: PrismaClient, delivery: Claimed, result: AttemptResult, settings: SenderSettings, now: Date): Promise<"delivered" | "retry" | "failed"> {
  const delivered = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  const retryUntil = delivery.retryUntil ?? new Date(delivery.createdAt.getTime() + settings.retryWindowMs);
  const nextAttemptAt = new Date(now.getTime() + retryDelayMs(delivery.attempts, settings.retryBaseMs));
  const outcome = delivered ? "delivered" : nextAttemptAt > retryUntil ? "failed" : "retry";
  await db.$transaction([
    db.webhookAttempt.create({
      data: { deliveryId: delivery.id, attempt: delivery.attempts, attemptedAt: now, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error, response: result.response },
    }),
    // Only while the lease is ours: a process that overran its lease does not overwrite a newer attempt.
    db.webhookDelivery.updateMany({
      where: { id: delivery.id, lockedUntil: delivery.lockedUntil },
      data: {
        status: outcome === "retry" ? "pending" : outcome,
        nextAttemptAt: outcome === "retry" ? nextAttemptAt : undefined,
        lockedUntil: null,
        lastStatusCode: result.statusCode,
        lastLatencyMs: result.latencyMs,
        lastError: result.error,
        deliveredAt: delivered ? new Date() : undefined,
      },
    }),
  ]);
  return outcome;
}

/** What one pass did. */
export type SendSummary = { attempted: number; delivered: number; retrying: number; failed: number };

/**
 * One pass: claims due deliveries (up to `limit`), sends them concurrently, records each attempt.
 * The lease lasts the attempt's timeout plus a margin, so no second process sends while the
 * first may still be waiting for an answer.
 *
 * @throws the database's error (the caller logs it; nothing is lost: the rows stay due).
 */
export async function sendDueWebhooks(db: PrismaClient, settings: SenderSettings, limit = 20): Promise<SendSummary> {
  const summary: SendSummary = { attempted: 0, delivered: 0, retrying: 0, failed: 0 };
  const claimed = await claimDue(db, new Date(), limit, settings.timeoutMs + 30_000);
  await Promise.all(
    claimed.map(async (delivery) => {
      const now = new Date();
      const result = await attempt(delivery, settings, now);
      const outcome = await recordAttempt(db, delivery, result, settings, new Date());
      summary.attempted++;
      if (outcome === "delivered") summary.delivered++;
      else if (outcome === "retry") summary.retrying++;
      else summary.failed++;
    }),
  );
  return summary;
}

/**
 * Runs `sendDueWebhooks` every `pollMs` in this process (never two passes at once; a full batch
 * is followed at once by the next). The timer does not keep the process alive.
 * @returns a stop function.
 */
export function startWebhookSender(getDb: () => Promise<PrismaClient>, settings: SenderSettings & { pollMs: number }, onError: (error: unknown) => void): () => void {
  let running = false;
  let stopped = false;
  const pass = async () => {
    if (running || stopped) return;
    running = true;
    try {
      const db = await getDb();
      for (let i = 0; i < 50 && !stopped; i++) {
        const summary = await sendDueWebhooks(db, settings);
        if (summary.attempted < 20) break;
      }
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void pass(), settings.pollMs);
  timer.unref();
  void pass();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
