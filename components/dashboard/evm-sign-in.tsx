"use client";

import { useState } from "react";
import { createSiweMessage } from "viem/siwe";
import { useAccount, useConnect, useSignMessage } from "wagmi";
import { describeSigningError } from "@/lib/paywall/messages";
import { WalletButton } from "@/components/ui/wallet-button";
import { postSignIn } from "./sign-in-request";

/** Sign-In With Ethereum: connect an EVM wallet, sign an EIP-4361 message, get a session. */
export function EvmSignIn({ onError }: { onError: (message: string) => void }) {
  const { address, chainId, isConnected } = useAccount();
  const { connectors, connectAsync } = useConnect();
  const { signMessageAsync } = useSignMessage();
  const [busy, setBusy] = useState(false);

  async function signIn() {
    if (!address) return;
    setBusy(true);
    onError("");
    try {
      const nonceRes = await fetch("/api/auth/nonce", { method: "POST" });
      if (!nonceRes.ok) throw new Error("Could not start signing in; try again");
      const { nonce } = (await nonceRes.json()) as { nonce: string };
      const message = createSiweMessage({
        domain: window.location.host,
        address,
        statement: "Sign in to the Tollgate merchant dashboard.",
        uri: window.location.origin,
        version: "1",
        chainId: chainId ?? 1,
        nonce,
        issuedAt: new Date(),
        expirationTime: new Date(Date.now() + 10 * 60 * 1000),
      });
      const signature = await signMessageAsync({ message });
      const error = await postSignIn({ kind: "evm", message, signature });
      if (error) onError(error);
      else window.location.assign("/dashboard");
    } catch (error) {
      onError(describeSigningError(error).detail);
    } finally {
      setBusy(false);
    }
  }

  if (!isConnected) {
    return (
      <ul className="space-y-2">
        {connectors.map((c) => (
          <li key={c.uid}>
            <WalletButton name={c.name} icon={c.icon} id={c.id} onClick={() => connectAsync({ connector: c }).catch((e: unknown) => onError(describeSigningError(e).detail))} />
          </li>
        ))}
      </ul>
    );
  }
  return (
    <button type="button" disabled={busy} onClick={signIn} className="w-full rounded-lg bg-stone-900 px-4 py-3 font-semibold text-white hover:bg-stone-800 disabled:opacity-60">
      {busy ? "Check your wallet…" : `Sign in as ${address?.slice(0, 6)}…${address?.slice(-4)}`}
    </button>
  );
}
