import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";

export const metadata: Metadata = { title: "Page not found", robots: { index: false } };

// Any path no page or handler serves (and notFound() calls).
export default async function NotFound() {
  // Rendered per request, never prerendered: Next answers a post in RSC form (`RSC: 1`, `*.rsc`)
  // to a path with no page with a 500 when this page is static ("Expected RSC response").
  await connection();
  return (
    <main className="mx-auto flex min-h-[70vh] max-w-xl flex-col justify-center px-5 py-16">
      <p className="text-sm font-semibold uppercase tracking-widest text-amber-800">404</p>
      <h1 className="mt-2 text-3xl font-bold tracking-tight">This page does not exist</h1>
      <p className="mt-3 text-stone-600">The address may be mistyped, or the page was moved. Nothing was charged.</p>
      <nav className="mt-8 flex flex-wrap gap-4 text-sm font-medium">
        <Link href="/" className="rounded-lg bg-stone-900 px-4 py-2 text-white hover:bg-stone-800">
          Home
        </Link>
        <Link href="/articles/welcome" className="rounded-lg border border-stone-300 px-4 py-2 hover:bg-stone-100">
          Reading room
        </Link>
      </nav>
    </main>
  );
}
