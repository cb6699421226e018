/**
 * The fees a stuck settlement is sent again with (lib/facilitator/speed-up.ts), and when the app
 * sends it again (speedUpAfterFor). The re-sends themselves, on anvil with a base fee that rose
 * past the first send's cap (EIP-1559 and legacy), are in
 * tests/integration/self-hosted-facilitator.test.ts; through the app, in facilitators.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { speedUpAfterFor } from "@/lib/facilitator/self-hosted";
import { raisedFees } from "@/lib/facilitator/speed-up";

const wei = fc.bigInt({ min: 0n, max: 10n ** 24n });

describe("raisedFees", () => {
  it("raises an EIP-1559 send's fees enough for a node to take it as a replacement, and follows a base fee that rose", () => {
    fc.assert(
      fc.property(wei, wei, fc.option(wei), (cap, tipSeed, baseFeePerGas) => {
        const tip = tipSeed > cap ? cap : tipSeed;
        const next = raisedFees({ maxFeePerGas: cap, maxPriorityFeePerGas: tip }, { baseFeePerGas });
        if ("gasPrice" in next) throw new Error("an EIP-1559 send stays EIP-1559");
        // geth's pool: a replacement pays at least 10% more on both fields (strictly more, for anvil).
        expect(next.maxFeePerGas * 10n).toBeGreaterThanOrEqual(cap * 11n);
        expect(next.maxPriorityFeePerGas * 10n).toBeGreaterThanOrEqual(tip * 11n);
        expect(next.maxFeePerGas).toBeGreaterThan(cap);
        expect(next.maxPriorityFeePerGas).toBeGreaterThan(tip);
        expect(next.maxPriorityFeePerGas).toBeLessThanOrEqual(next.maxFeePerGas);
        // The cap covers twice the latest base fee plus the tip, the rule the first send was filled by.
        expect(next.maxFeePerGas).toBeGreaterThanOrEqual((baseFeePerGas ?? 0n) * 2n + next.maxPriorityFeePerGas);
      }),
      { numRuns: 500 },
    );
  });

  it("raises a legacy gas price by at least 10%, and to at least the node's current one", () => {
    fc.assert(
      fc.property(wei, fc.option(wei, { nil: undefined }), (price, gasPrice) => {
        const next = raisedFees({ gasPrice: price }, { gasPrice });
        if (!("gasPrice" in next)) throw new Error("a legacy send stays legacy");
        expect(next.gasPrice * 10n).toBeGreaterThanOrEqual(price * 11n);
        expect(next.gasPrice).toBeGreaterThan(price);
        expect(next.gasPrice).toBeGreaterThanOrEqual(gasPrice ?? 0n);
      }),
      { numRuns: 500 },
    );
  });

  it("gives the exact +12.5% and 1 wei when the base fee did not rise", () => {
    expect(raisedFees({ maxFeePerGas: 8_000n, maxPriorityFeePerGas: 800n }, { baseFeePerGas: 1_000n })).toEqual({ maxFeePerGas: 9_001n, maxPriorityFeePerGas: 901n });
    expect(raisedFees({ maxFeePerGas: 8_000n, maxPriorityFeePerGas: 800n }, { baseFeePerGas: 10_000n })).toEqual({ maxFeePerGas: 20_901n, maxPriorityFeePerGas: 901n });
    expect(raisedFees({ gasPrice: 8_000n }, { gasPrice: 100n })).toEqual({ gasPrice: 9_001n });
  });
});

describe("speedUpAfterFor", () => {
  it("speeds up within the settle call's time (half of it), between 1 s and 30 s, later for a longer timeout", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), (a, b) => {
        const after = speedUpAfterFor(a);
        expect(after).toBeGreaterThanOrEqual(1_000);
        expect(after).toBeLessThanOrEqual(30_000);
        if (a >= 2_000) expect(after).toBeLessThanOrEqual(a / 2);
        if (a <= b) expect(after).toBeLessThanOrEqual(speedUpAfterFor(b));
      }),
      { numRuns: 500 },
    );
    expect(speedUpAfterFor(20_000)).toBe(10_000);
  });
});
