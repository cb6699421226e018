import { isIP } from "node:net";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { TollgateError } from "@/lib/errors";
import type { PricedRouteConfig } from "@/lib/x402/route-table";
import { consumeNonce, REPLAYED_SIGN_IN, type SignInResult } from "./siwx";

/** Who a free quota counts for: `addr:<address>` (signed in) or `ip:<address>` (trusted proxy header). */
export type QuotaIdentity = { identity: string; refused?: undefined } | { identity: null; refused?: string };

/**
 * The identity a request's free calls count against (issue: "free quota then paid"):
 * - a SIGN-IN-WITH-X proof (checked by lib/access/siwx.ts `verifySignIn`), single-use →
 *   `addr:<address>`; an invalid or replayed one identifies nobody (`refused` says why);
 * - else, only when `trustProxyHeaders` (TRUST_PROXY_HEADERS: a reverse proxy you control sets
 *   X-Forwarded-For and strips the client's), the first X-Forwarded-For entry → `ip:<address>`;
 * - else nobody: without a trusted proxy the client's address cannot be told from a header it
 *   wrote itself, so such callers sign in or pay.
 *
 * @throws TollgateError `database_unavailable` when the nonce cannot be recorded.
 */
export async function quotaIdentity(
  db: PrismaClient,
  headers: Headers,
  { signIn, trustProxyHeaders }: { signIn: SignInResult | null; trustProxyHeaders: boolean },
): Promise<QuotaIdentity> {
  if (signIn) {
    if (!signIn.ok) return { identity: null, refused: signIn.reason };
    try {
      if (!(await consumeNonce(db, signIn.nonce))) return { identity: null, refused: REPLAYED_SIGN_IN };
    } catch (cause) {
      throw new TollgateError("database_unavailable", "The sign-in could not be recorded", { cause });
    }
    return { identity: `addr:${signIn.address}` };
  }
  if (trustProxyHeaders) {
    const first = headers.get("x-forwarded-for")?.split(",")[0]?.trim() ?? "";
    if (isIP(first)) return { identity: `ip:${first.toLowerCase()}` };
  }
  return { identity: null };
}

/** One free call taken: how many are left in this window and when it resets. */
export type FreeCall = { remaining: number; resetsAt: Date };

/**
 * Takes one of the route's free calls for `identity` in the current window (fixed windows of
 * `freeQuotaWindowSeconds` aligned to the epoch), atomically across instances: one statement
 * that inserts the window's counter or increments it only while it is below the quota.
 *
 * @returns the call taken, or null when the window's quota is used up (nothing written).
 * @throws TollgateError `database_unavailable` when the counter cannot be written.
 */
export async function takeFreeCall(db: PrismaClient, route: PricedRouteConfig, identity: string, now = new Date()): Promise<FreeCall | null> {
  const { start: windowStart, end: resetsAt } = quotaWindow(route, now);
  let rows: { used: number }[];
  try {
    rows = await db.$queryRaw<{ used: number }[]>`
      INSERT INTO "QuotaUsage" ("routeId", "identity", "windowStart", "used") VALUES (${route.id}, ${identity}, ${windowStart}, 1)
      ON CONFLICT ("routeId", "identity", "windowStart") DO UPDATE SET "used" = "QuotaUsage"."used" + 1
      WHERE "QuotaUsage"."used" < ${route.freeQuota}
      RETURNING "used"`;
  } catch (cause) {
    throw new TollgateError("database_unavailable", "The free quota could not be counted", { cause });
  }
  const used = rows[0]?.used;
  if (used === undefined || used > route.freeQuota) return null;
  return { remaining: route.freeQuota - Number(used), resetsAt };
}

/** The quota window of `route` that `now` falls in: fixed windows of `freeQuotaWindowSeconds` aligned to the epoch. */
export function quotaWindow(route: PricedRouteConfig, now = new Date()): { start: Date; end: Date } {
  const windowMs = route.freeQuotaWindowSeconds * 1000;
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return { start: new Date(start), end: new Date(start + windowMs) };
}
