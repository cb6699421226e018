"use client";

import { useState } from "react";
import { erc20Abi, type Address } from "viem";
import { useAccount, useConfig, useConnect, useDisconnect, useReadContracts, useSwitchChain } from "wagmi";
import { getPublicClient, getWalletClient } from "wagmi/actions";
import { formatAmount, shortAddress } from "@/lib/paywall/format";
import { describeSigningError } from "@/lib/paywall/messages";
import type { PaywallOption } from "@/lib/paywall/options";
import { signPaymentHeaders } from "@/lib/paywall/sign";
import type { PaymentRequired } from "@x402/core/types";
import { WalletButton } from "@/components/ui/wallet-button";
import { DownloadStarted } from "./download-started";
import { ProblemNotice } from "./problem";
import { usePaymentFlow } from "./use-payment-flow";
import { rememberWallet } from "./wallet-memory";
import { useMounted } from "./use-mounted";

const button =
  "w-full rounded-lg px-4 py-3 text-base font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-offset-2 focus-visible:ring-amber-600 disabled:cursor-not-allowed disabled:opacity-60";

/** Connect an EVM wallet, check its balance of the chosen token, switch chain if needed, sign, pay. */
export function EvmCheckout({ option, paymentRequired }: { option: PaywallOption; paymentRequired: PaymentRequired }) {
  const mounted = useMounted();
  const config = useConfig();
  const { address, chainId, isConnected, connector } = useAccount();
  const { connectors, connectAsync, isPending: connecting } = useConnect();
  const { disconnect } = useDisconnect();
  const { switchChainAsync } = useSwitchChain();
  // Mounted by the paywall's "Connect wallet" click: open straight on the wallet list.
  const [choosing, setChoosing] = useState(true);
  const chain = option.chain!;
  const asset = option.requirement.asset as Address;
  const price = BigInt(option.requirement.amount);

  const token = useReadContracts({
    allowFailure: false,
    contracts: [
      { address: asset, abi: erc20Abi, functionName: "balanceOf", args: [address ?? "0x0000000000000000000000000000000000000000"], chainId: chain.id },
      { address: asset, abi: erc20Abi, functionName: "decimals", chainId: chain.id },
      { address: asset, abi: erc20Abi, functionName: "symbol", chainId: chain.id },
    ],
    query: { enabled: Boolean(address), refetchInterval: 15_000 },
  });
  const [balance, decimals, symbol] = token.data ?? [];
  const flow = usePaymentFlow(() => void token.refetch(), option);
  const { stage, setStage, problem, setProblem } = flow;
  const insufficient = balance !== undefined && balance < price;
  const wrongChain = isConnected && chainId !== chain.id;

  async function connect(id: string) {
    setProblem(null);
    const target = connectors.find((c) => c.uid === id);
    if (!target) return;
    try {
      // No chainId here: a wallet on another network gets an explicit "Switch to …" step.
      await connectAsync({ connector: target });
      rememberWallet(true);
      setChoosing(false);
    } catch (error) {
      setProblem(describeSigningError(error));
    }
  }

  async function switchChain() {
    setProblem(null);
    setStage("switching");
    try {
      await switchChainAsync({ chainId: chain.id });
    } catch (error) {
      setProblem({ ...describeSigningError(error), title: "Network not switched" });
    } finally {
      setStage("idle");
    }
  }

  async function pay() {
    if (!address) return;
    await flow.pay(async () => {
      const walletClient = await getWalletClient(config, { chainId: chain.id, account: address });
      const publicClient = getPublicClient(config, { chainId: chain.id });
      if (!publicClient) throw new Error(`No RPC for chain ${chain.id}`);
      return signPaymentHeaders(
        paymentRequired,
        option.requirement,
        { address, signTypedData: (message) => walletClient.signTypedData({ account: address, ...(message as Parameters<typeof walletClient.signTypedData>[0]) }) },
        publicClient as never,
      );
    });
  }

  if (!mounted) {
    return <div className="h-12 animate-pulse rounded-lg bg-stone-200" aria-hidden />;
  }

  if (!isConnected || !address) {
    return (
      <div>
        {!choosing ? (
          <button type="button" className={`${button} bg-stone-900 text-white hover:bg-stone-800`} onClick={() => setChoosing(true)}>
            Connect wallet
          </button>
        ) : (
          <fieldset>
            <legend className="text-sm font-medium text-stone-700">Choose a wallet</legend>
            <ul className="mt-2 space-y-2">
              {connectors.map((c) => (
                <li key={c.uid}>
                  <WalletButton name={c.name} icon={c.icon} id={c.id} disabled={connecting} onClick={() => connect(c.uid)} />
                </li>
              ))}
            </ul>
            <button type="button" className="mt-3 text-sm text-stone-600 underline" onClick={() => setChoosing(false)}>
              Cancel
            </button>
          </fieldset>
        )}
        {problem && <ProblemNotice problem={problem} onRetry={flow.retry} />}
      </div>
    );
  }

  const busy = stage !== "idle";
  return (
    <div>
      <div className="flex items-center justify-between gap-2 text-sm text-stone-600">
        <span>
          Connected: <span className="font-mono" data-testid="paywall-account">{shortAddress(address)}</span>
          {connector ? ` · ${connector.name}` : ""}
        </span>
        <button
          type="button"
          className="underline"
          onClick={() => {
            rememberWallet(false);
            disconnect();
          }}
        >
          Disconnect
        </button>
      </div>
      <p className="mt-2 text-sm text-stone-600" data-testid="paywall-balance">
        {token.isLoading || balance === undefined
          ? "Checking your balance…"
          : `Your balance: ${formatAmount(balance, decimals ?? 0)} ${symbol ?? ""}`}
      </p>
      <div className="mt-4">
        {stage === "downloaded" ? (
          <DownloadStarted />
        ) : wrongChain ? (
          <>
            <p className="mb-2 text-sm text-amber-800">Your wallet is on another network. This payment is on {chain.name}.</p>
            <button type="button" className={`${button} bg-amber-700 text-white hover:bg-amber-800`} disabled={busy} onClick={switchChain}>
              {stage === "switching" ? "Switching…" : `Switch to ${chain.name}`}
            </button>
          </>
        ) : insufficient ? (
          <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-900">
            <p className="font-semibold">Insufficient balance</p>
            <p className="mt-1">
              You have {formatAmount(balance, decimals ?? 0)} {symbol} and the price is {option.price}. Add funds or choose another payment option.
            </p>
          </div>
        ) : (
          <button type="button" className={`${button} bg-amber-700 text-white hover:bg-amber-800`} disabled={busy || balance === undefined || problem?.resend} onClick={pay}>
            {flow.payLabel(option.price)}
          </button>
        )}
      </div>
      {problem && <ProblemNotice problem={problem} onRetry={flow.retry} />}
    </div>
  );
}
