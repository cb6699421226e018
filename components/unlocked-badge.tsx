"use client";

import { useEffect, useState } from "react";
import { formatWhen, readReceipts } from "@/lib/paywall/receipts";

/** "Unlocked until …" when this browser holds a receipt for `path` whose access has not ended. */
export function UnlockedBadge({ path }: { path: string }) {
  const [until, setUntil] = useState<string | null>(null);
  useEffect(() => {
    const open = readReceipts().find((r) => r.path === path && Date.parse(r.accessUntil) > Date.now());
    setUntil(open?.accessUntil ?? null);
  }, [path]);
  if (!until) return null;
  return (
    <span className="rounded bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900" data-testid="unlocked-badge">
      Unlocked until {formatWhen(until)}
    </span>
  );
}
