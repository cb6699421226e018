import type { Metadata } from "next";
import { DashboardNav } from "@/components/dashboard/dashboard-nav";
import { signOutAction } from "@/lib/auth/actions";
import { requireMerchantPage } from "@/lib/auth/current";
import { shortAddress } from "@/lib/paywall/format";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: { default: "Dashboard", template: "%s · Tollgate dashboard" }, robots: { index: false } };

const NAV = [
  { href: "/dashboard", label: "Revenue" },
  { href: "/dashboard/payments", label: "Payments" },
  { href: "/dashboard/routes", label: "Routes" },
  { href: "/dashboard/webhooks", label: "Webhooks" },
  { href: "/dashboard/settings", label: "Settings" },
];

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const merchant = await requireMerchantPage();
  return (
    <div className="min-h-screen bg-stone-50">
      <header className="border-b border-stone-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <span className="font-bold">Tollgate</span>
          <DashboardNav sections={NAV} root="/dashboard" />
          <form action={signOutAction} className="ml-auto flex items-center gap-3 text-sm text-stone-600">
            <span className="font-mono" data-testid="merchant-address">{shortAddress(merchant.address)}</span>
            <button type="submit" className="rounded border border-stone-300 px-2 py-1 hover:bg-stone-100">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <div className="mx-auto max-w-6xl px-4 py-8">{children}</div>
    </div>
  );
}
