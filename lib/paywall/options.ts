import "server-only";
import type { PaymentRequirements } from "@x402/core/types";
import { SOLANA_DEVNET_CAIP2, SOLANA_TESTNET_CAIP2 } from "@x402/svm";
import { describeNetworkAsset } from "@/lib/chains/assets";
import type { EvmChainInfo } from "@/lib/chains/evm";
import type { RpcUrls } from "@/lib/chains/rpc-urls";
import { transactionUrl } from "@/lib/payments/display";
import { dollarEquivalent, formatAmount, shortAddress } from "./format";

/** One payment option as the paywall shows it. */
export type PaywallOption = {
  /** Index in the PaymentRequired `accepts` list. */
  index: number;
  requirement: PaymentRequirements;
  family: "evm" | "solana" | "unsupported";
  /** EVM only: the chain to connect, read balances from and sign for. */
  chain?: EvmChainInfo;
  /** Solana only: the JSON-RPC endpoints to read balances and blockhashes from, in order (SOLANA_RPC_URLS). */
  rpcUrls?: RpcUrls;
  /** Token symbol and decimals, as the token reports them; null when unknown. */
  token: { symbol: string; decimals: number } | null;
  networkName: string;
  /** "0.02 USDC" (or "20000 atomic units of 0x1234…abcd" when the token could not be read). */
  price: string;
  /** "0.02 USDC on Base Sepolia". */
  label: string;
  /** "≈ $0.02" for a US-dollar stablecoin; null otherwise. */
  approx: string | null;
  /** A test network (funds from a faucet), not a mainnet. */
  testnet: boolean;
  /** A public explorer's page for a transaction on this network, with "{transaction}" to fill in; null when there is none. */
  explorerTxUrl: string | null;
};


/**
 * Describes each offered requirement in human terms. EVM tokens are read on chain (symbol,
 * decimals); Solana mints through SOLANA_RPC_URLS (an option on a network without one cannot be
 * paid in the browser: "unsupported"). Never throws: what cannot be described is shown in
 * atomic units.
 */
export async function describeOptions(accepts: PaymentRequirements[]): Promise<PaywallOption[]> {
  return Promise.all(
    accepts.map(async (requirement, index): Promise<PaywallOption> => {
      const described = await describeNetworkAsset(requirement.network, requirement.asset);
      const { chain, networkName, token, rpcUrls } = described;
      // A Solana option is payable in the browser only through an RPC the merchant configured.
      const family = described.family === "solana" && !rpcUrls ? "unsupported" : described.family;
      const price = token
        ? `${formatAmount(requirement.amount, token.decimals)} ${token.symbol}`
        : `${requirement.amount} atomic units of ${shortAddress(requirement.asset)}`;
      return { index, requirement, family, chain, rpcUrls, token, networkName, price, label: `${price} on ${networkName}`, approx: dollarEquivalent(requirement.amount, token), explorerTxUrl: transactionUrl(requirement.network, "{transaction}"), testnet: isTestnet(requirement.network, chain) };
    }),
  );
}

/** Whether `network` is a test network: the EVM chain says so; Solana's devnet and testnet are. */
function isTestnet(network: string, chain: EvmChainInfo | undefined): boolean {
  if (chain) return chain.testnet;
  return network === SOLANA_DEVNET_CAIP2 || network === SOLANA_TESTNET_CAIP2;
}
