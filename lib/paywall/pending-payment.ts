import { z } from "zod";

/**
 * A signed payment the visitor must send again rather than replace, kept per page path until it
 * is served or refused for good: one whose settlement the server reported pending (`pending`), or
 * one the server refused in a way the same payment can still be served (its settlement can still
 * go through, or it settled and the page was not produced). Kept in localStorage, so a reload,
 * another tab of the same page or a browser restart offers to send it again instead of asking
 * for a second payment, which could be charged as well; for KEEP_MS at most (the server keeps an
 * unserved response a day). Storage is the visitor's to edit, so a read is checked (zod): the x402
 * payment headers, the kind and when it was kept, nothing else.
 */
const headersSchema = z
  .object({ "PAYMENT-SIGNATURE": z.string().min(1).max(16_384).optional(), "X-PAYMENT": z.string().min(1).max(16_384).optional() })
  .strict()
  .refine((h) => Boolean(h["PAYMENT-SIGNATURE"] ?? h["X-PAYMENT"]));

/** How long a kept payment is offered, in ms: a day, as long as the server keeps an unserved response. */
export const KEEP_MS = 24 * 60 * 60 * 1000;

const keptSchema = z.union([
  // savedAt: ms since the epoch (missing in what the per-tab version kept).
  z.object({ headers: headersSchema, pending: z.boolean(), savedAt: z.number().int().nonnegative().optional() }).strict(),
  // Kept before the kind was: only pending payments were.
  headersSchema.transform((headers) => ({ headers, pending: true, savedAt: undefined })),
]);

/** A kept payment: its request headers (PAYMENT-SIGNATURE or X-PAYMENT), and whether its settlement was pending. */
export type KeptPayment = { headers: Record<string, string>; pending: boolean };

/** The storage key of `path`'s kept payment (also what a `storage` event from another tab names). */
export const pendingPaymentKey = (path: string) => `tollgate:pending-payment:${path}`;

/** localStorage, else null (blocked: nothing outlives the page). sessionStorage too, where the per-tab version kept payments. */
function storages(): { local: Storage | null; session: Storage | null } {
  const get = (name: "localStorage" | "sessionStorage") => {
    try {
      return window[name];
    } catch {
      return null;
    }
  };
  return { local: get("localStorage"), session: get("sessionStorage") };
}

function read(storage: Storage | null, key: string, now: number): KeptPayment | null {
  try {
    const parsed = keptSchema.safeParse(JSON.parse(storage?.getItem(key) ?? "null"));
    if (!parsed.success) return null;
    const { headers, pending, savedAt } = parsed.data;
    if (savedAt !== undefined && !(savedAt <= now && now - savedAt < KEEP_MS)) return null; // stale, or from a clock that was wrong
    return { headers: headers as Record<string, string>, pending };
  } catch {
    return null;
  }
}

/**
 * The payment kept for the page at `path`, or null (none, older than KEEP_MS, or storage holding
 * anything else).
 * @param now ms since the epoch.
 */
export function loadPendingPayment(path: string, now = Date.now()): KeptPayment | null {
  const { local, session } = storages();
  return read(local, pendingPaymentKey(path), now) ?? read(session, pendingPaymentKey(path), now);
}

/**
 * Keeps `headers` (the payment's PAYMENT-SIGNATURE or X-PAYMENT) for `path`; `pending`: its
 * settlement was reported pending. Anything but those headers is not kept.
 * @param now ms since the epoch.
 */
export function savePendingPayment(path: string, headers: Record<string, string>, { pending }: { pending: boolean }, now = Date.now()): void {
  const parsed = headersSchema.safeParse(headers);
  if (!parsed.success) return;
  const { local, session } = storages();
  const value = JSON.stringify({ headers: parsed.data, pending, savedAt: now });
  try {
    local?.setItem(pendingPaymentKey(path), value);
  } catch {
    try {
      session?.setItem(pendingPaymentKey(path), value); // localStorage full or blocked: this tab at least
    } catch {
      // storage full or blocked: only the after-reload offer is lost
    }
  }
}

/** Forgets the kept payment of `path` (served, or refused for good), in every tab. */
export function clearPendingPayment(path: string): void {
  for (const storage of Object.values(storages())) {
    try {
      storage?.removeItem(pendingPaymentKey(path));
    } catch {
      // nothing kept, nothing to clear
    }
  }
}
