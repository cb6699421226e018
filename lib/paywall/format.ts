import { formatUnits } from "viem";

/**
 * An atomic amount in human units: `formatAmount("20000", 6)` → "0.02". Never rounds: every
 * significant digit of the atomic amount is kept, trailing zeros dropped.
 */
export function formatAmount(atomic: string | bigint, decimals: number): string {
  return formatUnits(BigInt(atomic), decimals);
}

/** A short form of an address for display: 0x1234…abcd. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}
