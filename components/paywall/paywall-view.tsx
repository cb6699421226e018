import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import type { PaywallRequest } from "@/lib/paywall/request";
import { describeOptions } from "@/lib/paywall/options";
import { teaserFor } from "@/lib/paywall/teaser";
import { storeSettingsOrLastKnown } from "@/lib/store/settings";
import { Paywall } from "./paywall";

/**
 * The paywall for a PaymentRequired, with every option described in human terms (server
 * component). Rendered by the proxy's paywall page, and by a priced page whose own lock held
 * (`lockedBy="page"`, marked so operators and tests can tell the two apart).
 */
export async function PaywallView({ request, lockedBy = "proxy" }: { request: PaywallRequest; lockedBy?: "proxy" | "page" }) {
  const [options, settings] = await Promise.all([
    describeOptions(request.paymentRequired.accepts),
    // The paywall still sells when the settings cannot be read: as last read, else the defaults.
    storeSettingsOrLastKnown(getDb),
  ]);
  const resourceUrl = request.paymentRequired.resource.url;
  const store = { name: settings.name || hostOf(resourceUrl), logoUrl: settings.logoUrl, accentColor: settings.accentColor, supportUrl: settings.supportUrl };
  return (
    <div data-tollgate-lock={lockedBy}>
      <Paywall
        paymentRequired={request.paymentRequired}
        options={options}
        accessWindowSeconds={request.accessWindowSeconds}
        walletConnect={env().walletConnect}
        store={store}
        walletHelp={env().walletHelp}
        teaser={teaserFor(resourceUrl)}
      />
    </div>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "this site";
  }
}
