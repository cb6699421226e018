import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/dashboard/sign-in-form";
import { currentMerchant } from "@/lib/auth/current";
import { resolveEvmChain, type EvmChainInfo } from "@/lib/chains/evm";
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in", robots: { index: false } };

export default async function SignInPage() {
  if (await currentMerchant()) redirect("/dashboard");
  const ids = Object.keys(env().evmChains).map(Number);
  const chains = (ids.length ? ids : [1]).map(resolveEvmChain).filter((c): c is EvmChainInfo => Boolean(c));
  return (
    <main className="flex min-h-screen items-center justify-center bg-stone-100 px-4">
      <div className="w-full max-w-sm rounded-2xl border border-stone-200 bg-white p-6 shadow-sm">
        <p className="text-xs font-semibold uppercase tracking-widest text-amber-700">Tollgate</p>
        <h1 className="mt-2 text-2xl font-bold">Merchant sign-in</h1>
        <p className="mt-2 mb-6 text-sm text-stone-600">Sign a message with a merchant wallet. No transaction, no fee.</p>
        <SignInForm chains={chains} />
      </div>
    </main>
  );
}
