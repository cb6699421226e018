import { resolveEvmChain } from "@/lib/chains/evm";
import { checkOnchain, onchainRefSchema, type OnchainOutcome } from "./onchain";

/** The JSON-RPC URL Tollgate reads a network through (EVM_CHAINS, else viem's default), or undefined. */
export function rpcUrlFor(network: string): string | undefined {
  const match = /^eip155:(\d+)$/.exec(network);
  return match ? resolveEvmChain(Number(match[1]))?.rpcUrl : undefined;
}

/** A payment row as far as the chain check needs it. */
export type CheckablePayment = { network: string; asset: string; onchainRef: unknown; createdAt: Date };

/**
 * Asks the chain about a payment, repeating until it gives a definite answer (settled, or can
 * never settle) or `waitMs` has passed, every `everyMs`.
 *
 * @param waitMs 0 asks once.
 * @returns the last answer; `unknown` when the payment has no on-chain reference or its network
 *   no RPC URL. Never throws.
 */
export async function confirmOnChain(payment: CheckablePayment, waitMs: number, everyMs = 500): Promise<OnchainOutcome> {
  const ref = onchainRefSchema.safeParse(payment.onchainRef);
  if (!ref.success) return { state: "unknown", reason: "no on-chain reference for this kind of payment" };
  const rpcUrl = rpcUrlFor(payment.network);
  if (!rpcUrl) return { state: "unknown", reason: `no RPC URL for ${payment.network} (set EVM_CHAINS)` };
  const deadline = Date.now() + waitMs;
  for (;;) {
    const outcome = await checkOnchain(rpcUrl, payment.asset, ref.data, payment.createdAt);
    const definite = outcome.state === "settled" || (outcome.state === "not_settled" && outcome.final);
    if (definite || Date.now() + everyMs > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
