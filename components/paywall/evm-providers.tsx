"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { defineChain, type Chain } from "viem";
import { createConfig, WagmiProvider, type Config, type CreateConnectorFn } from "wagmi";
import { coinbaseWallet, walletConnect as walletConnectConnector } from "wagmi/connectors";
import type { EvmChainInfo } from "@/lib/chains/evm";
import { evmTransport } from "@/lib/chains/rpc";
import type { WalletConnectSettings } from "./types";

/** Who asks the wallet to connect: the store's name and logo (a path is made absolute on this origin). */
export type WalletApp = { name: string; logoUrl: string };

/**
 * wagmi for the paywall's chains: EIP-6963 wallets (discovered), Coinbase Wallet, WalletConnect if
 * configured (its QR modal; the relay WalletConnect's own unless `walletConnect.relayUrl`), each
 * introduced as `app`.
 */
export function createPaywallConfig(chainInfos: EvmChainInfo[], walletConnect?: WalletConnectSettings, app: WalletApp = { name: "Tollgate", logoUrl: "" }): Config {
  const chains = chainInfos.map((c) =>
    defineChain({
      id: c.id,
      name: c.name,
      nativeCurrency: c.nativeCurrency,
      rpcUrls: { default: { http: [...c.rpcUrls] } },
      blockExplorers: c.explorerUrl ? { default: { name: "Explorer", url: c.explorerUrl } } : undefined,
      testnet: c.testnet,
    }),
  ) as unknown as [Chain, ...Chain[]];
  const logo = app.logoUrl && typeof window !== "undefined" ? new URL(app.logoUrl, window.location.origin).href : undefined;
  const connectors: CreateConnectorFn[] = [coinbaseWallet({ appName: app.name, appLogoUrl: logo })];
  if (walletConnect) {
    const origin = typeof window !== "undefined" ? window.location.origin : "";
    connectors.push(
      walletConnectConnector({
        projectId: walletConnect.projectId,
        relayUrl: walletConnect.relayUrl,
        showQrModal: true,
        metadata: { name: app.name, description: `Pay ${app.name} with x402`, url: origin, icons: logo ? [logo] : [] },
      }),
    );
  }
  return createConfig({
    chains,
    connectors,
    multiInjectedProviderDiscovery: true,
    ssr: true,
    // Balance reads go to the chain's endpoints in order (EVM_CHAINS lists fallbacks), as the server's do.
    transports: Object.fromEntries(chainInfos.map((c) => [c.id, evmTransport(c.rpcUrls)])),
  });
}

/**
 * The providers an EVM checkout needs: wagmi (createPaywallConfig, made once per mount) and a
 * react-query client of its own.
 *
 * @param chains the chains the paywall's options pay on (EVM_CHAINS or viem's list).
 * @param walletConnect the WalletConnect project and relay; without it no WalletConnect option.
 * @param app the store as wallets show it.
 */
export function EvmProviders({ chains, walletConnect, app, children }: { chains: EvmChainInfo[]; walletConnect?: WalletConnectSettings; app?: WalletApp; children: ReactNode }) {
  const [config] = useState(() => createPaywallConfig(chains, walletConnect, app));
  const [queryClient] = useState(() => new QueryClient());
  return (
    <WagmiProvider config={config}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </WagmiProvider>
  );
}
