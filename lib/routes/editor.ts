import "server-only";
import { networkName } from "@/lib/chains/assets";
import { describeToken, knownTokens } from "@/lib/chains/tokens";
import { loadSupportedNetworks } from "@/lib/gateway/x402-server";
import type { loadRoute } from "./data";
import { atomicToPrice } from "./price";
import { discoveryToForm, type EditorNetwork, type RouteForm } from "./schema";

/** Issuers of the stablecoins x402's default asset lists name. */
const ISSUERS: Record<string, string> = { USDC: "Circle", EURC: "Circle", PYUSD: "Paxos", USDT: "Tether", USDT0: "Tether" };

/**
 * The networks the route editor offers (what the facilitator settles) with their suggested
 * tokens, each named with its issuer where certain, or where Tollgate learned of it. When the
 * facilitator cannot be reached, the networks of the route being edited.
 */
export async function loadEditorNetworks(fallback: string[] = []): Promise<EditorNetwork[]> {
  const ids = await loadSupportedNetworks().catch(() => fallback);
  return Promise.all(
    [...new Set([...ids, ...fallback])].map(async (id) => {
      const name = networkName(id);
      const tokens = (await knownTokens(id)).map((t) => ({
        address: t.address,
        symbol: t.symbol,
        decimals: t.decimals,
        name: t.eip712?.name ?? null,
        // An issuer is named only where it is certain: the real deployments of x402's default list and @x402/svm's USDC.
        issuer: t.source === "EVM_CHAINS" ? null : (ISSUERS[t.symbol] ?? null),
        source: t.source ?? "EVM_CHAINS",
      }));
      return { id, name, tokens };
    }),
  );
}

/** A stored route as the editor's form: atomic amounts back to human prices with each token's decimals. */
export async function routeToForm(route: NonNullable<Awaited<ReturnType<typeof loadRoute>>>): Promise<RouteForm> {
  return {
    method: route.method,
    pathPattern: route.pathPattern,
    kind: route.kind,
    description: route.description,
    mimeType: route.mimeType,
    accessWindowHours: route.accessWindowSeconds / 3600,
    paymentIdentifier: route.paymentIdentifier,
    discovery: discoveryToForm(route.discovery),
    settleAfterComplete: route.settleAfterComplete,
    siwxAccess: route.siwxAccess,
    freeQuota: route.freeQuota,
    freeQuotaWindowHours: route.freeQuotaWindowSeconds / 3600,
    state: route.state,
    options: await Promise.all(
      route.paymentOptions.map(async (o) => {
        const token = await describeToken(o.network, o.asset);
        const atomic = o.amount.toFixed(0);
        return { network: o.network, asset: o.asset, price: token ? atomicToPrice(atomic, token.decimals) : atomic, payTo: o.payTo, maxTimeoutSeconds: o.maxTimeoutSeconds };
      }),
    ),
  };
}
