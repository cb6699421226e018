"use client";

import { ConnectionProvider, useWallet, WalletProvider } from "@solana/wallet-adapter-react";
import { useMemo, type ReactNode } from "react";
import { WalletButton } from "@/components/ui/wallet-button";

/**
 * wallet-adapter for one Solana RPC endpoint. No adapters are listed: Wallet Standard wallets
 * (Phantom, Solflare, Backpack…) register themselves.
 */
export function SolanaWalletProvider({ endpoint, children }: { endpoint: string; children: ReactNode }) {
  const wallets = useMemo(() => [], []);
  return (
    <ConnectionProvider endpoint={endpoint}>
      <WalletProvider wallets={wallets} autoConnect={false}>
        {children}
      </WalletProvider>
    </ConnectionProvider>
  );
}

/** The Solana wallets found in this browser, each connecting on click; `emptyText` when none. */
export function SolanaWalletList({ emptyText, onConnectError }: { emptyText: string; onConnectError: () => void }) {
  const { wallets, select, connect } = useWallet();
  if (wallets.length === 0) return <p className="text-sm text-stone-600">{emptyText}</p>;
  return (
    <ul className="space-y-2">
      {wallets.map((w) => (
        <li key={w.adapter.name}>
          <WalletButton
            name={w.adapter.name}
            icon={w.adapter.icon}
            onClick={async () => {
              select(w.adapter.name);
              await connect().catch(onConnectError);
            }}
          />
        </li>
      ))}
    </ul>
  );
}
