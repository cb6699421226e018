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

/** Stablecoins pegged to the US dollar, by symbol, whose price the paywall also shows in dollars. */
const USD_PEGGED = new Set(["USDC", "USDT", "USDBC", "PYUSD", "USDG", "DAI"]);

/**
 * "≈ $0.02" for an amount of a US-dollar stablecoin (by its symbol), "< $0.01" below a cent;
 * null for any other token (EURC, unknown tokens): no exchange rate is guessed.
 *
 * @param atomic the amount in atomic units; `decimals` the token's.
 */
export function dollarEquivalent(atomic: string | bigint, token: { symbol: string; decimals: number } | null): string | null {
  if (!token || !USD_PEGGED.has(token.symbol.toUpperCase())) return null;
  const dollars = Number(formatUnits(BigInt(atomic), token.decimals));
  if (dollars > 0 && dollars < 0.01) return "< $0.01";
  return `≈ $${dollars.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A moment as the dashboard prints it: "2026-11-22 06:23:01" (UTC, to the second). */
export function utcTimestamp(at: Date): string {
  return at.toISOString().replace("T", " ").slice(0, 19);
}
