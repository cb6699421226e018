import { stringify } from "csv-stringify/sync";
import { formatAmount } from "@/lib/paywall/format";
import type { PaymentRow } from "./data";
import { assetKey, type AssetDisplay } from "./display";

/** The export's columns, in order. Amounts appear both atomic (exact) and in token units. */
export const CSV_COLUMNS = [
  "id", "created_at_utc", "status", "route", "method", "resource", "payer", "network", "asset", "symbol", "amount_atomic", "amount", "transaction", "error_reason", "x402_version",
] as const;

/** The CSV header line. */
export function csvHeader(): string {
  return stringify([CSV_COLUMNS]);
}

/** What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A cell a spreadsheet shows as text and never runs: a value starting with `=`, `+`, `-`, `@`, a
 * tab or a carriage return gets a leading `'` (OWASP, "CSV Injection"); any other is returned as
 * is. No value the export writes starts so today (ids, UTC times, addresses, hashes, URLs, codes,
 * non-negative amounts), but some are built from what a request or a facilitator said.
 */
export function spreadsheetSafe(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * CSV lines for a batch of payments (RFC 4180 quoting by csv-stringify), one per row, every cell
 * spreadsheet-safe. Amounts: `amount_atomic` in atomic units, `amount` in token units.
 */
export function csvRows(rows: PaymentRow[], assets: Map<string, AssetDisplay>): string {
  return stringify(
    rows.map((p) => {
      const display = assets.get(assetKey(p.network, p.asset));
      const atomic = p.amount.toFixed(0);
      return [
        p.id,
        p.createdAt.toISOString(),
        p.status,
        p.route ? `${p.route.method} ${p.route.pathPattern}` : "",
        p.method,
        p.resource,
        p.payer ?? "",
        p.network,
        p.asset,
        display?.symbol ?? "",
        atomic,
        display?.decimals != null ? formatAmount(atomic, display.decimals) : "",
        p.transaction ?? "",
        p.errorReason ?? "",
        String(p.x402Version),
      ].map(spreadsheetSafe);
    }),
  );
}
