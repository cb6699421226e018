import { z } from "zod";

/**
 * The visitor's receipts, kept in this browser only (localStorage): what they paid for, with
 * what, and until when the page stays open to them. The grant cookie is what actually opens the
 * page; a receipt is the visitor's record of it. Storage is the visitor's to edit, so every read
 * is checked (zod), and a link is kept only if it is https.
 */
export type Receipt = z.infer<typeof receiptSchema>;

/**
 * The store's signed receipt for the payment, as PAYMENT-RESPONSE carried it when the store signs
 * them (specs/extensions/extension-offer-and-receipt.md §5): EIP-712 with its payload, or a JWS
 * compact string. Kept as sent, to hand to anyone who checks it; at most 4,000 characters.
 */
export const signedReceiptSchema = z
  .object({
    format: z.enum(["eip712", "jws"]),
    payload: z.record(z.string(), z.unknown()).optional(),
    signature: z.string().min(1),
  })
  .refine((r) => JSON.stringify(r).length <= 4_000, "too large")
  .refine((r) => (r.format === "eip712") === (r.payload !== undefined), "an EIP-712 receipt carries its payload, a JWS one does not");
export type SignedReceipt = z.infer<typeof signedReceiptSchema>;

const receiptSchema = z.object({
  /** The page's path, e.g. "/articles/deep-dive". */
  path: z.string().regex(/^\/(?!\/)/).max(2_000),
  title: z.string().max(300),
  store: z.string().max(100),
  /** "0.02 USDC". */
  price: z.string().max(100),
  networkName: z.string().max(100),
  /** CAIP-2. */
  network: z.string().max(100),
  transaction: z.string().max(200),
  explorerUrl: z.url({ protocol: /^https$/ }).nullable(),
  /** ISO 8601. */
  paidAt: z.iso.datetime(),
  accessUntil: z.iso.datetime(),
  /** The store's signed receipt, when it signs them. */
  signedReceipt: signedReceiptSchema.optional(),
});

const RECEIPTS_KEY = "tollgate:receipts";
const JUST_PAID_KEY = "tollgate:just-paid";
/** How many receipts a browser keeps (newest first). */
export const MAX_RECEIPTS = 50;

function storage(kind: "local" | "session"): Storage | null {
  try {
    return kind === "local" ? window.localStorage : window.sessionStorage;
  } catch {
    return null; // storage blocked: no receipts, no harm
  }
}

/** The receipts kept in this browser, newest first; entries that do not parse are dropped. */
export function readReceipts(): Receipt[] {
  try {
    const raw = JSON.parse(storage("local")?.getItem(RECEIPTS_KEY) ?? "[]") as unknown;
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((r) => {
      const parsed = receiptSchema.safeParse(r);
      return parsed.success ? [parsed.data] : [];
    });
  } catch {
    return [];
  }
}

/** Keeps a receipt (newest first, at most MAX_RECEIPTS) and marks it for the banner on the next load of its page. */
export function saveReceipt(receipt: Receipt): void {
  // A link that is not https is left out rather than losing the receipt.
  const parsed = receiptSchema.safeParse({ ...receipt, explorerUrl: receipt.explorerUrl?.startsWith("https://") ? receipt.explorerUrl : null });
  if (!parsed.success) return;
  try {
    storage("local")?.setItem(RECEIPTS_KEY, JSON.stringify([parsed.data, ...readReceipts()].slice(0, MAX_RECEIPTS)));
    storage("session")?.setItem(JUST_PAID_KEY, JSON.stringify(parsed.data));
  } catch {
    // storage full or blocked
  }
}

/** The receipt of a payment just made for `path`, once (the banner's source); null otherwise. */
export function takeJustPaid(path: string): Receipt | null {
  const session = storage("session");
  try {
    const parsed = receiptSchema.safeParse(JSON.parse(session?.getItem(JUST_PAID_KEY) ?? "null"));
    if (!parsed.success || parsed.data.path !== path) return null;
    session?.removeItem(JUST_PAID_KEY);
    return parsed.data;
  } catch {
    return null;
  }
}

/** A date and time in the visitor's locale, e.g. "23 Nov 2026, 07:10". */
export function formatWhen(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}
