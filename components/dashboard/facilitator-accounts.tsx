import type { FacilitatorAccount } from "@/lib/facilitator/accounts";

/**
 * The self-hosted facilitator's fee accounts with their balances; a warning when one runs low
 * (its settlements fail once it is empty) or cannot be read.
 */
export function FacilitatorAccounts({ accounts }: { accounts: FacilitatorAccount[] }) {
  if (accounts.length === 0) return null;
  const low = accounts.filter((a) => a.low);
  return (
    <section aria-label="Facilitator accounts" className="mt-6 rounded-xl border border-stone-200 bg-white p-4 text-sm" data-testid="facilitator-accounts">
      <h2 className="font-semibold">Facilitator accounts</h2>
      {low.length > 0 && (
        <p role="alert" className="mt-2 rounded bg-amber-50 p-2 text-amber-900">
          Low balance on {low.map((a) => a.network).join(", ")}: settlements there fail once it runs out. Send funds to the address below.
        </p>
      )}
      <ul className="mt-2 space-y-1">
        {accounts.map((a) => (
          <li key={`${a.network} ${a.address}`} className="flex flex-wrap gap-x-3">
            <span className="text-stone-600">{a.network}</span>
            <code className="break-all">{a.address}</code>
            <span className={a.low ? "font-medium text-amber-900" : ""}>{a.balance ?? "balance unavailable (RPC did not answer)"}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
