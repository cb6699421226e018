"use server";

import { revalidatePath } from "next/cache";
import { requireMerchant } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { actionFailure, invalidForm, actionId, type ActionResult } from "@/lib/action-result";
import { createEndpoint, deleteEndpoint, queueTestEvent, resendDelivery, rotateEndpointSecret, setEndpointEnabled, updateEndpoint } from "./mutations";
import { endpointFormSchema, webhookUrlProblem } from "./schema";

function changed(id?: string) {
  revalidatePath("/dashboard/webhooks");
  if (id) revalidatePath(`/dashboard/webhooks/${id}`);
}

/** Adds (id null) or changes a dashboard webhook endpoint from its form. */
export async function saveEndpointAction(id: string | null, form: unknown): Promise<ActionResult> {
  try {
    await requireMerchant();
    const parsed = endpointFormSchema.safeParse(form);
    if (!parsed.success) {
      return invalidForm(parsed.error);
    }
    const problem = webhookUrlProblem(parsed.data.url, env().webhooks.allowHttp);
    if (problem) return { ok: false, code: "bad_request", message: "Some fields need attention", fieldErrors: { url: `The URL ${problem}` } };
    const db = await getDb();
    const savedId = id !== null ? (await updateEndpoint(db, actionId(id), parsed.data), id) : await createEndpoint(db, parsed.data);
    changed(savedId);
    return { ok: true, id: savedId };
  } catch (error) {
    return actionFailure(error, "webhook action");
  }
}

/** Turns a dashboard endpoint on or off. */
export async function setEndpointEnabledAction(id: string, enabled: boolean): Promise<ActionResult> {
  try {
    await requireMerchant();
    await setEndpointEnabled(await getDb(), actionId(id), enabled === true);
    changed(id);
    return { ok: true, id };
  } catch (error) {
    return actionFailure(error, "webhook action");
  }
}

/** Deletes a dashboard endpoint and its delivery log. */
export async function deleteEndpointAction(id: string): Promise<ActionResult> {
  try {
    await requireMerchant();
    await deleteEndpoint(await getDb(), actionId(id));
    changed();
    return { ok: true };
  } catch (error) {
    return actionFailure(error, "webhook action");
  }
}

/** Gives a dashboard endpoint a new secret (the old one keeps signing for 24 h). */
export async function rotateSecretAction(id: string): Promise<ActionResult> {
  try {
    await requireMerchant();
    await rotateEndpointSecret(await getDb(), actionId(id));
    changed(id);
    return { ok: true, id };
  } catch (error) {
    return actionFailure(error, "webhook action");
  }
}

/** Queues a `webhook.test` event for one endpoint. */
export async function sendTestEventAction(id: string): Promise<ActionResult> {
  try {
    await requireMerchant();
    const eventId = await queueTestEvent(await getDb(), actionId(id));
    changed(id);
    return { ok: true, id: eventId };
  } catch (error) {
    return actionFailure(error, "webhook action");
  }
}

/** Sends one delivery again now. */
export async function resendDeliveryAction(endpointId: string, deliveryId: string): Promise<ActionResult> {
  try {
    await requireMerchant();
    await resendDelivery(await getDb(), actionId(deliveryId), env().webhooks.retryWindowMs);
    changed(actionId(endpointId));
    return { ok: true, id: deliveryId };
  } catch (error) {
    return actionFailure(error, "webhook action");
  }
}
