"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { defineChain, type Chain } from "viem";
import { createConfig, http, WagmiProvider, type Config, type CreateConnectorFn } from "wagmi";
import { coinbaseWallet, walletConnect } from "wagmi/connectors";
import type { EvmChainInfo } from "@/lib/chains/evm";

/** wagmi for the paywall's chains: EIP-6963 wallets (discovered), Coinbase Wallet, WalletConnect if configured. */
export function createPaywallConfig(chainInfos: EvmChainInfo[], walletConnectProjectId?: string): Config {
  const chains = chainInfos.map((c) =>
    defineChain({
      id: c.id,
      name: c.name,
      nativeCurrency: c.nativeCurrency,
      rpcUrls: { default: { http: [c.rpcUrl] } },
      blockExplorers: c.explorerUrl ? { default: { name: "Explorer", url: c.explorerUrl } } : undefined,
      testnet: c.testnet,
    }),
  ) as unknown as [Chain, ...Chain[]];
  const connectors: CreateConnectorFn[] = [coinbaseWallet({ appName: "Tollgate" })];
  if (walletConnectProjectId) connectors.push(walletConnect({ projectId: walletConnectProjectId, showQrModal: true }));
  return createConfig({
    chains,
    connectors,
    multiInjectedProviderDiscovery: true,
    ssr: true,
    transports: Object.fromEntries(chains.map((c) => [c.id, http(c.rpcUrls.default.http[0])])),
  });
}

export function EvmProviders({ chains, walletConnectProjectId, children }: { chains: EvmChainInfo[]; walletConnectProjectId?: string; children: ReactNode }) {
  const [config] = useState(() => createPaywallConfig(chains, walletConnectProjectId));
  const [queryClient] = useState(() => new QueryClient());
  return (
    <WagmiProvider config={config}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </WagmiProvider>
  );
}
