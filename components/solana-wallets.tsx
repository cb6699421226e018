"use client";

import { ConnectionProvider, useWallet, WalletProvider } from "@solana/wallet-adapter-react";
import { useEffect, useMemo, useState, type ReactNode } from "react";
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
  const { wallets, wallet, select, connect, connected, connecting } = useWallet();
  const [wanted, setWanted] = useState<string | null>(null);
  // select() takes effect on the next render: connect once the chosen wallet is the selected one.
  useEffect(() => {
    if (!wanted || wallet?.adapter.name !== wanted || connected || connecting) return;
    setWanted(null);
    connect().catch(onConnectError);
  }, [wanted, wallet, connected, connecting, connect, onConnectError]);
  if (wallets.length === 0) return <p className="text-sm text-stone-600">{emptyText}</p>;
  return (
    <ul className="space-y-2">
      {wallets.map((w) => (
        <li key={w.adapter.name}>
          <WalletButton
            name={w.adapter.name}
            icon={w.adapter.icon}
            disabled={connecting}
            onClick={() => {
              select(w.adapter.name);
              setWanted(w.adapter.name);
            }}
          />
        </li>
      ))}
    </ul>
  );
}
