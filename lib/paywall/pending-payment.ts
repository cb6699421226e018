import { z } from "zod";

/**
 * A signed payment whose settlement the server reported pending, kept in this tab
 * (sessionStorage) per page path until it is served or refused: after a reload the paywall offers
 * to check it again instead of asking for a second payment. Storage is the visitor's to edit, so
 * a read is checked (zod): the x402 payment headers, nothing else.
 */
const pendingSchema = z
  .object({ "PAYMENT-SIGNATURE": z.string().min(1).max(16_384).optional(), "X-PAYMENT": z.string().min(1).max(16_384).optional() })
  .strict()
  .refine((h) => Boolean(h["PAYMENT-SIGNATURE"] ?? h["X-PAYMENT"]));

const keyFor = (path: string) => `tollgate:pending-payment:${path}`;

function session(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage blocked: a reload forgets the pending payment
  }
}

/** The pending payment's request headers for the page at `path`, or null. */
export function loadPendingPayment(path: string): Record<string, string> | null {
  try {
    const parsed = pendingSchema.safeParse(JSON.parse(session()?.getItem(keyFor(path)) ?? "null"));
    return parsed.success ? (parsed.data as Record<string, string>) : null;
  } catch {
    return null;
  }
}

/** Keeps `headers` (the payment's PAYMENT-SIGNATURE or X-PAYMENT) as pending for `path`. */
export function savePendingPayment(path: string, headers: Record<string, string>): void {
  const parsed = pendingSchema.safeParse(headers);
  if (!parsed.success) return;
  try {
    session()?.setItem(keyFor(path), JSON.stringify(parsed.data));
  } catch {
    // storage full or blocked: only the after-reload offer is lost
  }
}

/** Forgets the pending payment of `path` (served, or refused for good). */
export function clearPendingPayment(path: string): void {
  try {
    session()?.removeItem(keyFor(path));
  } catch {
    // nothing kept, nothing to clear
  }
}
