"use client";

import { useState } from "react";

/** Interactive: monthly cost of per-request pricing. Works only once the page has hydrated. */
export function CostCalculator() {
  const [requests, setRequests] = useState(100);
  const [cents, setCents] = useState(2);
  const total = (requests * cents) / 100;
  return (
    <section aria-labelledby="calc-title" className="my-8 rounded-xl border border-amber-200 bg-amber-50 p-5">
      <h2 id="calc-title" className="font-semibold">
        Cost calculator
      </h2>
      <div className="mt-3 flex flex-wrap items-center gap-3">
        <label className="flex items-center gap-2 text-sm">
          Requests a month
          <input
            type="number"
            min={0}
            value={requests}
            onChange={(e) => setRequests(Math.max(0, Number(e.target.value) || 0))}
            className="w-28 rounded border border-stone-300 bg-white px-2 py-1"
          />
        </label>
        <label className="flex items-center gap-2 text-sm">
          Price in cents
          <input
            type="number"
            min={0}
            value={cents}
            onChange={(e) => setCents(Math.max(0, Number(e.target.value) || 0))}
            className="w-20 rounded border border-stone-300 bg-white px-2 py-1"
          />
        </label>
        <button type="button" onClick={() => setRequests((r) => r + 100)} className="rounded bg-stone-900 px-3 py-1 text-sm text-white">
          +100 requests
        </button>
      </div>
      <p className="mt-3 text-lg" data-testid="calc-total">
        Total: <strong>${total.toFixed(2)}</strong> a month
      </p>
    </section>
  );
}
