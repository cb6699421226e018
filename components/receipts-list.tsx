"use client";

import { useEffect, useState } from "react";
import { formatWhen, readReceipts, type Receipt } from "@/lib/paywall/receipts";

/** The receipts kept in this browser, newest first, with whether each page is still open. */
export function ReceiptsList() {
  const [receipts, setReceipts] = useState<Receipt[] | null>(null);
  useEffect(() => setReceipts(readReceipts()), []);
  if (receipts === null) return <p className="mt-6 text-stone-600">Loading…</p>;
  if (receipts.length === 0) return <p className="mt-6 text-stone-600">No payments from this browser yet.</p>;
  const now = Date.now();
  return (
    <ul className="mt-6 space-y-3" data-testid="receipts">
      {receipts.map((r, i) => {
        const open = Date.parse(r.accessUntil) > now;
        return (
          <li key={`${r.transaction}-${i}`} className="rounded-lg border border-stone-200 bg-white p-4" data-testid="receipt">
            <div className="flex flex-wrap items-baseline gap-x-3">
              <a href={r.path} className="font-semibold text-amber-800 underline">
                {r.title}
              </a>
              <span className={open ? "text-sm text-emerald-800" : "text-sm text-stone-600"}>{open ? `open until ${formatWhen(r.accessUntil)}` : `access ended ${formatWhen(r.accessUntil)}`}</span>
            </div>
            <p className="mt-1 text-sm text-stone-700">
              {r.price} on {r.networkName}
              {r.store && ` to ${r.store}`} · paid {formatWhen(r.paidAt)}
            </p>
            {r.transaction && (
              <p className="mt-1 break-all font-mono text-xs text-stone-600">
                {r.explorerUrl ? (
                  <a className="underline" href={r.explorerUrl} rel="noreferrer" target="_blank">
                    {r.transaction}
                  </a>
                ) : (
                  r.transaction
                )}
              </p>
            )}
            {r.signedReceipt && (
              <p className="mt-2 text-sm text-stone-700">
                <a
                  className="font-medium text-amber-800 underline"
                  download={`receipt-${r.path.split("/").filter(Boolean).join("-") || "page"}-${r.paidAt.slice(0, 10)}.json`}
                  href={`data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(r.signedReceipt, null, 2))}`}
                >
                  Download signed receipt
                </a>{" "}
                <span className="text-stone-600">— the store&apos;s signed proof of this purchase, which anyone can check.</span>
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
