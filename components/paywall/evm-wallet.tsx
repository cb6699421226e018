"use client";

import type { PaymentRequired } from "@x402/core/types";
import type { EvmChainInfo } from "@/lib/chains/evm";
import type { PaywallOption } from "@/lib/paywall/options";
import { EvmCheckout } from "./evm-checkout";
import { EvmProviders } from "./evm-providers";
import type { WalletConnectSettings } from "./types";

/**
 * Everything EVM the paywall needs once a visitor asks to connect: wagmi, viem, the connectors
 * and @x402/evm's signing. Loaded on demand (the "Connect wallet" click, or as soon as the
 * pointer or focus reaches that button), so the paywall itself paints with React alone.
 */
export default function EvmWallet(props: {
  chains: EvmChainInfo[];
  walletConnect?: WalletConnectSettings;
  /** The store's name and logo, shown by wallets that show who asks (Coinbase Wallet). */
  appName: string;
  appLogoUrl: string;
  option: PaywallOption;
  paymentRequired: PaymentRequired;
}) {
  return (
    <EvmProviders chains={props.chains} walletConnect={props.walletConnect} app={{ name: props.appName, logoUrl: props.appLogoUrl }}>
      <EvmCheckout key={props.option.index} option={props.option} paymentRequired={props.paymentRequired} />
    </EvmProviders>
  );
}
