import type { PaymentRequired } from "@x402/core/types";
import type { PaywallOption } from "@/lib/paywall/options";

/** Everything the paywall page passes to its client side (all serializable). */
export type PaywallProps = {
  paymentRequired: PaymentRequired;
  options: PaywallOption[];
  /** How long access lasts after payment, in seconds. */
  accessWindowSeconds: number;
  walletConnectProjectId?: string;
};
