import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { TollgateError } from "@/lib/errors";
import { WEBHOOK_TEST_EVENT, type WebhookEventType } from "./schema";

/** How long a rotated-out secret still signs deliveries (alongside the new one), in ms. */
export const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

/** A new Standard Webhooks secret: "whsec_" + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** A new Standard Webhooks message id ("msg_" + 32 hex digits), as the outbox trigger makes them. */
export function newMessageId(): string {
  return `msg_${randomUUID().replaceAll("-", "")}`;
}

/** A configured endpoint's id: stable across restarts and instances for one URL. */
export function configuredEndpointId(url: string): string {
  return `cfg_${createHash("sha256").update(url).digest("hex").slice(0, 20)}`;
}

/** Adds a dashboard endpoint with a fresh secret. @returns its id. */
export async function createEndpoint(db: PrismaClient, input: { url: string; description: string; events: WebhookEventType[] }): Promise<string> {
  const row = await db.webhookEndpoint.create({ data: { ...input, secret: newWebhookSecret(), source: "dashboard" }, select: { id: true } });
  return row.id;
}

/**
 * Changes a dashboard endpoint's URL, description and events.
 * @throws TollgateError not_found for a missing or configured (read-only) endpoint.
 */
export async function updateEndpoint(db: PrismaClient, id: string, input: { url: string; description: string; events: WebhookEventType[] }): Promise<void> {
  const { count } = await db.webhookEndpoint.updateMany({ where: { id, source: "dashboard" }, data: input });
  if (count !== 1) throw new TollgateError("not_found", "No such webhook endpoint (endpoints from WEBHOOK_ENDPOINTS change in configuration)");
}

/** Turns a dashboard endpoint on or off. An endpoint that is off gets no new events; its queued deliveries wait. */
export async function setEndpointEnabled(db: PrismaClient, id: string, enabled: boolean): Promise<void> {
  const { count } = await db.webhookEndpoint.updateMany({ where: { id, source: "dashboard" }, data: { enabled } });
  if (count !== 1) throw new TollgateError("not_found", "No such webhook endpoint (endpoints from WEBHOOK_ENDPOINTS change in configuration)");
}

/** Deletes a dashboard endpoint with its delivery log. */
export async function deleteEndpoint(db: PrismaClient, id: string): Promise<void> {
  const { count } = await db.webhookEndpoint.deleteMany({ where: { id, source: "dashboard" } });
  if (count !== 1) throw new TollgateError("not_found", "No such webhook endpoint (endpoints from WEBHOOK_ENDPOINTS change in configuration)");
}

/**
 * Gives a dashboard endpoint a new secret. For `ROTATION_GRACE_MS` every delivery carries a
 * signature with the old secret too (Standard Webhooks allows several, space-separated), so a
 * receiver keeps verifying while its configuration is updated.
 * @returns the new secret.
 */
export async function rotateEndpointSecret(db: PrismaClient, id: string, now = new Date()): Promise<string> {
  const secret = newWebhookSecret();
  return db.$transaction(async (tx) => {
    const current = await tx.webhookEndpoint.findFirst({ where: { id, source: "dashboard" }, select: { secret: true } });
    if (!current) throw new TollgateError("not_found", "No such webhook endpoint (endpoints from WEBHOOK_ENDPOINTS change in configuration)");
    await tx.webhookEndpoint.update({ where: { id }, data: { secret, previousSecret: current.secret, previousSecretUntil: new Date(now.getTime() + ROTATION_GRACE_MS) } });
    return secret;
  });
}

/**
 * Makes the endpoints of WEBHOOK_ENDPOINTS rows (source "config", id from the URL): new ones are
 * added, changed ones updated, ones no longer configured removed. Every instance should carry the
 * same WEBHOOK_ENDPOINTS.
 */
export async function syncConfiguredEndpoints(db: PrismaClient, endpoints: { url: string; secret: string; events: string[]; description: string }[]): Promise<void> {
  const ids = endpoints.map((e) => configuredEndpointId(e.url));
  await db.$transaction([
    db.webhookEndpoint.deleteMany({ where: { source: "config", id: { notIn: ids } } }),
    ...endpoints.map((e, i) =>
      db.webhookEndpoint.upsert({
        where: { id: ids[i] },
        create: { id: ids[i], url: e.url, secret: e.secret, events: e.events, description: e.description, source: "config" },
        update: { url: e.url, secret: e.secret, events: e.events, description: e.description, source: "config", enabled: true },
      }),
    ),
  ]);
}

/**
 * Queues a `webhook.test` event for one endpoint (whatever it subscribes to), delivered and
 * retried like any other.
 * @returns the event id.
 * @throws TollgateError not_found for a missing endpoint.
 */
export async function queueTestEvent(db: PrismaClient, endpointId: string, now = new Date()): Promise<string> {
  const endpoint = await db.webhookEndpoint.findUnique({ where: { id: endpointId }, select: { id: true } });
  if (!endpoint) throw new TollgateError("not_found", "No such webhook endpoint");
  const id = newMessageId();
  await db.webhookEvent.create({
    data: {
      id,
      type: WEBHOOK_TEST_EVENT,
      payload: { type: WEBHOOK_TEST_EVENT, timestamp: now.toISOString(), data: { endpointId, message: "A test event from the Tollgate dashboard." } },
      createdAt: now,
      deliveries: { create: { endpointId, nextAttemptAt: now, createdAt: now } },
    },
  });
  return id;
}

/**
 * Sends a delivery again now (same message id, so a receiver that already has it can tell),
 * retried from here for another retry window if it fails.
 * @throws TollgateError not_found for a missing delivery.
 */
export async function resendDelivery(db: PrismaClient, deliveryId: string, retryWindowMs: number, now = new Date()): Promise<void> {
  const { count } = await db.webhookDelivery.updateMany({
    where: { id: deliveryId },
    data: { status: "pending", nextAttemptAt: now, retryUntil: new Date(now.getTime() + retryWindowMs), lockedUntil: null },
  });
  if (count !== 1) throw new TollgateError("not_found", "No such delivery");
}

/** How long the delivery log keeps an event whose deliveries all ended, in ms. */
export const WEBHOOK_LOG_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Deletes events (with their deliveries and attempts) created before `olderThan` whose deliveries
 * all ended (delivered or failed): the delivery log keeps 30 days. Pending ones stay whatever their age.
 * @returns how many events were deleted.
 */
export async function pruneWebhookEvents(db: PrismaClient, olderThan: Date): Promise<number> {
  const { count } = await db.webhookEvent.deleteMany({ where: { createdAt: { lt: olderThan }, deliveries: { none: { status: "pending" } } } });
  return count;
}
