import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { PaywallView } from "@/components/paywall/paywall-view";
import { isUpstreamCall, PAYWALL_HEADER } from "@/lib/gateway/upstream";
import { decodePaywallRequest } from "@/lib/paywall/request";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Payment required", robots: { index: false } };

// The paywall: rendered only for the proxy's loopback call (at the priced page's own URL, with
// status 402 set by the proxy). Anything else gets 404.
export default async function PaywallPage() {
  const h = await headers();
  const encoded = h.get(PAYWALL_HEADER);
  if (!isUpstreamCall(h) || !encoded) notFound();
  const request = decodePaywallRequest(encoded);
  if (!request) notFound();
  return <PaywallView request={request} />;
}
