"use client";

import dynamic from "next/dynamic";
import { useEffect, useId, useState } from "react";
import { CopyButton } from "@/components/ui/copy-button";
import { shortAddress } from "@/lib/paywall/format";
import type { PaywallOption } from "@/lib/paywall/options";
import type { PaywallProps } from "./types";
import { ReceiptContext } from "./use-payment-flow";
import { rememberedWallet } from "./wallet-memory";

const loading = () => <div className="h-12 animate-pulse rounded-lg bg-stone-200" aria-hidden />;
const loadEvmWallet = () => import("./evm-wallet");
// The wallet stacks are code-split: the paywall paints and shows its prices with React alone.
const EvmWallet = dynamic(loadEvmWallet, { ssr: false, loading });
const SolanaCheckout = dynamic(() => import("./solana-checkout"), { ssr: false, loading });

function describeWindow(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} ${seconds === 86_400 ? "day" : "days"}`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} ${seconds === 3_600 ? "hour" : "hours"}`;
  return `${Math.round(seconds / 60)} minutes`;
}

const CHOICE_KEY = "tollgate:paywall-choice";
const choiceKey = (o: PaywallOption) => `${o.requirement.network}|${o.requirement.asset}`;
function readChoice(): string | null {
  try {
    return window.localStorage.getItem(CHOICE_KEY);
  } catch {
    return null; // storage blocked: no memory, no harm
  }
}
function writeChoice(value: string): void {
  try {
    window.localStorage.setItem(CHOICE_KEY, value);
  } catch {
    // storage blocked
  }
}

/** Tollgate's paywall: what is sold, every way to pay it, and the checkout for the chosen one. */
export function Paywall({ paymentRequired, options, accessWindowSeconds, walletConnect, store, teaser, walletHelp }: PaywallProps) {
  const payable = options.filter((o) => o.family !== "unsupported");
  const [selected, setSelectedState] = useState(payable[0]?.index ?? 0);
  // The visitor's last choice (network and token) is picked again on the next paywall, once
  // mounted (the server renders the first option, so hydration matches).
  useEffect(() => {
    const remembered = readChoice();
    const match = remembered && payable.find((o) => choiceKey(o) === remembered);
    if (match) setSelectedState(match.index);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, on mount
  }, []);
  const setSelected = (index: number) => {
    setSelectedState(index);
    const picked = options.find((o) => o.index === index);
    if (picked) writeChoice(choiceKey(picked));
  };
  const [walletWanted, setWalletWanted] = useState(false);
  // A visitor who connected a browser wallet on an earlier paywall gets it reconnected (wagmi
  // remembers the connector); the wallet code then loads at once.
  useEffect(() => {
    if (rememberedWallet()) setWalletWanted(true);
  }, []);
  const option = options.find((o) => o.index === selected);
  const groupId = useId();
  const evmChains = [...new Map(options.flatMap((o) => (o.chain ? [[o.chain.id, o.chain] as const] : []))).values()];
  const { resource } = paymentRequired;

  return (
    <ReceiptContext.Provider value={{ title: teaser?.title || resource.description || "This page", store: store.name, accessWindowSeconds }}>
    <main className="flex min-h-screen items-start justify-center bg-stone-100 px-4 py-10 sm:items-center">
      <div className="w-full max-w-md overflow-hidden rounded-2xl border border-stone-200 bg-white shadow-sm">
        <div className="h-1.5" style={{ backgroundColor: store.accentColor }} aria-hidden />
        <div className="p-6 sm:p-8">
          <div className="flex items-center gap-3" data-testid="paywall-store">
            {store.logoUrl && (
              // eslint-disable-next-line @next/next/no-img-element -- any URL the merchant set; no image optimizer config needed
              <img src={store.logoUrl} alt="" width={32} height={32} className="h-8 w-8 rounded object-contain" />
            )}
            <p className="min-w-0 break-words text-sm text-stone-700">
              Sold by <span className="font-semibold text-stone-900">{store.name}</span>
            </p>
            <a href="/" className="ml-auto whitespace-nowrap text-sm text-stone-700 underline hover:text-stone-950">
              ← Back<span className="sr-only"> to {store.name}</span>
            </a>
          </div>
          <p className="mt-6 text-xs font-semibold uppercase tracking-widest text-amber-800">Payment required</p>
          <h1 className="mt-2 text-2xl font-bold tracking-tight" data-testid="paywall-title">
            {teaser?.title || resource.description || "This page"}
          </h1>
          {teaser && (
            <p className="mt-2 text-stone-700" data-testid="paywall-teaser">
              {teaser.summary}
              {teaser.readingMinutes !== null && <span className="text-stone-600"> · {teaser.readingMinutes} min read</span>}
            </p>
          )}
          <p className="mt-2 text-sm text-stone-600">
            Pay once to read this page for {describeWindow(accessWindowSeconds)}. You are charged only after the page is ready for you.
          </p>

          {payable.length === 0 ? (
            <p className="mt-6 text-sm text-red-800">This page has no payment option your browser can use.</p>
          ) : payable.length === 1 ? (
            <p className="mt-6 text-3xl font-semibold" data-testid="paywall-price">
              {payable[0]!.price}
              {payable[0]!.approx && <span className="ml-2 whitespace-nowrap text-lg font-normal text-stone-600">{payable[0]!.approx}</span>}
              <span className="block text-base font-normal text-stone-600">on {payable[0]!.networkName}</span>
            </p>
          ) : (
            <fieldset className="mt-6">
              <legend className="text-sm font-medium text-stone-700">Choose how to pay</legend>
              <div className="mt-2 space-y-2">
                {payable.map((o) => (
                  <label
                    key={o.index}
                    className={`flex cursor-pointer items-center gap-3 rounded-lg border px-4 py-3 focus-within:ring-2 focus-within:ring-amber-600 ${o.index === selected ? "border-amber-600 bg-amber-50" : "border-stone-300"}`}
                  >
                    <input type="radio" name={groupId} value={o.index} checked={o.index === selected} onChange={() => setSelected(o.index)} className="accent-amber-600" />
                    <span className="font-medium">{o.label}</span>
                    {o.approx && <span className="ml-auto whitespace-nowrap pl-2 text-sm text-stone-600">{o.approx}</span>}
                  </label>
                ))}
              </div>
            </fieldset>
          )}

          {option && option.family !== "unsupported" && <Recipient payTo={option.requirement.payTo} />}

          <div className="mt-6">
            {option?.family === "evm" &&
              (walletWanted ? (
                <EvmWallet chains={evmChains} walletConnect={walletConnect} appName={store.name} appLogoUrl={store.logoUrl} option={option} paymentRequired={paymentRequired} />
              ) : (
                <button
                  type="button"
                  onClick={() => setWalletWanted(true)}
                  onPointerEnter={() => void loadEvmWallet()}
                  onFocus={() => void loadEvmWallet()}
                  className="w-full rounded-lg bg-stone-900 px-4 py-3 text-base font-semibold text-white hover:bg-stone-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-amber-600 focus-visible:ring-offset-2"
                >
                  Connect wallet
                </button>
              ))}
            {option?.family === "solana" && <SolanaCheckout option={option} paymentRequired={paymentRequired} />}
          </div>

          {option && option.family !== "unsupported" && <WalletHelp option={option} links={walletHelp} />}

          <p className="mt-6 border-t border-stone-200 pt-4 text-xs text-stone-600">
            Payments use the open <a className="underline" href="https://www.x402.org">x402</a> protocol. Your wallet signs a transfer of exactly the price
            shown; no account, no card.
            {store.supportUrl && (
              <>
                {" "}
                Questions?{" "}
                <a className="underline" href={store.supportUrl}>
                  Contact {store.name}
                </a>
                .
              </>
            )}
          </p>
        </div>
      </div>
    </main>
    </ReceiptContext.Provider>
  );
}

/** Who receives the payment: the short address, with the whole one on hover and a copy button. */
function Recipient({ payTo }: { payTo: string }) {
  return (
    <p className="mt-3 flex items-center gap-2 text-sm text-stone-600" data-testid="paywall-recipient">
      Paid to{" "}
      <span className="font-mono text-stone-800" title={payTo}>
        {shortAddress(payTo)}
      </span>
      <CopyButton value={payTo} what="recipient's address" className="rounded border border-stone-300 px-1.5 py-0.5 text-xs text-stone-700 hover:bg-stone-100" />
    </p>
  );
}

/** "New to wallets?": what a wallet is, which to install for this option, and where to get funds (a faucet on test networks, an on-ramp on mainnets). */
function WalletHelp({ option, links }: { option: PaywallOption; links: { faucetUrl: string; onrampUrl: string } }) {
  const symbol = option.token?.symbol ?? "the token";
  const wallets =
    option.family === "solana"
      ? [
          { name: "Phantom", href: "https://phantom.com/download" },
          { name: "Solflare", href: "https://solflare.com/download" },
        ]
      : [
          { name: "Coinbase Wallet", href: "https://www.coinbase.com/wallet/downloads" },
          { name: "MetaMask", href: "https://metamask.io/download/" },
          { name: "Rabby", href: "https://rabby.io/" },
        ];
  return (
    <details className="mt-4 rounded-lg border border-stone-200 px-4 py-3 text-sm text-stone-700" data-testid="wallet-help">
      <summary className="cursor-pointer font-medium text-stone-800">New to wallets?</summary>
      <p className="mt-2">
        A wallet is an app or browser extension that holds your money and signs payments; nothing leaves it without your approval. To pay here, install one of{" "}
        {wallets.map((w, i) => (
          <span key={w.name}>
            {i > 0 && (i === wallets.length - 1 ? " or " : ", ")}
            <a className="underline" href={w.href} rel="noreferrer" target="_blank">
              {w.name}
            </a>
          </span>
        ))}
        , then add {symbol} on {option.networkName}.
      </p>
      <p className="mt-2">
        {option.testnet ? (
          <>
            {option.networkName} is a test network: its {symbol} is free.{" "}
            <a className="underline" href={links.faucetUrl} rel="noreferrer" target="_blank">
              Get test {symbol} from a faucet
            </a>
            .
          </>
        ) : (
          <>
            <a className="underline" href={links.onrampUrl} rel="noreferrer" target="_blank">
              Buy {symbol}
            </a>{" "}
            with a card or bank transfer, and send it to your wallet on {option.networkName}.
          </>
        )}
      </p>
    </details>
  );
}
