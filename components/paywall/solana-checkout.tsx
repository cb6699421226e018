"use client";

import { address } from "@solana/kit";
import { useWallet } from "@solana/wallet-adapter-react";
import { VersionedTransaction } from "@solana/web3.js";
import type { PaymentRequired } from "@x402/core/types";
import { useCallback, useEffect, useState } from "react";
import { SolanaWalletList, SolanaWalletProvider } from "@/components/solana-wallets";
import { solanaRpc } from "@/lib/chains/rpc";
import type { RpcUrls } from "@/lib/chains/rpc-urls";
import { formatAmount, shortAddress } from "@/lib/paywall/format";
import type { PaywallOption } from "@/lib/paywall/options";
import { signSvmPaymentHeaders } from "@/lib/paywall/sign-svm";
import { DownloadStarted } from "./download-started";
import { ProblemNotice } from "./problem";
import { usePaymentFlow } from "./use-payment-flow";

const button =
  "w-full rounded-lg px-4 py-3 text-base font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-offset-2 focus-visible:ring-amber-600 disabled:cursor-not-allowed disabled:opacity-60";

/**
 * The visitor's balance of the option's mint (atomic units), read from the configured RPC (its
 * endpoints in order) over every token account the wallet owns for it; undefined while loading,
 * null when unreadable.
 */
function useMintBalance(rpcUrls: RpcUrls, mint: string, owner: string | null): { balance: bigint | null | undefined; refresh: () => void } {
  const [balance, setBalance] = useState<bigint | null | undefined>(undefined);
  const refresh = useCallback(() => {
    if (!owner) return;
    solanaRpc(rpcUrls)
      .getTokenAccountsByOwner(address(owner), { mint: address(mint) }, { encoding: "jsonParsed" })
      .send()
      .then(({ value }) => {
        let sum = 0n;
        for (const account of value) {
          const info = (account.account.data as { parsed?: { info?: { tokenAmount?: { amount?: string } } } }).parsed?.info;
          sum += BigInt(info?.tokenAmount?.amount ?? "0");
        }
        setBalance(sum);
      })
      .catch(() => setBalance(null));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the endpoints by value, not by array identity
  }, [rpcUrls.join(" "), mint, owner]);
  useEffect(() => {
    setBalance(undefined);
    refresh();
  }, [refresh]);
  return { balance, refresh };
}

function SolanaPay({ option, paymentRequired, rpcUrls }: { option: PaywallOption; paymentRequired: PaymentRequired; rpcUrls: RpcUrls }) {
  const { connected, publicKey, disconnect, wallet, signTransaction } = useWallet();
  const owner = publicKey?.toBase58() ?? null;
  const { balance, refresh } = useMintBalance(rpcUrls, option.requirement.asset, owner);
  const flow = usePaymentFlow(() => refresh(), option);
  const { stage, problem, setProblem } = flow;
  const price = BigInt(option.requirement.amount);
  const decimals = option.token?.decimals ?? 0;

  if (!connected || !owner) {
    return (
      <div>
        <SolanaWalletList
          emptyText="No Solana wallet found in this browser. Install Phantom, Solflare or Backpack to pay on Solana."
          onConnectError={() => setProblem({ title: "Not connected", detail: "The wallet did not connect. Nothing was paid.", retry: true })}
        />
        {problem && <ProblemNotice problem={problem} onRetry={flow.retry} />}
      </div>
    );
  }

  async function pay() {
    if (!owner || !signTransaction) {
      setProblem({ title: "This wallet cannot sign transactions", detail: "Choose another Solana wallet. Nothing was paid.", retry: false });
      return;
    }
    await flow.pay(() =>
      signSvmPaymentHeaders(
        paymentRequired,
        option.requirement,
        {
          address: address(owner),
          // wallet-adapter signs web3.js objects: the bytes cross as a VersionedTransaction.
          signTransactionBytes: async (bytes) => (await signTransaction(VersionedTransaction.deserialize(bytes))).serialize(),
        },
        rpcUrls,
      ),
    );
  }

  const insufficient = typeof balance === "bigint" && balance < price;
  const busy = stage !== "idle";
  return (
    <div>
      <div className="flex items-center justify-between gap-2 text-sm text-stone-600">
        <span>
          Connected: <span className="font-mono" data-testid="paywall-account">{shortAddress(owner)}</span>
          {wallet ? ` · ${wallet.adapter.name}` : ""}
        </span>
        <button type="button" className="underline" onClick={() => void disconnect()}>
          Disconnect
        </button>
      </div>
      <p className="mt-2 text-sm text-stone-600" data-testid="paywall-balance">
        {balance === undefined
          ? "Checking your balance…"
          : balance === null
            ? "Your balance could not be read."
            : `Your balance: ${formatAmount(balance, decimals)} ${option.token?.symbol ?? ""}`}
      </p>
      <div className="mt-4">
        {stage === "downloaded" ? (
          <DownloadStarted />
        ) : insufficient ? (
          <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-900">
            <p className="font-semibold">Insufficient balance</p>
            <p className="mt-1">
              You have {formatAmount(balance, decimals)} {option.token?.symbol} and the price is {option.price}. Add funds or choose another payment option.
            </p>
          </div>
        ) : (
          <button type="button" className={`${button} bg-amber-700 text-white hover:bg-amber-800`} disabled={busy || balance === undefined || problem?.resend} onClick={() => void pay()}>
            {flow.payLabel(option.price)}
          </button>
        )}
      </div>
      {problem && <ProblemNotice problem={problem} onRetry={flow.retry} />}
    </div>
  );
}

/**
 * Solana side of the paywall: Wallet Standard wallets (Phantom, Solflare, Backpack) through
 * wallet-adapter, the visitor's balance of the option's mint, and signing through @x402/svm's
 * client scheme with the wallet's signTransaction. Reads go to the RPC the merchant configured
 * for the network (SOLANA_RPC_URLS), never a public endpoint. Loaded only when a Solana option is
 * chosen, so EVM visitors never download it.
 */
export default function SolanaCheckout({ option, paymentRequired }: { option: PaywallOption; paymentRequired: PaymentRequired }) {
  if (!option.rpcUrls) return null; // describeOptions marks such options unsupported
  return (
    <SolanaWalletProvider endpoint={option.rpcUrls[0]}>
      <SolanaPay option={option} paymentRequired={paymentRequired} rpcUrls={option.rpcUrls} />
    </SolanaWalletProvider>
  );
}
