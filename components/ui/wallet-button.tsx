/** Icons for connectors that bring none (wagmi's Coinbase Wallet and WalletConnect), by connector id. */
const KNOWN_ICONS: Record<string, string> = { coinbaseWalletSDK: "/wallets/coinbase.svg", walletConnect: "/wallets/walletconnect.svg" };

/**
 * One wallet to choose in a wallet list (paywall checkout, dashboard sign-in): icon and name. A
 * wallet without an icon of its own gets its known one (by `id`), or a generic wallet icon.
 */
export function WalletButton({ name, icon, id, onClick, disabled }: { name: string; icon?: string; id?: string; onClick: () => void; disabled?: boolean }) {
  const src = icon || (id && KNOWN_ICONS[id]) || "/wallets/wallet.svg";
  return (
    <button
      type="button"
      disabled={disabled}
      onClick={onClick}
      className="flex w-full items-center gap-3 rounded-lg border border-stone-300 bg-white px-4 py-3 text-left hover:border-stone-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-amber-600 disabled:opacity-60"
    >
      {/* eslint-disable-next-line @next/next/no-img-element -- wallet icons are data: URIs or tiny local SVGs */}
      <img src={src} alt="" className="h-6 w-6" />
      <span>{name}</span>
    </button>
  );
}
