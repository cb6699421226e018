import { resolveEvmChain } from "@/lib/chains/evm";
import type { RpcUrls } from "@/lib/chains/rpc-urls";
import { env } from "@/lib/env";
import { checkOnchain, onchainRefSchema, type OnchainOutcome } from "./onchain";

/**
 * The JSON-RPC endpoints Tollgate reads a network through, in the order tried, or undefined:
 * EVM from EVM_CHAINS, else viem's default; Solana from SOLANA_RPC_URLS only.
 */
export function rpcUrlsFor(network: string): RpcUrls | undefined {
  if (network.startsWith("solana:")) return env().solanaRpcUrls[network];
  const match = /^eip155:(\d+)$/.exec(network);
  return match ? resolveEvmChain(Number(match[1]))?.rpcUrls : undefined;
}

/**
 * A payment row as far as the chain check needs it: `amount` in atomic units (a string, or the
 * row's Decimal).
 */
export type CheckablePayment = { network: string; asset: string; payTo: string; amount: string | { toFixed(digits: number): string }; onchainRef: unknown; createdAt: Date };

/**
 * Asks the chain about a payment, repeating until it gives a definite answer (settled, or can
 * never settle) or `waitMs` has passed, every `everyMs`.
 *
 * @param waitMs 0 asks once.
 * @returns the last answer; `unknown` with `uncheckable` when the payment has no on-chain
 *   reference or its network no RPC URL (asking again cannot help). Never throws.
 */
export async function confirmOnChain(payment: CheckablePayment, waitMs: number, everyMs = 500): Promise<OnchainOutcome> {
  const ref = onchainRefSchema.safeParse(payment.onchainRef);
  if (!ref.success) return { state: "unknown", uncheckable: true, reason: "no on-chain reference for this kind of payment" };
  const rpcUrls = rpcUrlsFor(payment.network);
  if (!rpcUrls) return { state: "unknown", uncheckable: true, reason: `no RPC URL for ${payment.network} (set ${payment.network.startsWith("solana:") ? "SOLANA_RPC_URLS" : "EVM_CHAINS"})` };
  const amount = typeof payment.amount === "string" ? payment.amount : payment.amount.toFixed(0);
  if (!/^\d{1,78}$/.test(amount)) return { state: "unknown", reason: `the payment's amount ${amount.slice(0, 80)} is no amount in atomic units` };
  const expected = { asset: payment.asset, payTo: payment.payTo, amount: BigInt(amount) };
  const deadline = Date.now() + waitMs;
  for (;;) {
    const outcome = await checkOnchain(rpcUrls, expected, ref.data, payment.createdAt);
    const definite = outcome.state === "settled" || (outcome.state === "not_settled" && outcome.final);
    if (definite || Date.now() + everyMs > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
