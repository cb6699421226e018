import "server-only";
import { DEFAULT_ASSETS } from "@x402/evm";
import { getStablecoinSymbol, getUsdcAddress } from "@x402/svm";
import { createPublicClient, erc20Abi, parseAbi, type Address } from "viem";
import { address as solanaAddress } from "@solana/kit";
import { env } from "@/lib/env";
import { readMintDecimals } from "./assets";
import { readTokenMetadata, resolveEvmChain } from "./evm";
import { evmTransport, solanaRpc } from "./rpc";

/** A token a route can be priced in: enough to convert prices and to build `extra`. */
export type TokenInfo = {
  network: string;
  address: string;
  symbol: string;
  decimals: number;
  /** Where the editor's list got it: x402's default assets, EVM_CHAINS, or @x402/svm's USDC mint. */
  source?: "x402 defaults" | "EVM_CHAINS" | "Solana USDC";
  /** EIP-712 domain of an EIP-3009 token (goes into PaymentRequirements.extra). EVM only. */
  eip712?: { name: string; version: string };
};

/**
 * The tokens the route editor offers for a network: EVM, the ones configured in EVM_CHAINS for
 * it (read from the chain), then @x402/evm's default assets (EIP-3009 ones only); Solana, the
 * cluster's USDC mint from @x402/svm. Never throws; a token that cannot be read is left out.
 */
export async function knownTokens(network: string): Promise<TokenInfo[]> {
  const [namespace, reference] = network.split(":");
  if (namespace === "solana") {
    // USDC's mint on this cluster, as @x402/svm knows it; decimals from the mint account.
    let usdc: string | undefined;
    try {
      usdc = getUsdcAddress(network as `${string}:${string}`);
    } catch {
      usdc = undefined;
    }
    const token = usdc ? await describeToken(network, usdc) : null;
    return token ? [{ ...token, source: "Solana USDC" as const }] : [];
  }
  if (namespace !== "eip155") return [];
  const configured = env().evmChains[reference ?? ""]?.tokens ?? [];
  const read = (await Promise.all(configured.map((a) => describeToken(network, a))))
    .filter((t): t is TokenInfo => t !== null)
    .map((t) => ({ ...t, source: "EVM_CHAINS" as const }));
  const defaults = (DEFAULT_ASSETS[network as keyof typeof DEFAULT_ASSETS] ?? [])
    .filter((a) => !("assetTransferMethod" in a && a.assetTransferMethod))
    .map((a) => ({ network, address: a.asset, symbol: a.symbol, decimals: a.decimals, eip712: { name: a.name, version: a.version }, source: "x402 defaults" as const }));
  const seen = new Set(read.map((t) => t.address.toLowerCase()));
  return [...read, ...defaults.filter((t) => !seen.has(t.address.toLowerCase()))];
}

const eip712Abi = parseAbi([
  "function name() view returns (string)",
  "function version() view returns (string)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
]);

/**
 * Everything needed to price a route in a token: symbol and decimals, and for EVM the EIP-712
 * domain (`version()`, or EIP-5267 `eip712Domain()`). @x402/evm's default table first, then the
 * chain. Solana: decimals read from the mint account through SOLANA_RPC_URLS (null without one).
 *
 * @returns null when the token cannot be described (unknown chain, not a token, no EIP-712 version).
 */
export async function describeToken(network: string, address: string): Promise<TokenInfo | null> {
  const [namespace, reference] = network.split(":");
  if (namespace === "solana") {
    // Any SPL mint: decimals from the mint account (SOLANA_RPC_URLS), the symbol of a stablecoin
    // @x402/svm knows, else the short mint address.
    const rpcUrls = env().solanaRpcUrls[network];
    const decimals = rpcUrls ? await readMintDecimals(rpcUrls, address) : null;
    if (decimals === null) return null;
    return { network, address, symbol: getStablecoinSymbol(address) ?? `${address.slice(0, 4)}…${address.slice(-4)}`, decimals };
  }
  if (namespace !== "eip155") return null;
  const known = (DEFAULT_ASSETS[network as keyof typeof DEFAULT_ASSETS] ?? []).find((a) => a.asset.toLowerCase() === address.toLowerCase());
  if (known) return { network, address: known.asset, symbol: known.symbol, decimals: known.decimals, eip712: { name: known.name, version: known.version } };
  const chain = resolveEvmChain(Number(reference));
  if (!chain) return null;
  const meta = await readTokenMetadata(chain, address);
  if (!meta) return null;
  const client = createPublicClient({ transport: evmTransport(chain.rpcUrls, { timeout: 3_000, retryCount: 0 }) });
  const token = address as Address;
  try {
    const name = await client.readContract({ address: token, abi: erc20Abi, functionName: "name" });
    const version = await client
      .readContract({ address: token, abi: eip712Abi, functionName: "version" })
      .catch(async () => (await client.readContract({ address: token, abi: eip712Abi, functionName: "eip712Domain" }))[2]);
    return { network, address, symbol: meta.symbol, decimals: meta.decimals, eip712: { name, version } };
  } catch {
    return null;
  }
}

/**
 * Whether a Solana wallet already holds a token account for `mint` (a transfer to a wallet
 * without one fails: x402's exact SVM transfer does not create it), read through
 * SOLANA_RPC_URLS.
 *
 * @returns null when it cannot be told (no RPC for the network, or the RPC did not answer in 3 s).
 */
export async function hasTokenAccount(network: string, owner: string, mint: string): Promise<boolean | null> {
  const rpcUrls = env().solanaRpcUrls[network];
  if (!rpcUrls) return null;
  try {
    const { value } = await solanaRpc(rpcUrls)
      .getTokenAccountsByOwner(solanaAddress(owner), { mint: solanaAddress(mint) }, { encoding: "base64" })
      .send({ abortSignal: AbortSignal.timeout(3_000) });
    return value.length > 0;
  } catch {
    return null;
  }
}
