import { StoreSettingsForm } from "@/components/dashboard/store-settings-form";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { getOfferReceiptSigner } from "@/lib/gateway/x402-server";
import { loadStoreSettings } from "@/lib/store/settings";

export const dynamic = "force-dynamic";
export const metadata = { title: "Store settings" };

export default async function StoreSettingsPage() {
  await requireMerchantPage();
  const settings = await loadStoreSettings(await getDb());
  return (
    <main>
      <h1 className="text-2xl font-bold">Store settings</h1>
      <p className="mt-2 max-w-2xl text-sm text-stone-600">
        What buyers see on the paywall: who is selling, your logo and colour, and where to get help. The wallet a buyer connects shows the store name too.
      </p>
      <div className="mt-6">
        <StoreSettingsForm
          initial={{
            name: settings.name,
            logoUrl: settings.logoUrl,
            accentColor: settings.accentColor,
            supportUrl: settings.supportUrl,
            defaultAccessWindowHours: settings.defaultAccessWindowSeconds / 3600,
          }}
        />
      </div>
      <AgentSettings />
    </main>
  );
}

/**
 * What agents are told about the store beyond its routes, set in the server's environment (read
 * only here): who signs offers and receipts (OFFER_RECEIPT_PRIVATE_KEY) and the builder code
 * settlements credit (BUILDER_CODE).
 */
function AgentSettings() {
  const signer = getOfferReceiptSigner()?.identity;
  const builderCode = env().builderCode;
  return (
    <section aria-labelledby="agent-settings" className="mt-10 max-w-2xl">
      <h2 id="agent-settings" className="text-lg font-semibold">
        For agents
      </h2>
      <p className="mt-1 text-sm text-stone-600">Set in the server&apos;s environment; a restart applies a change.</p>
      <dl className="mt-4 grid gap-4 text-sm sm:grid-cols-[12rem_1fr]" data-testid="agent-settings">
        <dt className="font-medium">Signed offers and receipts</dt>
        <dd className="min-w-0" data-testid="agent-settings-receipts">
          {signer ? (
            <>
              On ({signer.format === "jws" ? "JWS ES256K" : "EIP-712"}), signed by
              <code className="block break-all font-mono text-xs">{signer.signer}</code>
            </>
          ) : (
            <>
              Off. Set <code className="font-mono text-xs">OFFER_RECEIPT_PRIVATE_KEY</code> to give buyers signed evidence of each offer and sale.
            </>
          )}
        </dd>
        <dt className="font-medium">Builder code (ERC-8021)</dt>
        <dd className="min-w-0" data-testid="agent-settings-builder-code">
          {builderCode ? (
            <>
              <code className="font-mono text-xs">{builderCode}</code>: every x402 v2 payment on an EVM network credits this app on chain, where the facilitator supports it.
            </>
          ) : (
            <>
              None. Set <code className="font-mono text-xs">BUILDER_CODE</code> to have settlements credit your app on chain.
            </>
          )}
        </dd>
      </dl>
    </section>
  );
}
