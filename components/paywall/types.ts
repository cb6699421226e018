import type { PaymentRequired } from "@x402/core/types";
import type { PaywallOption } from "@/lib/paywall/options";
import type { Teaser } from "@/lib/paywall/teaser";

/** Who sells, as the paywall shows it (store settings; `name` falls back to the site's host). */
export type PaywallStore = { name: string; logoUrl: string; accentColor: string; supportUrl: string };

/** WalletConnect Cloud project id, and the relay when not WalletConnect's own (a ws:// or wss:// URL). */
export type WalletConnectSettings = { projectId: string; relayUrl?: string };

/** Everything the paywall page passes to its client side (all serializable). */
export type PaywallProps = {
  paymentRequired: PaymentRequired;
  options: PaywallOption[];
  /** How long access lasts after payment, in seconds. */
  accessWindowSeconds: number;
  /** WalletConnect, when configured (NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID, WALLETCONNECT_RELAY_URL). */
  walletConnect?: WalletConnectSettings;
  store: PaywallStore;
  /** Where the "New to wallets?" help sends visitors for funds (WALLET_FAUCET_URL, WALLET_ONRAMP_URL). */
  walletHelp: { faucetUrl: string; onrampUrl: string };
  /** What the page says about itself, when it does. */
  teaser: Teaser | null;
};
