"use client";

import { useState } from "react";

const ITEMS = ["402 and paid responses are not cached", "Server clock is synchronized", "Replays are refused", "Failed renders are not charged", "Wallet errors read as sentences"];

/** Interactive: a hardening checklist. Works only once the page has hydrated. */
export function Checklist() {
  const [done, setDone] = useState<boolean[]>(() => ITEMS.map(() => false));
  return (
    <section aria-labelledby="checklist-title" className="my-8 rounded-xl border border-emerald-200 bg-emerald-50 p-5">
      <h2 id="checklist-title" className="font-semibold">
        Hardening checklist <span data-testid="checklist-count">({done.filter(Boolean).length} of {ITEMS.length} done)</span>
      </h2>
      <ul className="mt-3 space-y-2">
        {ITEMS.map((item, i) => (
          <li key={item}>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={done[i]} onChange={() => setDone((d) => d.map((v, j) => (j === i ? !v : v)))} />
              {item}
            </label>
          </li>
        ))}
      </ul>
    </section>
  );
}
