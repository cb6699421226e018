import { z } from "zod";
import { isStorableText } from "@/lib/text";

const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

/**
 * The payment states whose settlement outcome is still open: `settled` or `failed` may still be
 * written over them (lib/payments/mutations.ts).
 */
export const OPEN_STATUSES: ("pending" | "settling" | "unknown")[] = ["pending", "settling", "unknown"];

/** Text a filter compares with a column: one line (PostgreSQL text cannot hold NUL). */
const text = (max: number) => z.string().max(max).refine((v) => isStorableText(v));

/**
 * A calendar day (YYYY-MM-DD) between 1970-01-01 and 9998-12-31: a day and the day after it
 * (the `to` bound is exclusive of the next midnight) are timestamps every database here stores.
 */
const day = z.iso.date().refine((d) => d >= "1970-01-01" && d <= "9998-12-31", "must be a day between 1970 and 9998");

/**
 * Dashboard payment filters, as they arrive in the URL (all optional, empty = unset).
 * `from`/`to` are UTC calendar days, both inclusive. `q` finds a transaction hash or a payer.
 * `status` is one state, or `open`: any of OPEN_STATUSES (not resolved yet).
 */
export const paymentFilterSchema = z.object({
  route: optional(text(64)),
  status: optional(z.enum(["pending", "settling", "settled", "failed", "unknown", "open"])),
  network: optional(text(64)),
  asset: optional(text(64)),
  payer: optional(text(64)),
  from: optional(day),
  to: optional(day),
  q: optional(z.string().trim().max(128).refine((v) => isStorableText(v))),
});
export type PaymentFilter = z.infer<typeof paymentFilterSchema>;

/**
 * The payment lists behind the dashboard's "Failed (30 days)" and "Not yet resolved" figures:
 * failed payments created since the UTC day `sinceDay` (YYYY-MM-DD), and every open one (pending,
 * settling or unknown) whatever its age, as one left open is what needs a look. loadUnsettledCounts
 * counts exactly these, so that a figure and the list it links to agree.
 */
export function unsettledFilters(sinceDay: string): { failed: PaymentFilter; open: PaymentFilter } {
  return { failed: { status: "failed", from: sinceDay }, open: { status: "open" } };
}

/**
 * A PaymentFilter as a URL query, the inverse of parsePaymentFilter: `?key=value&…` with unset
 * keys left out, then `extra` (e.g. a list's `cursor` and `start`), or "" when nothing is set.
 * Every dashboard link to a payment list (and to its CSV export) is written by this.
 */
export function paymentFilterQuery(filter: PaymentFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, String(value));
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const query = params.toString();
  return query ? `?${query}` : "";
}

/** Reads filters from URL search params; invalid values are dropped (the UI then shows them unset). */
export function parsePaymentFilter(params: Record<string, string | string[] | undefined> | URLSearchParams): PaymentFilter {
  const entries = params instanceof URLSearchParams ? Object.fromEntries(params) : Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(paymentFilterSchema.shape)) {
    const parsed = schema.safeParse(entries[key]);
    // A search of spaces only trims to "": unset, as an empty field is.
    if (parsed.success && parsed.data !== undefined && parsed.data !== "") out[key] = parsed.data;
  }
  return out as PaymentFilter;
}

/** A position in the newest-first payment list: the last row's createdAt and id. */
export type PaymentCursor = { createdAt: Date; id: string };

/** A cursor for a URL: base64url of `<createdAt ISO 8601>|<id>` (decodeCursor reads it back). */
export function encodeCursor(c: PaymentCursor): string {
  return Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString("base64url");
}

/**
 * A payment id as this app writes them: a random UUID (lowercase, as `crypto.randomUUID` and
 * Prisma's `uuid()` write it), or a cuid on rows written before ids became UUIDs.
 */
const PAYMENT_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9]{10,40})$/;

/** Null for anything that is not a cursor this app wrote. */
export function decodeCursor(value: string | undefined | null): PaymentCursor | null {
  if (!value) return null;
  const [iso, id] = Buffer.from(value, "base64url").toString("utf8").split("|");
  const createdAt = new Date(iso ?? "");
  return id && !Number.isNaN(createdAt.getTime()) && PAYMENT_ID.test(id) ? { createdAt, id } : null;
}
