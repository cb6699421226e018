/**
 * lib/paywall/pending-payment.ts: what the browser keeps of a payment to send again (its
 * settlement pending, or refused in a way the same payment can still be served). The browser's
 * localStorage and sessionStorage are stood in for by Maps (unit tests run in Node; the real
 * storage, across reloads and tabs, is exercised by the paywall e2e tests), and their content is
 * the visitor's to edit: fuzzed.
 */
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearPendingPayment, KEEP_MS, loadPendingPayment, savePendingPayment } from "@/lib/paywall/pending-payment";

const items = new Map<string, string>();
const sessionItems = new Map<string, string>();
const KEY = "tollgate:pending-payment:/articles/deep-dive";
const storage = (map: Map<string, string>) => ({ getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) });
beforeAll(() => {
  (globalThis as { window?: unknown }).window = { localStorage: storage(items), sessionStorage: storage(sessionItems) };
});
afterAll(() => {
  delete (globalThis as { window?: unknown }).window;
});
beforeEach(() => {
  items.clear();
  sessionItems.clear();
});

describe("kept payment", () => {
  it("keeps a payment's headers and kind per page until cleared", () => {
    savePendingPayment("/articles/deep-dive", { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }, { pending: true });
    expect(loadPendingPayment("/articles/deep-dive")).toEqual({ headers: { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }, pending: true });
    expect(loadPendingPayment("/articles/field-notes")).toBeNull();
    savePendingPayment("/articles/deep-dive", { "X-PAYMENT": "eyJ4NDAyVmVyc2lvbiI6MX0=" }, { pending: false });
    expect(loadPendingPayment("/articles/deep-dive")).toEqual({ headers: { "X-PAYMENT": "eyJ4NDAyVmVyc2lvbiI6MX0=" }, pending: false });
    clearPendingPayment("/articles/deep-dive");
    expect(loadPendingPayment("/articles/deep-dive")).toBeNull();
  });

  it("reads what the per-tab versions kept in sessionStorage (headers alone: pending; with the kind, no date), and clears it from both", () => {
    sessionItems.set(KEY, JSON.stringify({ "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }));
    expect(loadPendingPayment("/articles/deep-dive")).toEqual({ headers: { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }, pending: true });
    sessionItems.set(KEY, JSON.stringify({ headers: { "X-PAYMENT": "eyJ4NDAyVmVyc2lvbiI6MX0=" }, pending: false }));
    expect(loadPendingPayment("/articles/deep-dive")).toEqual({ headers: { "X-PAYMENT": "eyJ4NDAyVmVyc2lvbiI6MX0=" }, pending: false });
    // What this version keeps (localStorage, shared by the page's tabs) comes first.
    savePendingPayment("/articles/deep-dive", { "PAYMENT-SIGNATURE": "bmV3" }, { pending: true });
    expect(loadPendingPayment("/articles/deep-dive")?.headers).toEqual({ "PAYMENT-SIGNATURE": "bmV3" });
    clearPendingPayment("/articles/deep-dive");
    expect([items.size, sessionItems.size]).toEqual([0, 0]);
    expect(loadPendingPayment("/articles/deep-dive")).toBeNull();
  });

  it("offers a kept payment for a day after it was kept, not before it was kept (a clock set back) nor after", () => {
    const keptAt = Date.UTC(2026, 11, 3, 12);
    savePendingPayment("/articles/deep-dive", { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }, { pending: true }, keptAt);
    expect(JSON.parse(items.get(KEY)!)).toEqual({ headers: { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }, pending: true, savedAt: keptAt });
    expect(loadPendingPayment("/articles/deep-dive", keptAt)).not.toBeNull();
    expect(loadPendingPayment("/articles/deep-dive", keptAt + KEEP_MS - 1)).not.toBeNull();
    expect(loadPendingPayment("/articles/deep-dive", keptAt + KEEP_MS)).toBeNull();
    expect(loadPendingPayment("/articles/deep-dive", keptAt - 1)).toBeNull();
  });

  it("keeps it for this tab when localStorage refuses (full or blocked)", () => {
    (globalThis as { window: { localStorage: unknown } }).window.localStorage = { ...storage(items), setItem: () => { throw new Error("QuotaExceededError"); } };
    try {
      savePendingPayment("/articles/deep-dive", { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }, { pending: false });
      expect(sessionItems.has(KEY)).toBe(true);
      expect(loadPendingPayment("/articles/deep-dive")).toEqual({ headers: { "PAYMENT-SIGNATURE": "eyJ4NDAyVmVyc2lvbiI6Mn0=" }, pending: false });
    } finally {
      (globalThis as { window: { localStorage: unknown } }).window.localStorage = storage(items);
    }
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
      fc.record(
        { headers: fc.oneof(headers, fc.json()), pending: fc.oneof(fc.boolean(), fc.string(), fc.constant(null)), savedAt: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(Date.now())) },
        { requiredKeys: [] },
      ).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(stored, (raw) => {
        items.clear();
        sessionItems.clear();
        (raw.length % 2 ? items : sessionItems).set(KEY, raw);
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
