"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { deleteRouteAction, setRouteStateAction } from "@/lib/routes/actions";
import { ROUTE_STATE_COPY, ROUTE_STATES, type RouteStateName } from "@/lib/routes/schema";

/**
 * Whether the merchant really means to move `label` from `from` to `to`: asked whenever buyers
 * would stop paying (leaving charging) or stop being served (blocking), naming the consequence.
 */
export function confirmStateChange(label: string, from: RouteStateName, to: RouteStateName): boolean {
  if (from === to || to === "charging") return true;
  const verb = to === "free" ? "Make" : "Block";
  const question = to === "free" ? `${verb} ${label} free?` : `${verb} ${label}?`;
  return window.confirm(`${question} Until you change it back, ${ROUTE_STATE_COPY[to].consequence}.`);
}

const ACTION_LABEL: Record<RouteStateName, string> = { charging: "Charge", free: "Make free", blocked: "Block" };

/** State buttons (charge / make free / block) and delete for one route row. */
export function RouteRowActions({ id, state, label, align = "end" }: { id: string; state: RouteStateName; label: string; align?: "start" | "end" }) {
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
    <div className={`flex flex-wrap items-center gap-2 ${align === "end" ? "justify-end" : "justify-start"}`}>
      {ROUTE_STATES.filter((s) => s !== state).map((to) => (
        <button
          key={to}
          type="button"
          disabled={pending}
          aria-label={`${ACTION_LABEL[to]} ${label}`}
          onClick={() => {
            if (confirmStateChange(label, state, to)) run(() => setRouteStateAction(id, to));
          }}
          className="rounded border border-stone-300 px-2 py-1 text-xs hover:bg-stone-100"
        >
          {ACTION_LABEL[to]}
        </button>
      ))}
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
