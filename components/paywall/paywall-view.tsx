import { env } from "@/lib/env";
import type { PaywallRequest } from "@/lib/paywall/request";
import { describeOptions } from "@/lib/paywall/options";
import { Paywall } from "./paywall";

/**
 * The paywall for a PaymentRequired, with every option described in human terms (server
 * component). Rendered by the proxy's paywall page, and by a priced page whose own lock held
 * (`lockedBy="page"`, marked so operators and tests can tell the two apart).
 */
export async function PaywallView({ request, lockedBy = "proxy" }: { request: PaywallRequest; lockedBy?: "proxy" | "page" }) {
  const options = await describeOptions(request.paymentRequired.accepts);
  return (
    <div data-tollgate-lock={lockedBy}>
      <Paywall
        paymentRequired={request.paymentRequired}
        options={options}
        accessWindowSeconds={request.accessWindowSeconds}
        walletConnectProjectId={env().walletConnectProjectId}
      />
    </div>
  );
}
