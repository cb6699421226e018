import type { Metadata } from "next";
import Link from "next/link";
import { ReceiptsList } from "@/components/receipts-list";

export const metadata: Metadata = { title: "Your receipts", robots: { index: false } };

export default function ReceiptsPage() {
  return (
    <main className="mx-auto max-w-2xl px-5 py-12">
      <Link href="/" className="text-sm text-stone-600 hover:underline">
        ← Home
      </Link>
      <h1 className="mt-3 text-3xl font-bold tracking-tight">Your receipts</h1>
      <p className="mt-2 text-stone-600">Pages you paid for from this browser. They are kept here only, on this device; clearing the site&apos;s data removes them.</p>
      <ReceiptsList />
    </main>
  );
}
