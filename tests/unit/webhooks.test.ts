/**
 * Webhooks on a real PGlite database with the real migrations (the outbox trigger included), sent
 * to a real local HTTP receiver that verifies every delivery with the `standardwebhooks` package
 * (tests/support/webhook-receiver.ts). The PostgreSQL leg with `next start` instances is
 * tests/integration/webhooks.test.ts.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase, type Database } from "@/lib/database/client";
import { applyMigrations } from "@/lib/database/migrations";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { recordDisproved, recordFailed, recordSettled, recordUnknown } from "@/lib/payments/mutations";
import { correctSettledTransaction } from "@/lib/settlement/mutations";
import { configuredEndpointId, createEndpoint, newWebhookSecret, pruneWebhookEvents, queueTestEvent, resendDelivery, rotateEndpointSecret, syncConfiguredEndpoints } from "@/lib/webhooks/mutations";
import { WEBHOOK_EVENT_TYPES, webhookUrlProblem } from "@/lib/webhooks/schema";
import { settlingPayment as claimSettling } from "../support/payments";
import { freePort } from "../support/ports";
import { startWebhookReceiver } from "../support/webhook-receiver";
import { MAX_RETRY_DELAY_MS, retryDelayMs, sendDueWebhooks, signatureHeader, type SenderSettings } from "@/lib/webhooks/sender";

const settings: SenderSettings = { retryBaseMs: 40, retryWindowMs: 60_000, timeoutMs: 5_000 };

let tmp: string;
let database: Database;
let db: PrismaClient;
let routeId: string;

/** A claimed payment moved to `settling` (tests/support/payments.ts). */
const settlingPayment = () => claimSettling(db, routeId);

/** Sends until nothing is due (deliveries retried later are waited for, up to `limitMs`). */
async function drain(limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    await sendDueWebhooks(db, settings);
    if ((await db.webhookDelivery.count({ where: { status: "pending" } })) === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("deliveries still pending");
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-webhooks-"));
  const target = { kind: "pglite" as const, dataDir: path.join(tmp, "db") };
  await applyMigrations(target);
  database = await openDatabase(target);
  db = database.prisma;
  routeId = (await db.pricedRoute.create({ data: { method: "GET", pathPattern: "/api/items/:id" } })).id;
});

afterAll(async () => {
  await database?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(async () => {
  await db.webhookEvent.deleteMany();
  await db.webhookEndpoint.deleteMany();
});

describe("the outbox (trigger on Payment)", () => {
  it("writes nothing while no endpoint subscribes", async () => {
    const id = await settlingPayment();
    await recordSettled(db, id, { transaction: "0xabc" });
    expect(await db.webhookEvent.count()).toBe(0);
  });

  it("writes one event per state change, typed by the change, with the payment's fields, and one delivery per subscribed endpoint", async () => {
    const all = await createEndpoint(db, { url: "http://127.0.0.1:9/a", description: "", events: [...WEBHOOK_EVENT_TYPES] });
    const settledOnly = await createEndpoint(db, { url: "http://127.0.0.1:9/b", description: "", events: ["payment.settled"] });
    await db.webhookEndpoint.create({ data: { url: "http://127.0.0.1:9/off", events: [...WEBHOOK_EVENT_TYPES], secret: newWebhookSecret(), enabled: false } });

    const settled = await settlingPayment();
    await recordSettled(db, settled, { transaction: "0xfeed", facilitator: "primary" }, { dropKeptResponse: true });
    const failed = await settlingPayment();
    await recordFailed(db, failed, { reason: "insufficient_funds" });
    const late = await settlingPayment();
    await recordUnknown(db, late, "facilitator_timeout");
    await recordSettled(db, late, { transaction: "0xlate" });
    // A repeated write of a final state changes nothing and tells nothing.
    await recordSettled(db, settled, { transaction: "0xfeed" });
    // The reconciler corrects a transaction the facilitator misnamed: told as reconciled, once.
    const misnamed = await settlingPayment();
    await recordSettled(db, misnamed, { transaction: "0xwrong" });
    expect(await correctSettledTransaction(db, misnamed, "0xwrong", "0xright")).toBe(true);
    expect(await correctSettledTransaction(db, misnamed, "0xwrong", "0xright")).toBe(false);
    // The reconciler's audit disproves two facilitator successes: one still usable (back to
    // unknown), one that never can move (failed). Subscribers who fulfilled hear of both.
    const reopened = await settlingPayment();
    await recordSettled(db, reopened, { transaction: "0xforged" });
    expect(await recordDisproved(db, reopened, "0xforged", { final: false, reason: "settlement_not_on_chain: reopened" })).toBe(true);
    const disproved = await settlingPayment();
    await recordSettled(db, disproved, { transaction: "0xforged2" });
    expect(await recordDisproved(db, disproved, "0xother", { final: true, reason: "settlement_not_on_chain: wrong" })).toBe(false); // only as it was read
    expect(await recordDisproved(db, disproved, "0xforged2", { final: true, reason: "settlement_not_on_chain: expired" })).toBe(true);

    const events = await db.webhookEvent.findMany({ include: { deliveries: true }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => [e.paymentId, e.type])).toEqual([
      [settled, "payment.settled"],
      [failed, "payment.failed"],
      [late, "payment.reconciled"],
      [misnamed, "payment.settled"],
      [misnamed, "payment.reconciled"],
      [reopened, "payment.settled"],
      [reopened, "payment.reconciled"],
      [disproved, "payment.settled"],
      [disproved, "payment.reconciled"],
    ]);
    expect(events[6]!.payload).toMatchObject({ data: { status: "unknown", transaction: null, settledAt: null, errorReason: "settlement_not_on_chain: reopened" } });
    expect(events[8]!.payload).toMatchObject({ data: { status: "failed", transaction: null, errorReason: "settlement_not_on_chain: expired" } });
    expect(events[4]!.payload).toMatchObject({ type: "payment.reconciled", data: { status: "settled", transaction: "0xright" } });
    for (const e of events) expect(e.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(events[0]!.deliveries.map((d) => d.endpointId).sort()).toEqual([all, settledOnly].sort());
    expect(events[1]!.deliveries.map((d) => d.endpointId)).toEqual([all]);
    expect(events[2]!.payload).toMatchObject({ type: "payment.reconciled", data: { status: "settled", transaction: "0xlate" } });
    expect(events[0]!.payload).toEqual({
      type: "payment.settled",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: {
        id: settled,
        status: "settled",
        route: { id: routeId, method: "GET", path: "/api/items/:id" },
        method: "GET",
        resource: expect.stringMatching(/^http:\/\/shop\.test\/api\/items\/\d+$/),
        scheme: "exact",
        network: "eip155:84532",
        asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        amount: "10000",
        payer: "0x1111111111111111111111111111111111111111",
        payTo: "0x2222222222222222222222222222222222222222",
        transaction: "0xfeed",
        errorReason: null,
        facilitator: "primary",
        x402Version: 2,
        createdAt: expect.stringMatching(/Z$/),
        settledAt: expect.stringMatching(/Z$/),
      },
    });
    // The event time is UTC whatever the zone (this suite runs in America/Los_Angeles).
    expect(Math.abs(Date.parse((events[0]!.payload as { timestamp: string }).timestamp) - Date.now())).toBeLessThan(60 * 60 * 1000);
    expect(events[1]!.payload).toMatchObject({ data: { status: "failed", errorReason: "insufficient_funds", transaction: null } });
  });

  it("tells of a payment whose route was deleted (route fields null), without failing the state change", async () => {
    await createEndpoint(db, { url: "http://127.0.0.1:9/a", description: "", events: [...WEBHOOK_EVENT_TYPES] });
    const id = await settlingPayment();
    await db.payment.update({ where: { id }, data: { routeId: null } });
    expect(await recordSettled(db, id, { transaction: "0xorphan" })).toBe(true);
    const event = await db.webhookEvent.findFirstOrThrow({ where: { paymentId: id } });
    expect(event.payload).toMatchObject({ data: { id, status: "settled", route: { id: null, method: null, path: null } } });
  });

  it("rolls back with the state change: an event is never written for a change that did not happen", async () => {
    await createEndpoint(db, { url: "http://127.0.0.1:9/a", description: "", events: [...WEBHOOK_EVENT_TYPES] });
    const id = await settlingPayment();
    await expect(
      db.$transaction(async (tx) => {
        await tx.payment.update({ where: { id }, data: { status: "settled", transaction: "0x1" } });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await db.webhookEvent.count()).toBe(0);
    expect((await db.payment.findUnique({ where: { id } }))?.status).toBe("settling");
  });
});

describe("delivery", () => {
  it("signs per Standard Webhooks: the receiver verifies each event, the id is the event's, once each", async () => {
    const secret = newWebhookSecret();
    const receiver = await startWebhookReceiver(() => [secret]);
    try {
      await syncConfiguredEndpoints(db, [{ url: receiver.url, secret, events: [...WEBHOOK_EVENT_TYPES], description: "" }]);
      const ids = [await settlingPayment(), await settlingPayment()];
      for (const id of ids) await recordSettled(db, id, { transaction: `0x${id}` });
      await drain();
      expect(receiver.received.map((r) => r.body.data.id).sort()).toEqual([...ids].sort());
      expect(receiver.received.every((r) => r.verifiedWith.length === 1 && r.type === "payment.settled")).toBe(true);
      const events = await db.webhookEvent.findMany();
      expect(receiver.received.map((r) => r.id).sort()).toEqual(events.map((e) => e.id).sort());
      const deliveries = await db.webhookDelivery.findMany({ include: { attemptLog: true } });
      expect(deliveries.every((d) => d.status === "delivered" && d.attempts === 1 && d.lastStatusCode === 200 && d.attemptLog.length === 1)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it("retries a receiver that is down with exponential backoff, then delivers once, and logs every attempt", async () => {
    const secret = newWebhookSecret();
    let failuresLeft = 3;
    const receiver = await startWebhookReceiver(() => [secret], () => (failuresLeft-- > 0 ? 503 : 200));
    try {
      await syncConfiguredEndpoints(db, [{ url: receiver.url, secret, events: ["payment.settled"], description: "" }]);
      const id = await settlingPayment();
      await recordSettled(db, id, { transaction: "0x1" });
      await drain();
      expect(receiver.received).toHaveLength(1);
      const delivery = await db.webhookDelivery.findFirstOrThrow({ include: { attemptLog: { orderBy: { attempt: "asc" } } } });
      expect(delivery).toMatchObject({ status: "delivered", attempts: 4, lastStatusCode: 200 });
      expect(delivery.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([
        [1, 503],
        [2, 503],
        [3, 503],
        [4, 200],
      ]);
      // Each wait at least the documented delay: base × 4^(n−1).
      for (let n = 1; n < 4; n++) {
        const gap = delivery.attemptLog[n]!.attemptedAt.getTime() - delivery.attemptLog[n - 1]!.attemptedAt.getTime();
        expect(gap).toBeGreaterThanOrEqual(retryDelayMs(n, settings.retryBaseMs));
      }
    } finally {
      await receiver.close();
    }
  });

  it("records a refused connection, a redirect (not followed) and a timeout as failed attempts, and gives up after the retry window", async () => {
    const redirect = http.createServer((_req, res) => res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" }).end());
    const silent = http.createServer(() => {}); // never answers
    await Promise.all([redirect, silent].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
    const port = (s: http.Server) => (s.address() as AddressInfo).port;
    try {
      const short: SenderSettings = { retryBaseMs: 10_000, retryWindowMs: 5_000, timeoutMs: 2_000 };
      const closed = `http://127.0.0.1:${await freePort()}/`; // nothing listens there
      for (const url of [`http://127.0.0.1:${port(redirect)}/`, `http://127.0.0.1:${port(silent)}/`, closed]) {
        await createEndpoint(db, { url, description: "", events: ["payment.failed"] });
      }
      const id = await settlingPayment();
      await recordFailed(db, id, { reason: "invalid_signature" });
      const summary = await sendDueWebhooks(db, short);
      expect(summary).toMatchObject({ attempted: 3, failed: 3 });
      const byUrl = Object.fromEntries(
        (await db.webhookDelivery.findMany({ include: { endpoint: true } })).map((d) => [d.endpoint.url, d]),
      );
      expect(byUrl[`http://127.0.0.1:${port(redirect)}/`]).toMatchObject({ status: "failed", lastStatusCode: 302 });
      expect(byUrl[`http://127.0.0.1:${port(silent)}/`]).toMatchObject({ status: "failed", lastStatusCode: null, lastError: "no answer within 2000 ms" });
      expect(byUrl[closed]).toMatchObject({ status: "failed", lastStatusCode: null, lastError: expect.stringContaining("ECONNREFUSED") });
    } finally {
      redirect.close();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("keeps deliveries verifiable through a secret rotation: both secrets sign during the grace, then only the new one", async () => {
    const id = await createEndpoint(db, { url: "http://127.0.0.1:9/", description: "", events: ["payment.settled"] });
    const old = (await db.webhookEndpoint.findUniqueOrThrow({ where: { id } })).secret;
    const rotated = await rotateEndpointSecret(db, id);
    expect(rotated).not.toBe(old);
    const receiver = await startWebhookReceiver(() => [old, rotated]);
    try {
      await db.webhookEndpoint.update({ where: { id }, data: { url: receiver.url } });
      await recordSettled(db, await settlingPayment(), { transaction: "0x1" });
      await drain();
      expect(receiver.received[0]!.verifiedWith.sort()).toEqual([old, rotated].sort());
      // After the grace only the new secret signs.
      await db.webhookEndpoint.update({ where: { id }, data: { previousSecretUntil: new Date(Date.now() - 1) } });
      await recordSettled(db, await settlingPayment(), { transaction: "0x2" });
      await drain();
      expect(receiver.received[1]!.verifiedWith).toEqual([rotated]);
    } finally {
      await receiver.close();
    }
  });

  it("delivers a test event to its endpoint only, and a resend sends the same message id again", async () => {
    const secret = newWebhookSecret();
    const receiver = await startWebhookReceiver(() => [secret]);
    try {
      await syncConfiguredEndpoints(db, [{ url: receiver.url, secret, events: ["payment.failed"], description: "" }]);
      const other = await createEndpoint(db, { url: "http://127.0.0.1:1/", description: "", events: [...WEBHOOK_EVENT_TYPES] });
      const eventId = await queueTestEvent(db, configuredEndpointId(receiver.url));
      await drain();
      expect(receiver.received.map((r) => [r.id, r.type])).toEqual([[eventId, "webhook.test"]]);
      expect(await db.webhookDelivery.count({ where: { endpointId: other } })).toBe(0);
      const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { eventId } });
      await resendDelivery(db, delivery.id, settings.retryWindowMs);
      await drain();
      expect(receiver.received.map((r) => r.id)).toEqual([eventId, eventId]);
      expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({ status: "delivered", attempts: 2 });
    } finally {
      await receiver.close();
    }
  });

  it("never sends one delivery twice when senders race (SKIP LOCKED claim)", async () => {
    const secret = newWebhookSecret();
    const receiver = await startWebhookReceiver(() => [secret]);
    try {
      await syncConfiguredEndpoints(db, [{ url: receiver.url, secret, events: ["payment.settled"], description: "" }]);
      for (let i = 0; i < 30; i++) await recordSettled(db, await settlingPayment(), { transaction: `0x${i}` });
      await Promise.all([1, 2, 3, 4].map(() => sendDueWebhooks(db, settings, 10)));
      await drain();
      expect(receiver.received).toHaveLength(30);
      expect(new Set(receiver.received.map((r) => r.id)).size).toBe(30);
    } finally {
      await receiver.close();
    }
  });
});

describe("the delivery log's retention", () => {
  it("prunes events older than the cut-off whose deliveries all ended, never one still pending", async () => {
    await createEndpoint(db, { url: "http://127.0.0.1:9/", description: "", events: [...WEBHOOK_EVENT_TYPES] });
    for (let i = 0; i < 3; i++) await recordSettled(db, await settlingPayment(), { transaction: `0x${i}` });
    const [done, failed, pending] = await db.webhookEvent.findMany({ orderBy: { createdAt: "asc" } });
    await db.webhookDelivery.updateMany({ where: { eventId: done!.id }, data: { status: "delivered" } });
    await db.webhookDelivery.updateMany({ where: { eventId: failed!.id }, data: { status: "failed" } });
    expect(await pruneWebhookEvents(db, new Date(Date.now() - 60_000))).toBe(0); // none old enough
    expect(await pruneWebhookEvents(db, new Date(Date.now() + 60_000))).toBe(2);
    expect((await db.webhookEvent.findMany()).map((e) => e.id)).toEqual([pending!.id]);
    expect(await db.webhookDelivery.count()).toBe(1);
  });
});

describe("configuration", () => {
  it("syncs WEBHOOK_ENDPOINTS: added, updated, removed, read-only ids stable per URL", async () => {
    const a = { url: "https://a.example/hooks", secret: newWebhookSecret(), events: ["payment.settled"], description: "A" };
    const b = { url: "https://b.example/hooks", secret: newWebhookSecret(), events: ["payment.failed"], description: "" };
    await syncConfiguredEndpoints(db, [a, b]);
    await syncConfiguredEndpoints(db, [{ ...a, events: ["payment.reconciled"] }]);
    const rows = await db.webhookEndpoint.findMany();
    expect(rows.map((r) => [r.id, r.source, r.events])).toEqual([[configuredEndpointId(a.url), "config", ["payment.reconciled"]]]);
  });

  /** env().webhooks read afresh with these variables set. */
  async function readWebhookEnv(variables: Record<string, string>) {
    vi.resetModules();
    for (const [k, v] of Object.entries(variables)) vi.stubEnv(k, v);
    try {
      return (await import("@/lib/env")).env().webhooks;
    } finally {
      vi.unstubAllEnvs();
    }
  }

  it("reads WEBHOOK_ENDPOINTS strictly and names what is wrong", async () => {
    const parse = (value: string, extra: Record<string, string> = {}) => readWebhookEnv({ WEBHOOK_ENDPOINTS: value, ...extra });
    const secret = newWebhookSecret();
    expect((await parse(JSON.stringify([{ url: "https://a.example/h", secret }]))).endpoints).toEqual([
      { url: "https://a.example/h", secret, events: [...WEBHOOK_EVENT_TYPES], description: "" },
    ]);
    await expect(parse("not json")).rejects.toThrow(/WEBHOOK_ENDPOINTS: must be JSON/);
    await expect(parse(JSON.stringify([{ url: "https://a.example/h", secret: "hunter2" }]))).rejects.toThrow(/WEBHOOK_ENDPOINTS\.0\.secret: must be "whsec_"/);
    await expect(parse(JSON.stringify([{ url: "https://a.example/h", secret: "whsec_c2hvcnQ=" }]))).rejects.toThrow(/24 to 64 bytes/);
    await expect(parse(JSON.stringify([{ url: "http://hooks.example/h", secret }]))).rejects.toThrow(/WEBHOOK_ENDPOINTS\.0\.url: must be https/);
    expect((await parse(JSON.stringify([{ url: "http://hooks.example/h", secret }]), { WEBHOOK_ALLOW_HTTP: "true" })).endpoints).toHaveLength(1);
    await expect(parse(JSON.stringify([{ url: "https://a.example/h", secret, events: ["payment.refunded"] }]))).rejects.toThrow(/WEBHOOK_ENDPOINTS\.0\.events\.0/);
    await expect(parse(JSON.stringify([{ url: "https://a.example/h", secret, extra: 1 }]))).rejects.toThrow(/WEBHOOK_ENDPOINTS/);
  });

  it("fuzz: any WEBHOOK_ENDPOINTS value is read into valid endpoints or refused naming the variable", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify([v]))), async (value) => {
        let webhooks;
        try {
          webhooks = await readWebhookEnv({ WEBHOOK_ENDPOINTS: value });
        } catch (error) {
          expect((error as Error).message).toMatch(/^Invalid Tollgate configuration:\n {2}WEBHOOK_ENDPOINTS/);
          return;
        }
        for (const e of webhooks.endpoints) expect(webhookUrlProblem(e.url, false)).toBeNull();
      }),
      { numRuns: 150 },
    );
  });

  it("accepts https URLs and loopback http, refuses everything else with a reason (fuzz)", () => {
    expect(webhookUrlProblem("https://hooks.example.com/x", false)).toBeNull();
    expect(webhookUrlProblem("http://localhost:8080/x", false)).toBeNull();
    expect(webhookUrlProblem("http://127.0.0.1:8080/x", false)).toBeNull();
    expect(webhookUrlProblem("http://10.0.0.5/x", false)).toMatch(/https/);
    expect(webhookUrlProblem("http://10.0.0.5/x", true)).toBeNull();
    expect(webhookUrlProblem("ftp://a.example/x", true)).toMatch(/https/);
    expect(webhookUrlProblem("https://user:pw@a.example/x", false)).toMatch(/user name/);
    expect(webhookUrlProblem("javascript:alert(1)", true)).toMatch(/https/);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl()), (url) => {
        const problem = webhookUrlProblem(url, false);
        if (problem === null) expect(["https:", "http:"]).toContain(new URL(url).protocol);
        else expect(problem.length).toBeGreaterThan(0);
      }),
    );
  });

  it("backs off exponentially: ×4 per attempt from the base, capped at 12 h", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 5_000))).toEqual([5_000, 20_000, 80_000, 320_000]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 10, max: 3_600_000 }), (n, base) => {
        const d = retryDelayMs(n, base);
        expect(d).toBeLessThanOrEqual(MAX_RETRY_DELAY_MS);
        expect(retryDelayMs(n + 1, base)).toBeGreaterThanOrEqual(d);
      }),
    );
  });
});

describe("the README's receiver example", () => {
  it("is the file tested here, and accepts a Tollgate delivery while refusing a tampered or unsigned one", async () => {
    const example = fs.readFileSync(path.resolve("tests/support/readme-webhook-receiver.ts"), "utf8");
    expect(fs.readFileSync(path.resolve("README.md"), "utf8")).toContain("```ts\n" + example + "```");
    const secret = newWebhookSecret();
    vi.stubEnv("TOLLGATE_WEBHOOK_SECRET", secret);
    const { POST } = await import("../support/readme-webhook-receiver");
    vi.unstubAllEnvs();
    const body = JSON.stringify({ type: "payment.settled", timestamp: new Date().toISOString(), data: { id: "p1", status: "settled", amount: "10000" } });
    const at = new Date();
    const headers = (sig: string) => ({ "webhook-id": "msg_1", "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": sig, "content-type": "application/json" });
    const signed = signatureHeader([secret], "msg_1", at, body);
    const post = (b: string, sig: string) => POST(new Request("http://receiver.test/hooks", { method: "POST", body: b, headers: headers(sig) }));
    expect((await post(body, signed)).status).toBe(200);
    expect((await post(body.replace("10000", "1"), signed)).status).toBe(400);
    expect((await post(body, signatureHeader([newWebhookSecret()], "msg_1", at, body))).status).toBe(400);
    // During a rotation the header carries both signatures: a receiver with either secret accepts.
    expect((await post(body, signatureHeader([newWebhookSecret(), secret], "msg_1", at, body))).status).toBe(200);
  });
});
