"use client";

import { ConnectionProvider, useWallet, WalletProvider } from "@solana/wallet-adapter-react";
import { useMemo } from "react";
import { WalletButton } from "@/components/ui/wallet-button";
import { shortAddress } from "@/lib/paywall/format";
import type { PaywallOption } from "@/lib/paywall/options";

const RPC: Record<string, string> = {
  "Solana Devnet": "https://api.devnet.solana.com",
  "Solana Testnet": "https://api.testnet.solana.com",
  Solana: "https://api.mainnet-beta.solana.com",
};

function SolanaWallets({ option }: { option: PaywallOption }) {
  const { wallets, select, connect, connected, publicKey, disconnect, wallet } = useWallet();
  return (
    <div>
      {connected && publicKey ? (
        <div className="flex items-center justify-between text-sm text-stone-600">
          <span>
            Connected: <span className="font-mono">{shortAddress(publicKey.toBase58())}</span> · {wallet?.adapter.name}
          </span>
          <button type="button" className="underline" onClick={() => disconnect()}>
            Disconnect
          </button>
        </div>
      ) : wallets.length === 0 ? (
        <p className="text-sm text-stone-600">No Solana wallet found in this browser. Install Phantom, Solflare or Backpack to pay on Solana.</p>
      ) : (
        <ul className="space-y-2">
          {wallets.map((w) => (
            <li key={w.adapter.name}>
              <WalletButton
                name={w.adapter.name}
                icon={w.adapter.icon}
                onClick={async () => {
                  select(w.adapter.name);
                  // A refused connection leaves the list in place; the visitor can pick again.
                  await connect().catch(() => {});
                }}
              />
            </li>
          ))}
        </ul>
      )}
      <p className="mt-4 rounded-lg bg-stone-100 p-3 text-sm text-stone-700">
        Paying {option.price} on {option.networkName} is not enabled on this server yet. Choose another payment option to continue.
      </p>
    </div>
  );
}

/**
 * Solana side of the paywall: Wallet Standard wallets (Phantom, Solflare, Backpack) through
 * wallet-adapter. Loaded only when a Solana option is chosen, so EVM visitors never download it.
 */
export default function SolanaCheckout({ option }: { option: PaywallOption }) {
  const endpoint = RPC[option.networkName] ?? RPC.Solana!;
  const wallets = useMemo(() => [], []);
  return (
    <ConnectionProvider endpoint={endpoint}>
      <WalletProvider wallets={wallets} autoConnect={false}>
        <SolanaWallets option={option} />
      </WalletProvider>
    </ConnectionProvider>
  );
}
