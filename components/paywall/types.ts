import type { PaymentRequired } from "@x402/core/types";
import type { PaywallOption } from "@/lib/paywall/options";
import type { Teaser } from "@/lib/paywall/teaser";

/** Who sells, as the paywall shows it (store settings; `name` falls back to the site's host). */
export type PaywallStore = { name: string; logoUrl: string; accentColor: string; supportUrl: string };

/** Everything the paywall page passes to its client side (all serializable). */
export type PaywallProps = {
  paymentRequired: PaymentRequired;
  options: PaywallOption[];
  /** How long access lasts after payment, in seconds. */
  accessWindowSeconds: number;
  walletConnectProjectId?: string;
  store: PaywallStore;
  /** Where the "New to wallets?" help sends visitors for funds (WALLET_FAUCET_URL, WALLET_ONRAMP_URL). */
  walletHelp: { faucetUrl: string; onrampUrl: string };
  /** What the page says about itself, when it does. */
  teaser: Teaser | null;
};
