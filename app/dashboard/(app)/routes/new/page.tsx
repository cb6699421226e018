import Link from "next/link";
import { RouteEditor } from "@/components/dashboard/route-editor";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { loadEditorNetworks } from "@/lib/routes/editor";
import { loadStoreSettings } from "@/lib/store/settings";

export const dynamic = "force-dynamic";
export const metadata = { title: "New route" };

export default async function NewRoutePage() {
  const merchant = await requireMerchantPage();
  const [networks, store] = await Promise.all([loadEditorNetworks(), getDb().then(loadStoreSettings)]);
  const first = networks[0];
  // Payments go to the signed-in merchant's own wallet unless changed: the address fits networks of its kind.
  const ownFamily = merchant.kind === "solana" ? "solana:" : "eip155:";
  const payTo = first?.id.startsWith(ownFamily) ? merchant.address : "";
  return (
    <main>
      <Link href="/dashboard/routes" className="text-sm text-stone-600 hover:underline">
        ← Routes
      </Link>
      <h1 className="mt-2 text-2xl font-bold">New priced route</h1>
      <RouteEditor
        id={null}
        networks={networks}
        initial={{
          method: "GET",
          pathPattern: "/api/",
          kind: "api",
          description: "",
          mimeType: "application/json",
          accessWindowHours: store.defaultAccessWindowSeconds / 3600,
          paymentIdentifier: "optional",
          state: "charging",
          options: [{ network: first?.id ?? "", asset: first?.tokens[0]?.address ?? "", price: "", payTo, maxTimeoutSeconds: 300 }],
        }}
      />
    </main>
  );
}
