"use client";

import dynamic from "next/dynamic";
import { useState } from "react";
import { EvmProviders } from "@/components/paywall/evm-providers";
import { useMounted } from "@/components/paywall/use-mounted";
import type { EvmChainInfo } from "@/lib/chains/evm";
import { EvmSignIn } from "./evm-sign-in";

const SolanaSignIn = dynamic(() => import("./solana-sign-in"), { ssr: false });

/** The dashboard's sign-in: Ethereum (SIWE) or Solana (SIWS). */
export function SignInForm({ chains }: { chains: EvmChainInfo[] }) {
  const mounted = useMounted();
  const [family, setFamily] = useState<"evm" | "solana">("evm");
  const [error, setError] = useState("");
  return (
    <div>
      <div role="tablist" aria-label="Wallet type" className="mb-4 grid grid-cols-2 gap-2 rounded-lg bg-stone-100 p-1">
        {(["evm", "solana"] as const).map((f) => (
          <button
            key={f}
            role="tab"
            type="button"
            aria-selected={family === f}
            onClick={() => setFamily(f)}
            className={`rounded-md px-3 py-2 text-sm font-medium ${family === f ? "bg-white shadow-sm" : "text-stone-600"}`}
          >
            {f === "evm" ? "Ethereum wallet" : "Solana wallet"}
          </button>
        ))}
      </div>
      {!mounted ? (
        <div className="h-12 animate-pulse rounded-lg bg-stone-200" aria-hidden />
      ) : family === "evm" ? (
        <EvmProviders chains={chains}>
          <EvmSignIn onError={setError} />
        </EvmProviders>
      ) : (
        <SolanaSignIn onError={setError} />
      )}
      {error && (
        <p role="alert" className="mt-4 rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-900">
          {error}
        </p>
      )}
    </div>
  );
}
