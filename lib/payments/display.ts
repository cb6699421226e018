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
