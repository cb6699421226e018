import "server-only";
import { env } from "@/lib/env";
import { SOLANA_DEVNET_CAIP2, SOLANA_TESTNET_CAIP2 } from "@x402/svm";
import { describeNetworkAsset } from "@/lib/chains/assets";
import { resolveEvmChain } from "@/lib/chains/evm";
import { formatAmount, shortAddress } from "@/lib/paywall/format";

/** How to show amounts of one asset: its symbol and decimals, and the network's name. */
export type AssetDisplay = { symbol: string; decimals: number | null; networkName: string };

/**
 * Display facts for each (network, asset) pair, read once per pair (token metadata is cached
 * per process). Unknown tokens show their short address and atomic units.
 */
export async function describeAssets(pairs: { network: string; asset: string }[]): Promise<Map<string, AssetDisplay>> {
  const unique = [...new Map(pairs.map((p) => [assetKey(p.network, p.asset), p])).values()];
  const entries = await Promise.all(
    unique.map(async ({ network, asset }): Promise<[string, AssetDisplay]> => {
      const { networkName, token } = await describeNetworkAsset(network, asset);
      return [assetKey(network, asset), { symbol: token?.symbol ?? shortAddress(asset), decimals: token?.decimals ?? null, networkName }];
    }),
  );
  return new Map(entries);
}

/**
 * The key of a (network, asset) pair in the map describeAssets returns: `<CAIP-2 network>|<asset>`,
 * the asset lowercased so that an EVM address matches in either case (checksummed or not).
 */
export function assetKey(network: string, asset: string): string {
  return `${network}|${asset.toLowerCase()}`;
}

/** "0.02 USDC", or "20000 (atomic) 0x1234…abcd" when the decimals are unknown. */
export function formatAssetAmount(amount: { toFixed(d: number): string } | string, display: AssetDisplay | undefined): string {
  const atomic = typeof amount === "string" ? amount : amount.toFixed(0);
  if (!display || display.decimals === null) return `${atomic} (atomic) ${display?.symbol ?? ""}`.trim();
  return `${formatAmount(atomic, display.decimals)} ${display.symbol}`;
}

/**
 * Each route's payment options as buyers read them ("0.02 USDC on Base Sepolia"), in `accepts`
 * order, by route id. Amounts are atomic units in, token units out.
 */
export async function describeRoutePrices(routes: { id: string; paymentOptions: { network: string; asset: string; amount: string }[] }[]): Promise<Map<string, string[]>> {
  const assets = await describeAssets(routes.flatMap((r) => r.paymentOptions));
  return new Map(
    routes.map((r) => [
      r.id,
      r.paymentOptions.map((o) => priceInWords(o, assets)),
    ]),
  );
}

/**
 * One payment option as buyers read it ("0.02 USDC on Base Sepolia"): its amount (atomic units)
 * in token units, with `assets` from describeAssets; atomic units and the network id when unknown.
 */
export function priceInWords(option: { network: string; asset: string; amount: string }, assets: Map<string, AssetDisplay>): string {
  const display = assets.get(assetKey(option.network, option.asset));
  return `${formatAssetAmount(option.amount, display)} on ${display?.networkName ?? option.network}`;
}

/** A block-explorer link for a transaction, where the network has a public explorer. */
export function transactionUrl(network: string, transaction: string | null): string | null {
  if (!transaction) return null;
  const [namespace, reference] = network.split(":");
  if (namespace === "eip155") {
    const explorer = resolveEvmChain(Number(reference))?.explorerUrl;
    return explorer ? `${explorer.replace(/\/$/, "")}/tx/${transaction}` : null;
  }
  if (namespace === "solana") {
    // A network read through a loopback RPC is a local SVM under a public id: no public explorer has it.
    const rpcUrls = env().solanaRpcUrls[network];
    if (rpcUrls && ["127.0.0.1", "localhost", "[::1]"].includes(new URL(rpcUrls[0]).hostname)) return null;
    const cluster = network === SOLANA_DEVNET_CAIP2 ? "?cluster=devnet" : network === SOLANA_TESTNET_CAIP2 ? "?cluster=testnet" : "";
    return `https://explorer.solana.com/tx/${transaction}${cluster}`;
  }
  return null;
}

/** One line of a revenue figure: an amount of one asset in token units, and its change. */
export type RevenueLine = { key: string; text: string; change: string | null };

/**
 * The lines of one revenue figure on the dashboard. `now` and `previous` are settled sums in atomic
 * units per (network, asset), for a period and the period of the same length before it; `assets`
 * comes from describeAssets and must cover both. One line per asset settled in either period, so an
 * asset that sold before and not now reads "0 USDC −100% vs yesterday" rather than vanishing. When
 * neither period has any, one "0 <symbol>" line per distinct symbol in `pricedIn` (the assets routes
 * are priced in, also described in `assets`), so a quiet day still says its unit; with no priced
 * route either, the single line "0".
 */
export function revenueLines(
  now: { network: string; asset: string; amount: { toFixed(d: number): string } }[],
  previous: { network: string; asset: string; amount: { toFixed(d: number): string } }[],
  assets: Map<string, AssetDisplay>,
  against: string,
  pricedIn: { network: string; asset: string }[] = [],
): RevenueLine[] {
  const amountOf = (list: typeof now, key: string) => list.find((a) => assetKey(a.network, a.asset) === key)?.amount.toFixed(0);
  const keys = [...new Set([...now, ...previous].map((a) => assetKey(a.network, a.asset)))];
  if (keys.length > 0) {
    return keys.map((key) => {
      const amount = amountOf(now, key) ?? "0";
      return { key, text: formatAssetAmount(amount, assets.get(key)), change: changeInWords(amount, amountOf(previous, key), against) };
    });
  }
  const bySymbol = new Map<string, RevenueLine>();
  for (const p of pricedIn) {
    const key = assetKey(p.network, p.asset);
    const display = assets.get(key);
    const text = formatAssetAmount("0", display);
    if (!bySymbol.has(text)) bySymbol.set(text, { key, text, change: null });
  }
  return bySymbol.size > 0 ? [...bySymbol.values()] : [{ key: "none", text: "0", change: null }];
}

/**
 * "+12% vs yesterday", "new vs yesterday" (nothing before), "−100% vs yesterday" (nothing now), or
 * null (nothing now and nothing before). Both numbers are in one unit: atomic units of one asset,
 * or counts; `before` undefined is 0.
 */
export function changeInWords(now: string | number, before: string | number | undefined, against: string): string | null {
  const n = Number(now);
  const b = before === undefined ? 0 : Number(before);
  if (b === 0) return n === 0 ? null : `new vs ${against}`;
  const pct = Math.round(((n - b) / b) * 100);
  return `${pct > 0 ? "+" : pct < 0 ? "−" : "±"}${Math.abs(pct)}% vs ${against}`;
}
