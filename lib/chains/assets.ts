import "server-only";
import { getStablecoinSymbol, SOLANA_DEVNET_CAIP2, SOLANA_MAINNET_CAIP2, SOLANA_TESTNET_CAIP2 } from "@x402/svm";
import { address, createSolanaRpc } from "@solana/kit";
import { env } from "@/lib/env";
import { shortAddress } from "@/lib/paywall/format";
import { readTokenMetadata, resolveEvmChain, type EvmChainInfo } from "./evm";

const SOLANA_NAMES: Record<string, string> = {
  [SOLANA_MAINNET_CAIP2]: "Solana",
  [SOLANA_DEVNET_CAIP2]: "Solana Devnet",
  [SOLANA_TESTNET_CAIP2]: "Solana Testnet",
};

/** A network and asset as people read them, with the chain for EVM. */
export type NetworkAsset = {
  family: "evm" | "solana" | "unsupported";
  /** EVM only: how to reach the chain. */
  chain?: EvmChainInfo;
  networkName: string;
  /** Symbol and decimals: EVM as the token reports them; Solana decimals from the mint account. Null when unknown. */
  token: { symbol: string; decimals: number } | null;
  /** Solana only: the JSON-RPC the browser reads balances and blockhashes from (SOLANA_RPC_URLS). */
  rpcUrl?: string;
};

const mintDecimals = new Map<string, Promise<number | null>>();

/**
 * A Solana mint's decimals, read from the mint account over JSON-RPC (jsonParsed), cached per
 * process; a failed read is retried on the next call. Null when it cannot be read within 3 s.
 */
export function readMintDecimals(rpcUrl: string, mint: string): Promise<number | null> {
  const key = `${rpcUrl}|${mint}`;
  let entry = mintDecimals.get(key);
  if (!entry) {
    entry = createSolanaRpc(rpcUrl)
      .getAccountInfo(address(mint), { encoding: "jsonParsed" })
      .send({ abortSignal: AbortSignal.timeout(3_000) })
      .then(({ value }) => {
        const data = value?.data as { parsed?: { type?: string; info?: { decimals?: number } } } | undefined;
        return data?.parsed?.type === "mint" && typeof data.parsed.info?.decimals === "number" ? data.parsed.info.decimals : null;
      })
      .catch(() => null);
    entry.then((d) => d === null && mintDecimals.delete(key));
    mintDecimals.set(key, entry);
  }
  return entry;
}

function evmChainOf(network: string): EvmChainInfo | undefined {
  const [namespace, reference] = network.split(":");
  return namespace === "eip155" && /^\d+$/.test(reference ?? "") ? resolveEvmChain(Number(reference)) : undefined;
}

/** The display name of a CAIP-2 network ("Base Sepolia", "Solana Devnet"), or the id itself. */
export function networkName(network: string): string {
  if (network.startsWith("solana:")) return SOLANA_NAMES[network] ?? "Solana";
  return evmChainOf(network)?.name ?? network;
}

/**
 * Describes a (network, asset) pair: EVM tokens read on chain (symbol, decimals; cached per
 * process); Solana mints' decimals read from the mint account through SOLANA_RPC_URLS, symbols of
 * known stablecoins from @x402/svm (else the short mint address). Never throws.
 */
export async function describeNetworkAsset(network: string, asset: string): Promise<NetworkAsset> {
  const chain = evmChainOf(network);
  if (chain) return { family: "evm", chain, networkName: chain.name, token: await readTokenMetadata(chain, asset) };
  if (network.startsWith("solana:")) {
    const rpcUrl = env().solanaRpcUrls[network];
    const decimals = rpcUrl ? await readMintDecimals(rpcUrl, asset) : null;
    const symbol = getStablecoinSymbol(asset) ?? (decimals !== null ? shortAddress(asset) : null);
    return { family: "solana", networkName: networkName(network), rpcUrl, token: symbol && decimals !== null ? { symbol, decimals } : null };
  }
  return { family: "unsupported", networkName: network, token: null };
}
