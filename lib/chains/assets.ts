import "server-only";
import { getStablecoinSymbol, SOLANA_DEVNET_CAIP2, SOLANA_MAINNET_CAIP2, SOLANA_TESTNET_CAIP2 } from "@x402/svm";
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
  /** Symbol and decimals, as the token reports them (EVM) or @x402/svm knows them; null when unknown. */
  token: { symbol: string; decimals: number } | null;
};

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
 * process), known Solana stablecoins by their mint (6 decimals). Never throws.
 */
export async function describeNetworkAsset(network: string, asset: string): Promise<NetworkAsset> {
  const chain = evmChainOf(network);
  if (chain) return { family: "evm", chain, networkName: chain.name, token: await readTokenMetadata(chain, asset) };
  if (network.startsWith("solana:")) {
    const symbol = getStablecoinSymbol(asset);
    return { family: "solana", networkName: networkName(network), token: symbol ? { symbol, decimals: 6 } : null };
  }
  return { family: "unsupported", networkName: network, token: null };
}
