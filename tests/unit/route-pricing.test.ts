import { describe, expect, it } from "vitest";
import { atomicToPrice, examplePaths, payToProblem, priceToAtomic } from "@/lib/routes/price";

describe("price ↔ atomic units", () => {
  it("converts exactly, without floating point", () => {
    expect(priceToAtomic("0.02", 6)).toBe("20000");
    expect(priceToAtomic("1", 6)).toBe("1000000");
    expect(priceToAtomic("0.000001", 6)).toBe("1");
    expect(priceToAtomic(" 12.5 ", 6)).toBe("12500000");
    expect(priceToAtomic("0.1", 18)).toBe("100000000000000000");
    // 0.29 * 1e6 in floating point is 289999.99999999994
    expect(priceToAtomic("0.29", 6)).toBe("290000");
    expect(atomicToPrice("20000", 6)).toBe("0.02");
    expect(atomicToPrice(priceToAtomic("123.456789", 6), 6)).toBe("123.456789");
  });

  it.each([
    ["0.0000001", 6, /at most 6 digits/],
    ["0", 6, /more than zero/],
    ["-1", 6, /like 0.02/],
    ["1e3", 6, /like 0.02/],
    ["$0.02", 6, /like 0.02/],
    ["", 6, /like 0.02/],
    ["1,5", 6, /like 0.02/],
  ])("rejects %s", (price, decimals, message) => {
    expect(() => priceToAtomic(price as string, decimals as number)).toThrow(message as RegExp);
  });
});

describe("payTo per network", () => {
  it("accepts addresses of the network's family only", () => {
    expect(payToProblem("eip155:8453", "0x209693Bc6afc0C5328bA36FaF03C514EF312287C")).toBeNull();
    expect(payToProblem("eip155:8453", "0x209693bc6afc0c5328ba36faf03c514ef312287c")).toBeNull();
    expect(payToProblem("eip155:8453", "0x1234")).toMatch(/EVM address/);
    expect(payToProblem("eip155:8453", "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM")).toMatch(/EVM address/);
    expect(payToProblem("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM")).toBeNull();
    expect(payToProblem("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "0x209693Bc6afc0C5328bA36FaF03C514EF312287C")).toMatch(/Solana address/);
    expect(payToProblem("cosmos:hub", "x")).toMatch(/not supported/);
  });
});

describe("path pattern preview", () => {
  it("shows paths the pattern really matches", () => {
    expect(examplePaths("/api/quote")).toEqual(["/api/quote"]);
    expect(examplePaths("/api/items/:id")).toEqual(["/api/items/id-1"]);
    expect(examplePaths("/articles/*")).toEqual(["/articles/example", "/articles/any/depth"]);
    expect(examplePaths("/a/:b/*")).toEqual(["/a/b-1/example", "/a/b-1/any/depth"]);
    expect(examplePaths("no-slash")).toEqual([]);
  });
});
