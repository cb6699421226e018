"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import { CopyButton } from "@/components/ui/copy-button";
import { deleteEndpointAction, resendDeliveryAction, rotateSecretAction, sendTestEventAction, setEndpointEnabledAction } from "@/lib/webhooks/actions";

const button = "rounded border border-stone-300 bg-white px-3 py-1.5 text-sm hover:bg-stone-100 disabled:opacity-60";

function useAction() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const run = (action: () => Promise<{ ok: boolean; message?: string }>, done?: string, after?: () => void) =>
    startTransition(async () => {
      const result = await action();
      setMessage(result.ok ? (done ? { ok: true, text: done } : null) : { ok: false, text: result.message ?? "Failed" });
      if (result.ok) (after ?? router.refresh)();
    });
  return { pending, message, run, router };
}

function Message({ message }: { message: { ok: boolean; text: string } | null }) {
  if (!message) return null;
  return (
    <span role={message.ok ? "status" : "alert"} className={`text-sm ${message.ok ? "text-emerald-800" : "text-red-800"}`}>
      {message.text}
    </span>
  );
}

/** The signing secret, hidden until asked for, with a copy button. */
export function WebhookSecret({ secret, previousUntil }: { secret: string; previousUntil: string | null }) {
  const [shown, setShown] = useState(false);
  return (
    <div>
      <div className="flex flex-wrap items-center gap-2">
        <code className="break-all rounded bg-stone-100 px-2 py-1 text-sm" data-testid="webhook-secret">
          {shown ? secret : "whsec_••••••••••••••••••••••••"}
        </code>
        <button type="button" className={button} onClick={() => setShown(!shown)}>
          {shown ? "Hide" : "Reveal"}
        </button>
        <CopyButton value={secret} what="signing secret" className={button} />
      </div>
      {previousUntil && <p className="mt-1 text-xs text-stone-600">The previous secret also signs deliveries until {previousUntil} (UTC), so receivers can switch over.</p>}
    </div>
  );
}

/** Send test event, rotate secret, enable/disable and delete for one endpoint (the last three for dashboard endpoints only). */
export function WebhookEndpointActions({ id, enabled, editable }: { id: string; enabled: boolean; editable: boolean }) {
  const { pending, message, run, router } = useAction();
  return (
    <div className="flex flex-wrap items-center gap-2">
      <button type="button" className={button} disabled={pending} onClick={() => run(() => sendTestEventAction(id), "Test event queued: see the delivery log below")}>
        Send test event
      </button>
      {editable && (
        <>
          <button
            type="button"
            className={button}
            disabled={pending}
            onClick={() => {
              if (window.confirm("Rotate the signing secret? The old one keeps signing deliveries for 24 hours, alongside the new one.")) run(() => rotateSecretAction(id), "Secret rotated");
            }}
          >
            Rotate secret
          </button>
          <button
            type="button"
            className={button}
            disabled={pending}
            onClick={() => {
              if (!enabled || window.confirm("Disable this endpoint? It gets no new events until enabled again; queued deliveries wait.")) run(() => setEndpointEnabledAction(id, !enabled));
            }}
          >
            {enabled ? "Disable" : "Enable"}
          </button>
          <button
            type="button"
            className="rounded border border-red-300 bg-white px-3 py-1.5 text-sm text-red-800 hover:bg-red-50 disabled:opacity-60"
            disabled={pending}
            onClick={() => {
              if (window.confirm("Delete this endpoint and its delivery log?")) run(() => deleteEndpointAction(id), undefined, () => router.push("/dashboard/webhooks"));
            }}
          >
            Delete
          </button>
        </>
      )}
      <Message message={message} />
    </div>
  );
}

/** Sends one delivery again. */
export function ResendButton({ endpointId, deliveryId, label }: { endpointId: string; deliveryId: string; label: string }) {
  const { pending, message, run } = useAction();
  return (
    <span className="inline-flex items-center gap-2">
      <button type="button" className="rounded border border-stone-300 px-2 py-0.5 text-xs hover:bg-stone-100" disabled={pending} aria-label={`Resend ${label}`} onClick={() => run(() => resendDeliveryAction(endpointId, deliveryId), "Queued")}>
        Resend
      </button>
      <Message message={message} />
    </span>
  );
}

/** Refreshes the page every few seconds while deliveries are still on their way. */
export function RefreshWhilePending({ pending }: { pending: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => router.refresh(), 2_000);
    return () => clearInterval(timer);
  }, [pending, router]);
  return null;
}
