/**
 * lib/paywall/pending-payment.ts: what a tab keeps of a payment whose settlement is pending. The
 * browser's sessionStorage is stood in for by a Map (unit tests run in Node; the real storage is
 * exercised by the paywall e2e test), and its content is the visitor's to edit: fuzzed.
 */
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearPendingPayment, loadPendingPayment, savePendingPayment } from "@/lib/paywall/pending-payment";

const items = new Map<string, string>();
const KEY = "tollgate:pending-payment:/articles/deep-dive";
beforeAll(() => {
  const sessionStorage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
  (globalThis as { window?: unknown }).window = { sessionStorage };
});
afterAll(() => {
  delete (globalThis as { window?: unknown }).window;
});
beforeEach(() => items.clear());

describe("pending payment (this tab)", () => {
  it("keeps a payment's headers per page until cleared", () => {
    savePendingPayment("/articles/deep-dive", { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" });
    expect(loadPendingPayment("/articles/deep-dive")).toEqual({ "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" });
    expect(loadPendingPayment("/articles/field-notes")).toBeNull();
    clearPendingPayment("/articles/deep-dive");
    expect(loadPendingPayment("/articles/deep-dive")).toBeNull();
  });

  it("keeps only x402 payment headers", () => {
    savePendingPayment("/articles/deep-dive", { cookie: "session=1" });
    expect(items.size).toBe(0);
    savePendingPayment("/articles/deep-dive", { "PAYMENT-SIGNATURE": "x", cookie: "session=1" });
    expect(items.size).toBe(0);
  });

  it("reads whatever the storage holds as either a payment header set or nothing (fuzz)", () => {
    const stored = fc.oneof(
      fc.string(),
      fc.json(),
      fc.dictionary(fc.constantFrom("PAYMENT-SIGNATURE", "X-PAYMENT", "cookie", "__proto__", "constructor"), fc.oneof(fc.string(), fc.integer(), fc.constant(null))).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(stored, (raw) => {
        items.set(KEY, raw);
        const pending = loadPendingPayment("/articles/deep-dive");
        if (pending === null) return;
        expect(Object.keys(pending).every((k) => k === "PAYMENT-SIGNATURE" || k === "X-PAYMENT")).toBe(true);
        expect(Object.values(pending).every((v) => typeof v === "string" && v.length > 0)).toBe(true);
        expect(Object.keys(pending).length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});
