import "server-only";
import { getStablecoinSymbol, SOLANA_DEVNET_CAIP2, SOLANA_MAINNET_CAIP2, SOLANA_TESTNET_CAIP2 } from "@x402/svm";
import { address } from "@solana/kit";
import { env } from "@/lib/env";
import { shortAddress } from "@/lib/paywall/format";
import { readTokenMetadata, resolveEvmChain, type EvmChainInfo } from "./evm";
import { solanaRpc } from "./rpc";
import type { RpcUrls } from "./rpc-urls";

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
  /** Solana only: the JSON-RPC endpoints the browser reads balances and blockhashes from, in order (SOLANA_RPC_URLS). */
  rpcUrls?: RpcUrls;
};

const mintDecimals = new Map<string, Promise<number | null>>();

/**
 * A Solana mint's decimals, read from the mint account over JSON-RPC (jsonParsed), cached per
 * process; a failed read is retried on the next call. Null when it cannot be read within 3 s.
 */
export function readMintDecimals(rpcUrls: RpcUrls, mint: string): Promise<number | null> {
  const key = `${rpcUrls.join(" ")}|${mint}`;
  let entry = mintDecimals.get(key);
  if (!entry) {
    entry = solanaRpc(rpcUrls)
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
    const rpcUrls = env().solanaRpcUrls[network];
    const decimals = rpcUrls ? await readMintDecimals(rpcUrls, asset) : null;
    const symbol = getStablecoinSymbol(asset) ?? (decimals !== null ? shortAddress(asset) : null);
    return { family: "solana", networkName: networkName(network), rpcUrls, token: symbol && decimals !== null ? { symbol, decimals } : null };
  }
  return { family: "unsupported", networkName: network, token: null };
}
