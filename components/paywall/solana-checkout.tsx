"use client";

import { useWallet } from "@solana/wallet-adapter-react";
import { SolanaWalletList, SolanaWalletProvider } from "@/components/solana-wallets";
import { shortAddress } from "@/lib/paywall/format";
import type { PaywallOption } from "@/lib/paywall/options";

const RPC: Record<string, string> = {
  "Solana Devnet": "https://api.devnet.solana.com",
  "Solana Testnet": "https://api.testnet.solana.com",
  Solana: "https://api.mainnet-beta.solana.com",
};

function SolanaWallets({ option }: { option: PaywallOption }) {
  const { connected, publicKey, disconnect, wallet } = useWallet();
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
      ) : (
        <SolanaWalletList
          emptyText="No Solana wallet found in this browser. Install Phantom, Solflare or Backpack to pay on Solana."
          // A refused connection leaves the list in place; the visitor can pick again.
          onConnectError={() => {}}
        />
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
  return (
    <SolanaWalletProvider endpoint={endpoint}>
      <SolanaWallets option={option} />
    </SolanaWalletProvider>
  );
}
