import Link from "next/link";
import { notFound } from "next/navigation";
import { RouteEditor } from "@/components/dashboard/route-editor";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { loadRoute } from "@/lib/routes/data";
import { loadEditorNetworks, routeToForm } from "@/lib/routes/editor";

export const dynamic = "force-dynamic";
export const metadata = { title: "Edit route" };

export default async function EditRoutePage({ params }: { params: Promise<{ id: string }> }) {
  await requireMerchantPage();
  const route = await loadRoute(await getDb(), (await params).id);
  if (!route) notFound();
  const [form, networks] = await Promise.all([routeToForm(route), loadEditorNetworks(route.paymentOptions.map((o) => o.network))]);
  return (
    <main>
      <Link href="/dashboard/routes" className="text-sm text-stone-600 hover:underline">
        ← Routes
      </Link>
      <h1 className="mt-2 font-mono text-2xl font-bold">
        {route.method} {route.pathPattern}
      </h1>
      <RouteEditor id={route.id} initial={form} networks={networks} />
    </main>
  );
}
