/**
 * The dashboard's revenue figures: every line names its unit, including on a quiet day, and an
 * asset that sold before but not now shows its drop instead of vanishing.
 */
import { describe, expect, it } from "vitest";
import { Prisma } from "@/lib/generated/prisma/client";
import { assetKey, changeInWords, revenueLines, type AssetDisplay } from "@/lib/payments/display";

const BASE = "eip155:84532";
const SOLANA = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const EURC = "0x808456652fdb597867f38412077A9182bf77359F";
const SPL_USDC = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
const UNKNOWN = "0x1111111111111111111111111111111111111111";
const assets = new Map<string, AssetDisplay>([
  [assetKey(BASE, USDC), { symbol: "USDC", decimals: 6, networkName: "Base Sepolia" }],
  [assetKey(BASE, EURC), { symbol: "EURC", decimals: 6, networkName: "Base Sepolia" }],
  [assetKey(SOLANA, SPL_USDC), { symbol: "USDC", decimals: 6, networkName: "Solana Devnet" }],
  [assetKey(BASE, UNKNOWN), { symbol: "0x1111…1111", decimals: null, networkName: "Base Sepolia" }],
]);
const sum = (network: string, asset: string, atomic: string) => ({ network, asset, amount: new Prisma.Decimal(atomic) });

describe("revenueLines", () => {
  it("gives each asset settled now its amount in token units and its change against the period before", () => {
    const lines = revenueLines([sum(BASE, USDC, "30000"), sum(BASE, EURC, "10000")], [sum(BASE, USDC, "20000")], assets, "yesterday");
    expect(lines.map(({ text, change }) => ({ text, change }))).toEqual([
      { text: "0.03 USDC", change: "+50% vs yesterday" },
      { text: "0.01 EURC", change: "new vs yesterday" },
    ]);
  });

  it("keeps an asset that sold before but not now, at zero in its unit, with its drop", () => {
    // The EVM address is matched in either case, as stored rows and token lists spell it differently.
    const lines = revenueLines([sum(BASE, USDC, "10000")], [sum(BASE, EURC.toLowerCase(), "40000")], assets, "yesterday");
    expect(lines.map(({ text, change }) => ({ text, change }))).toEqual([
      { text: "0.01 USDC", change: "new vs yesterday" },
      { text: "0 EURC", change: "−100% vs yesterday" },
    ]);
  });

  it("on a period with no sales at all, says zero in the units the routes are priced in, once per symbol", () => {
    const pricedIn = [
      { network: BASE, asset: USDC },
      { network: SOLANA, asset: SPL_USDC },
      { network: BASE, asset: USDC },
      { network: BASE, asset: EURC },
    ];
    expect(revenueLines([], [], assets, "yesterday", pricedIn)).toEqual([
      { key: assetKey(BASE, USDC), text: "0 USDC", change: null },
      { key: assetKey(BASE, EURC), text: "0 EURC", change: null },
    ]);
  });

  it("names a token of unknown decimals by its address in atomic units, and says a bare 0 only when nothing is priced", () => {
    expect(revenueLines([], [], assets, "yesterday", [{ network: BASE, asset: UNKNOWN }]).map((l) => l.text)).toEqual(["0 (atomic) 0x1111…1111"]);
    expect(revenueLines([], [], assets, "yesterday")).toEqual([{ key: "none", text: "0", change: null }]);
  });

  it("gives every line a distinct key (React list keys)", () => {
    const lines = revenueLines([sum(BASE, USDC, "1"), sum(SOLANA, SPL_USDC, "2")], [sum(BASE, EURC, "3")], assets, "yesterday");
    expect(new Set(lines.map((l) => l.key)).size).toBe(lines.length);
  });
});

describe("changeInWords", () => {
  it("words a change in percent, rounded, with a true minus sign", () => {
    expect(changeInWords(3, 2, "x")).toBe("+50% vs x");
    expect(changeInWords("1", "3", "x")).toBe("−67% vs x");
    expect(changeInWords(5, 5, "x")).toBe("±0% vs x");
    expect(changeInWords(0, 4, "x")).toBe("−100% vs x");
    expect(changeInWords(4, undefined, "x")).toBe("new vs x");
    expect(changeInWords(0, 0, "x")).toBeNull();
    expect(changeInWords("0", undefined, "x")).toBeNull();
  });
});
