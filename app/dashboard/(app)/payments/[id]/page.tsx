import Link from "next/link";
import { notFound } from "next/navigation";
import { requireMerchantPage } from "@/lib/auth/current";
import { getDb } from "@/lib/db";
import { loadPayment } from "@/lib/payments/data";
import { CopyButton } from "@/components/ui/copy-button";
import { assetKey, describeAssets, formatAssetAmount, transactionUrl } from "@/lib/payments/display";
import { describeConfirmation, explainFailure, explainOpen, explainPending } from "@/lib/payments/failure";
import { env } from "@/lib/env";
import { utcTimestamp } from "@/lib/paywall/format";

export const dynamic = "force-dynamic";
export const metadata = { title: "Payment" };

export default async function PaymentPage({ params }: { params: Promise<{ id: string }> }) {
  await requireMerchantPage();
  const payment = await loadPayment(await getDb(), (await params).id);
  if (!payment) notFound();
  const assets = await describeAssets([payment]);
  const display = assets.get(assetKey(payment.network, payment.asset));
  const explorer = transactionUrl(payment.network, payment.transaction);
  const url = new URL(payment.resource);
  const failure = payment.status === "unknown" ? explainOpen(payment.errorReason) : explainFailure(payment.errorReason);
  const rows: [string, React.ReactNode][] = [
    [
      "Status",
      payment.status === "pending" ? (
        <span>
          {payment.status}
          <span className="mt-1 block font-sans" data-testid="pending-summary">
            {explainPending(payment.updatedAt, Date.now(), env().paidRequestMaxMs)}
          </span>
        </span>
      ) : (
        payment.status
      ),
    ],
    ["Amount", `${formatAssetAmount(payment.amount, display)} (${payment.amount.toFixed(0)} atomic units)`],
    ["Request", `${payment.method} ${url.pathname}${url.search}`],
    ["Resource URL", payment.resource],
    [
      "Route",
      payment.route ? (
        <Link href={`/dashboard/routes/${payment.route.id}`} className="text-amber-800 underline">
          {`${payment.route.method} ${payment.route.pathPattern} (${payment.route.kind})`}
        </Link>
      ) : (
        "deleted route"
      ),
    ],
    ["Payer", payment.payer ? <Copyable value={payment.payer} what="payer's address" /> : "unknown"],
    ["Pay to", <Copyable key="payTo" value={payment.payTo} what="recipient's address" />],
    ["Network", `${display?.networkName ?? payment.network} (${payment.network})`],
    ["Asset", display?.decimals != null ? `${display.symbol} (${payment.asset})` : payment.asset],
    ["Scheme", payment.scheme],
    ["x402 version", String(payment.x402Version)],
    [
      "Transaction",
      payment.transaction ? (
        explorer ? (
          <>
            <a href={explorer} className="text-amber-800 underline" rel="noreferrer" target="_blank">
              {payment.transaction}
            </a>
            <CopyButton value={payment.transaction} what="transaction" />
          </>
        ) : (
          <Copyable value={payment.transaction} what="transaction" />
        )
      ) : (
        "none"
      ),
    ],
    [
      "Error",
      payment.errorReason ? (
        <span>
          <span className="font-sans" data-testid="failure-summary">
            {failure.summary}
          </span>
          <span className="mt-1 block text-xs text-stone-600">Reported as: {failure.detail}</span>
        </span>
      ) : (
        "none"
      ),
    ],
    ["Created (UTC)", payment.createdAt.toISOString()],
    ["Settled (UTC)", payment.settledAt?.toISOString() ?? "not settled"],
    ...(payment.status === "settled" ? ([["On chain", <span key="confirmed" className="font-sans" data-testid="chain-confirmation">{describeConfirmation(payment.confirmedAt)}</span>]] as [string, React.ReactNode][]) : []),
    ["Payment key", payment.paymentKey],
    ["Settled by", payment.facilitator ? `${payment.facilitator} facilitator` : "—"],
    ["Payment identifier", payment.paymentIdentifier ?? "none (the client sent no payment-identifier id)"],
  ];
  return (
    <main>
      <Link href="/dashboard/payments" className="text-sm text-stone-600 hover:underline">
        ← Payments
      </Link>
      <h1 className="mt-2 text-2xl font-bold">
        {formatAssetAmount(payment.amount, display)} {payment.status === "settled" ? "paid" : payment.status} for {url.pathname}
      </h1>
      <p className="text-sm text-stone-600">
        {utcTimestamp(payment.createdAt)} UTC · payment <code>{payment.id}</code>
      </p>
      <dl className="mt-6 divide-y divide-stone-100 rounded-xl border border-stone-200 bg-white" data-testid="payment-detail">
        {rows.map(([label, value]) => (
          <div key={label} className="grid gap-1 px-4 py-3 sm:grid-cols-[12rem_1fr]">
            <dt className="text-sm font-medium text-stone-600">{label}</dt>
            <dd className="break-all font-mono text-sm">{value}</dd>
          </div>
        ))}
      </dl>
    </main>
  );
}

function Copyable({ value, what }: { value: string; what: string }) {
  return (
    <>
      <span>{value}</span>
      <CopyButton value={value} what={what} />
    </>
  );
}
