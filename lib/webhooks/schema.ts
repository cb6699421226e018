import { z } from "zod";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "@/lib/text";

/**
 * What a webhook endpoint can subscribe to. The payment's state change decides the type
 * (the trigger in prisma/migrations/*_webhooks):
 * - `payment.settled`: settled during the paid request (settling → settled);
 * - `payment.failed`: certainly not settled, decided during the paid request (settling → failed);
 * - `payment.reconciled`: a payment whose outcome was open (unknown, or abandoned by a stopped
 *   process) resolved later against the chain; `data.status` says settled or failed. Also a
 *   settled payment whose transaction the reconciler corrected from the chain (settled →
 *   settled, another `data.transaction`).
 */
export const WEBHOOK_EVENT_TYPES = ["payment.settled", "payment.failed", "payment.reconciled"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The dashboard's test event: sent to one endpoint only, whatever it subscribes to. */
export const WEBHOOK_TEST_EVENT = "webhook.test";

/**
 * A Standard Webhooks signing secret: "whsec_" + base64 of 24 to 64 random bytes
 * (standard-webhooks spec, "Signature scheme").
 */
export const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be "whsec_" followed by base64')
  .refine((s) => {
    const bytes = Buffer.from(s.slice("whsec_".length), "base64").length;
    return bytes >= 24 && bytes <= 64;
  }, "must encode 24 to 64 bytes");

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Why `url` cannot receive webhooks, or null. https only, except plain http to a loopback host
 * (local development) or anywhere when `allowHttp` (WEBHOOK_ALLOW_HTTP). No credentials in the URL.
 */
export function webhookUrlProblem(url: string, allowHttp: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be a URL such as https://example.com/webhooks/tollgate";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "must be an https:// URL";
  if (parsed.protocol === "http:" && !allowHttp && !LOOPBACK.has(parsed.hostname)) {
    return "must be https:// (plain http only to localhost, or with WEBHOOK_ALLOW_HTTP=true)";
  }
  if (parsed.username || parsed.password) return "must not carry a user name or password";
  if (parsed.hash) return "must not have a #fragment";
  return null;
}

/** The dashboard's endpoint form. */
export const endpointFormSchema = z.strictObject({
  url: z.string().trim().min(1, "Enter the URL that receives the events").max(2_000, "Too long (at most 2,000 characters)").refine((v) => isStorableText(v), UNSTORABLE_TEXT_MESSAGE),
  description: z.string().trim().max(200, "At most 200 characters").refine((v) => isStorableText(v), UNSTORABLE_TEXT_MESSAGE).default(""),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1, "Choose at least one event"),
});
export type EndpointForm = z.infer<typeof endpointFormSchema>;
