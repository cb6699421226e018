import "server-only";
import { createPublicClient, erc20Abi, type Address, type Chain } from "viem";
import * as viemChains from "viem/chains";
import { env } from "@/lib/env";
import { evmTransport } from "./rpc";
import type { RpcUrls } from "./rpc-urls";

/** What the browser needs to talk to an EVM chain: a plain, serializable chain description. */
export type EvmChainInfo = {
  id: number;
  name: string;
  /** The chain's JSON-RPC endpoints, tried in order (EVM_CHAINS, else viem's public one). */
  rpcUrls: RpcUrls;
  nativeCurrency: { name: string; symbol: string; decimals: number };
  explorerUrl?: string;
  testnet: boolean;
};

const KNOWN: Map<number, Chain> = new Map(
  Object.values(viemChains as Record<string, Chain>)
    .filter((c): c is Chain => typeof c === "object" && c !== null && typeof c.id === "number")
    .map((c) => [c.id, c]),
);

/**
 * Describes an EVM chain from viem's chain list, with EVM_CHAINS overriding the RPC URL or the
 * display name (a local devnet, a private RPC).
 *
 * @returns undefined when neither viem nor EVM_CHAINS knows the chain (it cannot be paid from a
 *   browser then: no RPC to read balances from).
 */
export function resolveEvmChain(chainId: number): EvmChainInfo | undefined {
  const known = KNOWN.get(chainId);
  const override = env().evmChains[String(chainId)];
  const publicRpc = known?.rpcUrls.default.http[0];
  const rpcUrls: RpcUrls | undefined = override?.rpcUrls ?? (publicRpc ? [publicRpc] : undefined);
  if (!rpcUrls) return undefined;
  return {
    id: chainId,
    name: override?.name ?? known?.name ?? `Chain ${chainId}`,
    rpcUrls,
    nativeCurrency: known?.nativeCurrency ?? { name: "Ether", symbol: "ETH", decimals: 18 },
    explorerUrl: override?.rpcUrls ? undefined : known?.blockExplorers?.default.url,
    testnet: known?.testnet ?? Boolean(override),
  };
}

/** Symbol and decimals of an ERC-20, as the token itself reports them. */
export type TokenMetadata = { symbol: string; decimals: number };

const g = globalThis as typeof globalThis & { __tollgateTokens?: Map<string, Promise<TokenMetadata | null>> };
const cache = (g.__tollgateTokens ??= new Map());

/**
 * Reads `symbol()` and `decimals()` from the token contract (any ERC-20, no table), cached per
 * chain and address for the life of the process; a failed read is retried on the next call.
 *
 * @returns null when the chain is unknown or the token does not answer within 3 s.
 */
export function readTokenMetadata(chain: EvmChainInfo, asset: string): Promise<TokenMetadata | null> {
  const key = `${chain.id}:${asset.toLowerCase()}`;
  let entry = cache.get(key);
  if (!entry) {
    const client = createPublicClient({ transport: evmTransport(chain.rpcUrls, { timeout: 3_000, retryCount: 0 }) });
    const address = asset as Address;
    entry = Promise.all([
      client.readContract({ address, abi: erc20Abi, functionName: "symbol" }),
      client.readContract({ address, abi: erc20Abi, functionName: "decimals" }),
    ]).then(
      ([symbol, decimals]) => ({ symbol, decimals }),
      (error: unknown) => {
        console.warn(`[tollgate] could not read token ${asset} on chain ${chain.id}:`, error instanceof Error ? error.message : error);
        cache.delete(key);
        return null;
      },
    );
    cache.set(key, entry);
  }
  return entry;
}
