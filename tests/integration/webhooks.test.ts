/**
 * Signed webhooks (issue 10) as a merchant runs them: two `next start` instances of the built app
 * on one PostgreSQL, the devnet chain and facilitator, buyers paying with the official client, and
 * a real receiver verifying every delivery with `standardwebhooks`. The endpoint is declared in
 * WEBHOOK_ENDPOINTS; short retry delays (WEBHOOK_RETRY_BASE_MS) keep the retry schedule testable.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newWebhookSecret } from "@/lib/webhooks/mutations";
import { retryDelayMs } from "@/lib/webhooks/sender";
import { startNext, type NextServer } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { findPostgresBin } from "../support/postgres";
import { sessionCookie } from "../support/session";
import { startPostgresStack, type Stack } from "../support/stack";
import { startWebhookReceiver } from "../support/webhook-receiver";

const pgBin = findPostgresBin();
if (!pgBin && process.env.CI === "true") throw new Error("CI=true: the webhook tests need PostgreSQL binaries (install postgresql)");

const RETRY_BASE_MS = 300;

/** Waits for `check` to hold (polling), failing with `what` after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 45_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!pgBin)("signed webhooks from two instances on one PostgreSQL", () => {
  const secret = newWebhookSecret();
  let receiverUp = true;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let stack: Stack;
  let second: NextServer;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(() => [secret], () => (receiverUp ? 200 : 503));
    stack = await startPostgresStack(pgBin!, async () => ({
      AUTH_SECRET: "integration-webhooks-secret-0123456789abc",
      WEBHOOK_ENDPOINTS: JSON.stringify([{ url: receiver.url, secret, description: "integration receiver" }]),
      WEBHOOK_RETRY_BASE_MS: String(RETRY_BASE_MS),
      WEBHOOK_POLL_MS: "100",
    }));
    second = await startNext({ mode: "start", port: await freePort(), env: stack.env });
  });

  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
    await receiver?.close();
  });

  const settledRowsOf = (payer: string) => stack.db.prisma.payment.findMany({ where: { payer: { equals: payer, mode: "insensitive" }, status: "settled" } });

  it("tells the receiver of a settled payment with a verifiable signature and the payment's fields", async () => {
    const res = await stack.pay(0);
    expect(res.status).toBe(200);
    const [row] = await settledRowsOf(stack.buyer(0).address);
    await until(() => receiver.received.some((r) => r.body.data?.id === row!.id), "the payment.settled delivery");
    const got = receiver.received.find((r) => r.body.data?.id === row!.id)!;
    expect(got.verifiedWith).toEqual([secret]);
    expect(got.type).toBe("payment.settled");
    expect(got.body.data).toMatchObject({
      status: "settled",
      route: { method: "GET", path: "/api/demo/quote" },
      network: row!.network,
      asset: row!.asset,
      amount: "10000",
      payTo: row!.payTo,
      transaction: row!.transaction,
    });
    expect(got.body.data.payer.toLowerCase()).toBe(stack.buyer(0).address.toLowerCase());
    const event = await stack.db.prisma.webhookEvent.findFirstOrThrow({ where: { paymentId: row!.id } });
    expect(got.id).toBe(event.id);
  });

  it("keeps retrying while the receiver is down, on the documented schedule, then delivers every event once; neither instance sends one twice", async () => {
    receiverUp = false;
    const before = receiver.requests.length;
    // Payments through both instances while the receiver answers 503.
    const paid = await Promise.all([stack.pay(1), stack.pay(2, second.url), stack.pay(3), stack.pay(4, second.url)]);
    expect(paid.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const rows = (await Promise.all([1, 2, 3, 4].map((i) => settledRowsOf(stack.buyer(i).address)))).flat();
    expect(rows).toHaveLength(4);
    const events = await stack.db.prisma.webhookEvent.findMany({ where: { paymentId: { in: rows.map((r) => r.id) } } });
    expect(events).toHaveLength(4);
    // Each delivery has failed at least three times before the receiver comes back.
    await until(
      async () => (await stack.db.prisma.webhookDelivery.findMany({ where: { eventId: { in: events.map((e) => e.id) } } })).every((d) => d.attempts >= 3),
      "three failed attempts per delivery",
    );
    receiverUp = true;
    await until(() => events.every((e) => receiver.received.some((r) => r.id === e.id)), "every event delivered once the receiver is up");
    // Let any straggler attempt show itself before counting.
    await until(async () => (await stack.db.prisma.webhookDelivery.count({ where: { status: "pending" } })) === 0, "no delivery pending");

    for (const e of events) {
      const posts = receiver.requests.slice(before).filter((r) => r.id === e.id);
      // Once delivered per id, never again; every attempt signed and verifiable.
      expect(posts.filter((p) => p.status === 200)).toHaveLength(1);
      expect(posts.every((p) => p.verifiedWith.length === 1)).toBe(true);
      // One attempt at a time per delivery, each wait at least the documented delay.
      const attempts = await stack.db.prisma.webhookAttempt.findMany({ where: { delivery: { eventId: e.id } }, orderBy: { attempt: "asc" } });
      expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
      expect(posts).toHaveLength(attempts.length);
      for (let n = 1; n < attempts.length; n++) {
        expect(attempts[n]!.attemptedAt.getTime() - attempts[n - 1]!.attemptedAt.getTime()).toBeGreaterThanOrEqual(retryDelayMs(n, RETRY_BASE_MS));
      }
      expect(attempts.at(-1)!.statusCode).toBe(200);
      expect(attempts.slice(0, -1).every((a) => a.statusCode === 503)).toBe(true);
    }
  });

  it("shows the configured endpoint read-only in the dashboard, with its delivery log", async () => {
    const cookie = await sessionCookie(stack.env.AUTH_SECRET!, stack.devnet.config.payTo, stack.app.url);
    const list = await (await fetch(`${stack.app.url}/dashboard/webhooks`, { headers: { cookie } })).text();
    expect(list).toContain(receiver.url);
    expect(list).toContain("from WEBHOOK_ENDPOINTS (read-only)");
    const id = /\/dashboard\/webhooks\/(cfg_[0-9a-f]+)"/.exec(list)?.[1];
    expect(id).toBeTruthy();
    const detail = await (await fetch(`${stack.app.url}/dashboard/webhooks/${id}`, { headers: { cookie } })).text();
    expect(detail).toContain("declared in WEBHOOK_ENDPOINTS: change it in configuration");
    expect(detail).toContain("Send test event");
    for (const button of ["Rotate secret", "Delete", "Edit URL"]) expect(detail).not.toContain(button);
    expect(detail).toContain("payment.settled");
  });

  it("survives a restart: events queued while both instances are stopped go out when one starts again, with no request", async () => {
    receiverUp = false;
    const earlier = new Set((await settledRowsOf(stack.buyer(0).address)).map((r) => r.id));
    expect((await stack.pay(0)).status).toBe(200);
    const row = (await settledRowsOf(stack.buyer(0).address)).find((r) => !earlier.has(r.id));
    const event = await stack.db.prisma.webhookEvent.findFirstOrThrow({ where: { paymentId: row!.id } });
    await until(async () => (await stack.db.prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: event.id } })).attempts >= 1, "a failed attempt");
    await second.stop();
    await stack.app.stop();
    receiverUp = true;
    // Ready once it listens: no request reaches the app's code, the sender starts with the server.
    second = await startNext({ mode: "start", port: await freePort(), env: stack.env, probe: "listening" });
    await until(() => receiver.received.some((r) => r.id === event.id), "delivery after the restart");
  });
});
