import type { Metadata } from "next";
import { ReceiptBanner } from "@/components/receipt-banner";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Tollgate", template: "%s · Tollgate" },
  description: "Self-hosted x402 paywall: priced API and page routes, paid with stablecoins.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-stone-50 font-sans text-stone-900 antialiased">
        <ReceiptBanner />
        {children}
      </body>
    </html>
  );
}
