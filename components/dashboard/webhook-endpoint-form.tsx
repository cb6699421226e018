"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { saveEndpointAction } from "@/lib/webhooks/actions";
import { WEBHOOK_EVENT_TYPES, type EndpointForm, type WebhookEventType } from "@/lib/webhooks/schema";

const field = "mt-1 w-full rounded border border-stone-300 bg-white px-2 py-1.5 text-sm";
const label = "block text-xs font-medium text-stone-600";

/** What each event means, in the merchant's words. */
export const EVENT_HELP: Record<WebhookEventType, string> = {
  "payment.settled": "a payment settled on chain during the buyer's request",
  "payment.failed": "a payment certainly did not go through (the money did not move)",
  "payment.reconciled": "a payment whose outcome was unknown was resolved later against the chain (settled or failed)",
};

/** Adds (id null) or edits a webhook endpoint: URL, description, events. */
export function WebhookEndpointForm({ id, initial }: { id: string | null; initial?: EndpointForm }) {
  const router = useRouter();
  const [form, setForm] = useState<EndpointForm>(initial ?? { url: "", description: "", events: [...WEBHOOK_EVENT_TYPES] });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState("");
  const [pending, startTransition] = useTransition();

  return (
    <form
      className="space-y-4 rounded-xl border border-stone-200 bg-white p-4"
      aria-label={id ? "Edit endpoint" : "Add endpoint"}
      onSubmit={(e) => {
        e.preventDefault();
        setMessage("");
        startTransition(async () => {
          const result = await saveEndpointAction(id, form);
          if (!result.ok) {
            setErrors(result.fieldErrors ?? {});
            setMessage(result.message);
            return;
          }
          setErrors({});
          if (!id) router.push(`/dashboard/webhooks/${result.id}`);
          router.refresh();
        });
      }}
    >
      <label className={label}>
        Endpoint URL
        <input
          className={`${field} font-mono`}
          type="url"
          required
          value={form.url}
          onChange={(e) => setForm({ ...form, url: e.target.value })}
          placeholder="https://example.com/webhooks/tollgate"
          aria-invalid={Boolean(errors.url)}
          aria-describedby={errors.url ? "endpoint-url-error" : undefined}
        />
      </label>
      {errors.url && (
        <p id="endpoint-url-error" className="text-xs text-red-800">
          {errors.url}
        </p>
      )}
      <label className={label}>
        Description (optional)
        <input className={field} value={form.description} maxLength={200} onChange={(e) => setForm({ ...form, description: e.target.value })} placeholder="Order fulfilment" />
      </label>
      <fieldset>
        <legend className={label}>Events</legend>
        <div className="mt-1 space-y-1">
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type} className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                className="mt-1"
                checked={form.events.includes(type)}
                onChange={(e) => setForm({ ...form, events: e.target.checked ? [...form.events, type] : form.events.filter((t) => t !== type) })}
              />
              <span>
                <span className="font-mono">{type}</span> <span className="text-stone-600">— {EVENT_HELP[type]}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.events && <p className="mt-1 text-xs text-red-800">{errors.events}</p>}
      </fieldset>
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} className="rounded-lg bg-stone-900 px-4 py-2 text-sm font-semibold text-white disabled:opacity-60">
          {id ? "Save endpoint" : "Add endpoint"}
        </button>
        {message && (
          <span role="alert" className="text-sm text-red-800">
            {message}
          </span>
        )}
      </div>
    </form>
  );
}
