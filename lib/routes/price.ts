import { isAddress as isSolanaAddress } from "@solana/kit";
import { formatUnits, isAddress, parseUnits } from "viem";
import { compilePathPattern, validatePathPattern } from "@/lib/x402/route-pattern";

/**
 * Converts a price typed by a person ("0.02") into atomic units of a token with `decimals`
 * ("20000" for 6 decimals). Exact: no floating point, no rounding.
 *
 * @throws Error with a message for the form when the price is not a positive decimal number or
 *   has more fractional digits than the token supports.
 */
export function priceToAtomic(price: string, decimals: number): string {
  const value = price.trim();
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Error("Enter a price like 0.02");
  const fraction = value.split(".")[1] ?? "";
  if (fraction.length > decimals) throw new Error(`This token has ${decimals} decimals: use at most ${decimals} digits after the point`);
  const atomic = parseUnits(value, decimals);
  if (atomic <= 0n) throw new Error("The price must be more than zero");
  return atomic.toString();
}

/** Atomic units back to the human price ("20000", 6 → "0.02"). */
export function atomicToPrice(amount: string, decimals: number): string {
  return formatUnits(BigInt(amount), decimals);
}

/** Why `payTo` cannot receive on `network` (CAIP-2), or null when it can. */
export function payToProblem(network: string, payTo: string): string | null {
  const namespace = network.split(":")[0];
  if (namespace === "eip155") return isAddress(payTo, { strict: false }) ? null : "Enter an EVM address (0x followed by 40 hex digits)";
  // A Solana address is the base58 of a 32-byte public key (@solana/kit checks the length too).
  if (namespace === "solana") return isSolanaAddress(payTo) ? null : "Enter a Solana address (base58 of a 32-byte public key)";
  return `Payments on ${network} are not supported`;
}

/**
 * Example paths a pattern matches, for the route editor's preview: `:name` becomes a sample
 * segment, `*` one and two sample segments. Empty for an invalid pattern.
 */
export function examplePaths(pattern: string): string[] {
  if (validatePathPattern(pattern).length) return [];
  const fill = (tail: string) => pattern.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => `${name}-1`).replace(/\*$/, tail);
  const examples = pattern.endsWith("*") ? [fill("example"), fill("any/depth")] : [fill("")];
  const compiled = compilePathPattern(pattern);
  return examples.filter((p) => compiled.regex.test(p));
}
