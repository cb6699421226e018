"use client";

import { useEffect, useState } from "react";
import { formatWhen, takeJustPaid, type Receipt } from "@/lib/paywall/receipts";

/** After a payment, on the page just bought: what was paid, the transaction, and until when the page stays open. */
export function ReceiptBanner() {
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  useEffect(() => setReceipt(takeJustPaid(window.location.pathname)), []);
  if (!receipt) return null;
  const tx = receipt.transaction ? `${receipt.transaction.slice(0, 8)}…${receipt.transaction.slice(-6)}` : null;
  return (
    <div role="status" className="border-b border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-950" data-testid="receipt-banner">
      <div className="mx-auto flex max-w-3xl flex-wrap items-center gap-x-4 gap-y-1">
        <span>
          <strong>Paid {receipt.price}</strong> on {receipt.networkName}
          {receipt.store && <> to {receipt.store}</>}
        </span>
        {tx && (
          <span>
            Transaction{" "}
            {receipt.explorerUrl ? (
              <a className="font-mono underline" href={receipt.explorerUrl} rel="noreferrer" target="_blank">
                {tx}
              </a>
            ) : (
              <span className="font-mono" title={receipt.transaction}>
                {tx}
              </span>
            )}
          </span>
        )}
        <span>Access until {formatWhen(receipt.accessUntil)}</span>
        <a className="underline" href="/receipts">
          Your receipts
        </a>
        <button type="button" className="ml-auto rounded px-2 py-0.5 hover:bg-emerald-100" onClick={() => setReceipt(null)} aria-label="Dismiss the receipt">
          ✕
        </button>
      </div>
    </div>
  );
}
