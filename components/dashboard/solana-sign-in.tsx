"use client";

import { useWallet } from "@solana/wallet-adapter-react";
import { useState } from "react";
import { SolanaWalletList, SolanaWalletProvider } from "@/components/solana-wallets";
import { createSiwsMessage } from "@/lib/auth/siws";
import { postSignIn } from "./sign-in-request";

function SolanaButtons({ onError }: { onError: (message: string) => void }) {
  const { connected, publicKey, signMessage } = useWallet();
  const [busy, setBusy] = useState(false);
  if (!connected || !publicKey) {
    return <SolanaWalletList emptyText="No Solana wallet found in this browser." onConnectError={() => onError("The wallet did not connect.")} />;
  }
  return (
    <button
      type="button"
      disabled={busy || !signMessage}
      className="w-full rounded-lg bg-stone-900 px-4 py-3 font-semibold text-white disabled:opacity-60"
      onClick={async () => {
        if (!signMessage) return;
        setBusy(true);
        onError("");
        try {
          const { nonce } = (await (await fetch("/api/auth/nonce", { method: "POST" })).json()) as { nonce: string };
          const message = createSiwsMessage({
            domain: window.location.host,
            address: publicKey.toBase58(),
            statement: "Sign in to the Tollgate merchant dashboard.",
            uri: window.location.origin,
            version: "1",
            chainId: "mainnet",
            nonce,
            issuedAt: new Date().toISOString(),
            expirationTime: new Date(Date.now() + 10 * 60 * 1000).toISOString(),
          });
          const signature = await signMessage(new TextEncoder().encode(message));
          const error = await postSignIn({ kind: "solana", message, signature: btoa(String.fromCharCode(...signature)) });
          if (error) onError(error);
          else window.location.assign("/dashboard");
        } catch {
          onError("You declined the signature in your wallet.");
        } finally {
          setBusy(false);
        }
      }}
    >
      {busy ? "Check your wallet…" : "Sign in with Solana"}
    </button>
  );
}

/** Sign-In With Solana through wallet-adapter (Wallet Standard wallets). Loaded on demand. */
export default function SolanaSignIn({ onError }: { onError: (message: string) => void }) {
  return (
    <SolanaWalletProvider endpoint="https://api.mainnet-beta.solana.com">
      <SolanaButtons onError={onError} />
    </SolanaWalletProvider>
  );
}
