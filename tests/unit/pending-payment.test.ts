/**
 * lib/paywall/pending-payment.ts: what a tab keeps of a payment to send again (its settlement
 * pending, or refused in a way the same payment can still be served). The browser's
 * sessionStorage is stood in for by a Map (unit tests run in Node; the real storage is exercised
 * by the paywall e2e tests), and its content is the visitor's to edit: fuzzed.
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

describe("kept payment (this tab)", () => {
  it("keeps a payment's headers and kind per page until cleared", () => {
    savePendingPayment("/articles/deep-dive", { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }, { pending: true });
    expect(loadPendingPayment("/articles/deep-dive")).toEqual({ headers: { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }, pending: true });
    expect(loadPendingPayment("/articles/field-notes")).toBeNull();
    savePendingPayment("/articles/deep-dive", { "X-PAYMENT": "eyJ4NDAyVmVyc2lvbiI6MX0=" }, { pending: false });
    expect(loadPendingPayment("/articles/deep-dive")).toEqual({ headers: { "X-PAYMENT": "eyJ4NDAyVmVyc2lvbiI6MX0=" }, pending: false });
    clearPendingPayment("/articles/deep-dive");
    expect(loadPendingPayment("/articles/deep-dive")).toBeNull();
  });

  it("reads a payment kept before its kind was (headers alone) as pending", () => {
    items.set(KEY, JSON.stringify({ "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }));
    expect(loadPendingPayment("/articles/deep-dive")).toEqual({ headers: { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }, pending: true });
  });

  it("keeps only x402 payment headers", () => {
    savePendingPayment("/articles/deep-dive", { cookie: "session=1" }, { pending: true });
    expect(items.size).toBe(0);
    savePendingPayment("/articles/deep-dive", { "PAYMENT-SIGNATURE": "x", cookie: "session=1" }, { pending: false });
    expect(items.size).toBe(0);
  });

  it("reads whatever the storage holds as either a payment header set or nothing (fuzz)", () => {
    const headers = fc.dictionary(fc.constantFrom("PAYMENT-SIGNATURE", "X-PAYMENT", "cookie", "__proto__", "constructor"), fc.oneof(fc.string(), fc.integer(), fc.constant(null)));
    const stored = fc.oneof(
      fc.string(),
      fc.json(),
      headers.map((o) => JSON.stringify(o)),
      fc.record({ headers: fc.oneof(headers, fc.json()), pending: fc.oneof(fc.boolean(), fc.string(), fc.constant(null)) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(stored, (raw) => {
        items.set(KEY, raw);
        const kept = loadPendingPayment("/articles/deep-dive");
        if (kept === null) return;
        expect(Object.keys(kept).sort()).toEqual(["headers", "pending"]);
        expect(typeof kept.pending).toBe("boolean");
        expect(Object.keys(kept.headers).every((k) => k === "PAYMENT-SIGNATURE" || k === "X-PAYMENT")).toBe(true);
        expect(Object.values(kept.headers).every((v) => typeof v === "string" && v.length > 0)).toBe(true);
        expect(Object.keys(kept.headers).length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});
