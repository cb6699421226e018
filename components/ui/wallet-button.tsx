/** One wallet to choose in a wallet list (paywall checkout, dashboard sign-in): icon and name. */
export function WalletButton({ name, icon, onClick, disabled }: { name: string; icon?: string; onClick: () => void; disabled?: boolean }) {
  return (
    <button
      type="button"
      disabled={disabled}
      onClick={onClick}
      className="flex w-full items-center gap-3 rounded-lg border border-stone-300 bg-white px-4 py-3 text-left hover:border-stone-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-amber-600 disabled:opacity-60"
    >
      {icon ? <img src={icon} alt="" className="h-6 w-6" /> : <span className="h-6 w-6 rounded bg-stone-200" aria-hidden />}
      <span>{name}</span>
    </button>
  );
}
