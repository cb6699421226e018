"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { deleteRouteAction, setRouteEnabledAction } from "@/lib/routes/actions";

/** Enable/disable and delete buttons for one route row. */
export function RouteRowActions({ id, enabled, label }: { id: string; enabled: boolean; label: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState("");
  const run = (action: () => Promise<{ ok: boolean; message?: string }>) =>
    startTransition(async () => {
      const result = await action();
      if (!result.ok) setError(result.message ?? "Failed");
      else router.refresh();
    });
  return (
    <div className="flex flex-wrap items-center justify-end gap-2">
      <button
        type="button"
        disabled={pending}
        aria-label={`${enabled ? "Disable" : "Enable"} ${label}`}
        onClick={() => {
          // Leaving "charging" serves the route free to everyone: say so before doing it.
          if (enabled && !window.confirm(`Stop charging for ${label}? Until you enable it again, everyone gets it free.`)) return;
          run(() => setRouteEnabledAction(id, !enabled));
        }}
        className="rounded border border-stone-300 px-2 py-1 text-xs hover:bg-stone-100"
      >
        {enabled ? "Disable" : "Enable"}
      </button>
      <button
        type="button"
        disabled={pending}
        aria-label={`Delete ${label}`}
        onClick={() => {
          if (window.confirm(`Delete ${label}? Its recorded payments stay.`)) run(() => deleteRouteAction(id));
        }}
        className="rounded border border-red-300 px-2 py-1 text-xs text-red-800 hover:bg-red-50"
      >
        Delete
      </button>
      {error && <span role="alert" className="text-xs text-red-800">{error}</span>}
    </div>
  );
}
