import { StoreSettingsForm } from "@/components/dashboard/store-settings-form";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
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
    </main>
  );
}
