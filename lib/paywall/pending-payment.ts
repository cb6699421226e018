import { z } from "zod";

/**
 * A signed payment this tab must send again rather than replace, kept (sessionStorage) per page
 * path until it is served or refused for good: one whose settlement the server reported pending
 * (`pending`), or one the server refused in a way the same payment can still be served (its
 * settlement can still go through, or it settled and the page was not produced). After a reload
 * the paywall offers to send it again instead of asking for a second payment, which could be
 * charged as well. Storage is the visitor's to edit, so a read is checked (zod): the x402
 * payment headers and the kind, nothing else.
 */
const headersSchema = z
  .object({ "PAYMENT-SIGNATURE": z.string().min(1).max(16_384).optional(), "X-PAYMENT": z.string().min(1).max(16_384).optional() })
  .strict()
  .refine((h) => Boolean(h["PAYMENT-SIGNATURE"] ?? h["X-PAYMENT"]));

const keptSchema = z.union([
  z.object({ headers: headersSchema, pending: z.boolean() }).strict(),
  // Kept before the kind was: only pending payments were.
  headersSchema.transform((headers) => ({ headers, pending: true })),
]);

/** A kept payment: its request headers (PAYMENT-SIGNATURE or X-PAYMENT), and whether its settlement was pending. */
export type KeptPayment = { headers: Record<string, string>; pending: boolean };

const keyFor = (path: string) => `tollgate:pending-payment:${path}`;

function session(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage blocked: a reload forgets the kept payment
  }
}

/** The payment kept for the page at `path`, or null (none, or storage holding anything else). */
export function loadPendingPayment(path: string): KeptPayment | null {
  try {
    const parsed = keptSchema.safeParse(JSON.parse(session()?.getItem(keyFor(path)) ?? "null"));
    return parsed.success ? { headers: parsed.data.headers as Record<string, string>, pending: parsed.data.pending } : null;
  } catch {
    return null;
  }
}

/**
 * Keeps `headers` (the payment's PAYMENT-SIGNATURE or X-PAYMENT) for `path`; `pending`: its
 * settlement was reported pending. Anything but those headers is not kept.
 */
export function savePendingPayment(path: string, headers: Record<string, string>, { pending }: { pending: boolean }): void {
  const parsed = headersSchema.safeParse(headers);
  if (!parsed.success) return;
  try {
    session()?.setItem(keyFor(path), JSON.stringify({ headers: parsed.data, pending }));
  } catch {
    // storage full or blocked: only the after-reload offer is lost
  }
}

/** Forgets the kept payment of `path` (served, or refused for good). */
export function clearPendingPayment(path: string): void {
  try {
    session()?.removeItem(keyFor(path));
  } catch {
    // nothing kept, nothing to clear
  }
}
