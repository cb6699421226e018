import "server-only";
import { env } from "@/lib/env";
import { assetKey, describeAssets, formatAssetAmount } from "@/lib/payments/display";
import { publicOriginOf } from "@/lib/public-origin";
import type { AgentDocsContext } from "./agent-docs";
import { getOfferReceiptSigner } from "./x402-server";
import type { DiscoveredResource } from "./discovery";

/**
 * The context the agent documents (/openapi.json, /llms.txt) are written in: the configured
 * public origin (never one a Host header made up), a title, and prices in words ("0.01 USDC on
 * Base Sepolia", token facts cached per process), who signs offers and receipts, and the store's
 * builder code.
 */
export async function agentDocsContext(request: Request, resources: DiscoveredResource[]): Promise<AgentDocsContext> {
  const origin = publicOriginOf(request.headers, request.url);
  const assets = await describeAssets(resources.flatMap((r) => r.accepts.map((a) => ({ network: a.network, asset: a.asset }))));
  return {
    origin,
    title: `Tollgate at ${new URL(origin).host}`,
    offerReceipt: getOfferReceiptSigner()?.identity ?? null,
    builderCode: env().builderCode,
    describePrice: (a) => {
      const display = assets.get(assetKey(a.network, a.asset));
      return `${formatAssetAmount(a.amount, display)} on ${display?.networkName ?? a.network} (${a.network})`;
    },
  };
}
