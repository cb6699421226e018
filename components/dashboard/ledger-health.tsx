import Link from "next/link";
import type { loadLedgerHealth } from "@/lib/payments/data";
import { shortAddress, utcTimestamp } from "@/lib/paywall/format";

type Health = Awaited<ReturnType<typeof loadLedgerHealth>>;

/**
 * The ledger's state for a merchant: payments whose outcome is still open (the reconciler or a
 * retry of the same payment will settle or fail them by what the chain shows), settled payments
 * the reconciler's audit should have confirmed on chain by now and could not, what the last
 * reconciler passes did, and transfers to a payTo address that no payment explains.
 */
export function LedgerHealth({ health }: { health: Health }) {
  const open = (health.open.pending ?? 0) + (health.open.settling ?? 0) + (health.open.unknown ?? 0);
  const last = health.runs[0];
  if (open === 0 && !last && health.orphans.length === 0 && health.unconfirmed === 0) return null;
  return (
    <section aria-label="Ledger" className="mt-6 rounded-xl border border-stone-200 bg-white p-4 text-sm" data-testid="ledger-health">
      <h2 className="font-semibold">Ledger</h2>
      <p className="mt-1 text-stone-700">
        {open === 0 ? (
          "Every payment is settled or failed."
        ) : (
          <>
            <Link href="/dashboard/payments?status=open" className="font-medium text-amber-800 underline">
              {open} {open === 1 ? "payment" : "payments"} awaiting their outcome
            </Link>{" "}
            ({health.open.unknown ?? 0} unknown, {health.open.settling ?? 0} settling, {health.open.pending ?? 0} in progress). The reconciler settles
            or fails each by what the chain shows.
          </>
        )}
      </p>
      {health.unconfirmed > 0 && (
        <p className="mt-1 text-red-900" data-testid="unconfirmed-settlements">
          {health.unconfirmed === 1
            ? "1 settled payment has not been confirmed on chain yet: the reconciler could not read the chain for it"
            : `${health.unconfirmed} settled payments have not been confirmed on chain yet: the reconciler could not read the chain for them`}{" "}
          (check <code>EVM_CHAINS</code> and <code>SOLANA_RPC_URLS</code>, and that the reconciler runs). Until then{" "}
          {health.unconfirmed === 1 ? "it rests" : "they rest"} on the facilitator&apos;s word.
        </p>
      )}
      {last && (
        <p className="mt-1 text-stone-600">
          Last reconciliation {utcTimestamp(last.startedAt)} UTC:{" "}
          {last.error ? (
            <span className="text-red-800">failed ({last.error})</span>
          ) : (
            `${last.checked} checked, ${last.settled} settled, ${last.failed} failed, ${last.unresolved} still open, ${last.orphans} unexplained transfers`
          )}
          .
        </p>
      )}
      {health.orphans.length > 0 && (
        <div className="mt-3">
          <h3 className="font-medium text-red-900">Transfers to your payTo with no payment record</h3>
          <ul className="mt-1 space-y-1 font-mono text-xs">
            {health.orphans.map((o) => (
              <li key={o.id}>
                {o.amount.toFixed(0)} (atomic) of {shortAddress(o.asset)} from {shortAddress(o.from)} in {o.transaction} on {o.network}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
