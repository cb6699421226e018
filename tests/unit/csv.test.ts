import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Prisma } from "@/lib/generated/prisma/client";
import { CSV_COLUMNS, csvHeader, csvRows, spreadsheetSafe } from "@/lib/payments/csv";
import type { PaymentRow } from "@/lib/payments/data";
import { assetKey, type AssetDisplay } from "@/lib/payments/display";

const NETWORK = "eip155:84532";
const ASSET = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const assets = new Map<string, AssetDisplay>([[assetKey(NETWORK, ASSET), { symbol: "USDC", decimals: 6, networkName: "Base Sepolia" }]]);

function row(overrides: Partial<PaymentRow> = {}): PaymentRow {
  return {
    id: "cm0abc",
    createdAt: new Date("2026-11-22T10:11:12.345Z"),
    status: "settled",
    resource: "https://shop.example/api/demo/quote?city=Oslo",
    method: "GET",
    payer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    network: NETWORK,
    asset: ASSET,
    amount: new Prisma.Decimal("10000"),
    transaction: `0x${"ab".repeat(32)}`,
    errorReason: null,
    x402Version: 2,
    route: { id: "r1", method: "GET", pathPattern: "/api/demo/quote" },
    ...overrides,
  };
}

/** The export as a spreadsheet or any CSV reader sees it: header, then one record a payment. */
const read = (rows: PaymentRow[]) => parse(csvHeader() + csvRows(rows, assets)) as string[][];

describe("the payments CSV export", () => {
  it("writes one record a payment under the documented columns, amounts atomic and in token units", () => {
    const [header, record] = read([row()]);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, record![i]]))).toEqual({
      id: "cm0abc",
      created_at_utc: "2026-11-22T10:11:12.345Z",
      status: "settled",
      route: "GET /api/demo/quote",
      method: "GET",
      resource: "https://shop.example/api/demo/quote?city=Oslo",
      payer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      network: NETWORK,
      asset: ASSET,
      symbol: "USDC",
      amount_atomic: "10000",
      amount: "0.01",
      transaction: `0x${"ab".repeat(32)}`,
      error_reason: "",
      x402_version: "2",
    });
  });

  it("leaves an unknown token's amount in atomic units only, and a missing payer or route empty", () => {
    const [, record] = read([row({ asset: "0x0000000000000000000000000000000000000001", payer: null, route: null, status: "failed", errorReason: "insufficient_funds" })]);
    const cell = (c: (typeof CSV_COLUMNS)[number]) => record![CSV_COLUMNS.indexOf(c)];
    expect([cell("symbol"), cell("amount_atomic"), cell("amount"), cell("payer"), cell("route"), cell("error_reason")]).toEqual(["", "10000", "", "", "", "insufficient_funds"]);
  });

  it("never hands a spreadsheet a formula: a cell that would start one is shown as text (OWASP CSV injection)", () => {
    const [, record] = read([row({ errorReason: '=HYPERLINK("https://evil.example","x")', payer: "+1+cmd|' /C calc'!A0", resource: "@SUM(A1:A9)" })]);
    const cell = (c: (typeof CSV_COLUMNS)[number]) => record![CSV_COLUMNS.indexOf(c)];
    expect([cell("error_reason"), cell("payer"), cell("resource")]).toEqual(["'=HYPERLINK(\"https://evil.example\",\"x\")", "'+1+cmd|' /C calc'!A0", "'@SUM(A1:A9)"]);
  });

  it("reads back every text field as written, or as text when it would start a formula, whatever it holds (fuzz)", () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 20 }), fc.constantFrom("=1+1", "-2", "+3", "@x", "\tx", "\rx", "a,b", 'say "hi"', "line\nbreak", ""));
    fc.assert(
      fc.property(fc.array(fc.record({ resource: text, payer: text, errorReason: text, method: text, pathPattern: text }), { minLength: 1, maxLength: 5 }), (fields) => {
        const rows = fields.map((f, i) => row({ id: `id${i}`, resource: f.resource, payer: f.payer, errorReason: f.errorReason, method: f.method, route: { id: "r", method: "GET", pathPattern: f.pathPattern } }));
        const records = read(rows).slice(1);
        expect(records).toHaveLength(rows.length);
        records.forEach((record, i) => {
          expect(record).toHaveLength(CSV_COLUMNS.length);
          for (const cell of record) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
          const f = fields[i]!;
          const cell = (c: (typeof CSV_COLUMNS)[number]) => record[CSV_COLUMNS.indexOf(c)];
          expect([cell("id"), cell("resource"), cell("payer"), cell("error_reason"), cell("method"), cell("route")]).toEqual(
            [`id${i}`, f.resource, f.payer, f.errorReason, f.method, `GET ${f.pathPattern}`].map(spreadsheetSafe),
          );
        });
      }),
      { numRuns: 300 },
    );
  });

  it("changes no value that cannot start a formula, and only prefixes one that can", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        const safe = spreadsheetSafe(value);
        if (/^[=+\-@\t\r]/.test(value)) expect(safe).toBe(`'${value}`);
        else expect(safe).toBe(value);
      }),
    );
  });
});
