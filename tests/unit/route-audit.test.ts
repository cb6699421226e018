import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeRouteChange } from "@/lib/routes/audit";

const option = { network: "eip155:84532", asset: "0xA", amount: "10000", payTo: "0xB", maxTimeoutSeconds: 300 };
const route = { state: "charging", method: "GET", pathPattern: "/api/x", description: "X", paymentOptions: [option] };

describe("describeRouteChange", () => {
  it("names each changed field, options by position, and nothing that stayed", () => {
    expect(describeRouteChange(route, { ...route, state: "free" })).toEqual(["state: charging → free"]);
    expect(describeRouteChange(route, { ...route, paymentOptions: [{ ...option, amount: "20000" }] })).toEqual(["payment option 1 amount: 10000 → 20000"]);
    expect(describeRouteChange(route, { ...route, paymentOptions: [option, { ...option, network: "solana:x" }] })).toEqual([
      "payment option 2 added: 10000 atomic units of 0xA on solana:x to 0xB",
    ]);
    expect(describeRouteChange(route, { ...route, paymentOptions: [] })).toEqual(["payment option 1 removed: 10000 atomic units of 0xA on eip155:84532 to 0xB"]);
    expect(describeRouteChange(route, route)).toEqual([]);
  });

  it("fuzz: any stored JSON (hand-edited rows included) gives lines, never a throw", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (before, after) => {
        const lines = describeRouteChange(before, after);
        expect(Array.isArray(lines)).toBe(true);
        if (JSON.stringify(before) === JSON.stringify(after) && before && typeof before === "object" && !Array.isArray(before)) expect(lines).toEqual([]);
      }),
    );
  });
});
