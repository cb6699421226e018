import { isIP } from "node:net";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { TollgateError } from "@/lib/errors";
import type { PricedRouteConfig } from "@/lib/x402/route-table";
import { consumeNonce, verifySignIn } from "./siwx";

/** Who a free quota counts for: `addr:<address>` (signed in) or `ip:<address>` (trusted proxy header). */
export type QuotaIdentity = { identity: string; refused?: undefined } | { identity: null; refused?: string };

/**
 * The identity a request's free calls count against (issue: "free quota then paid"):
 * - a SIGN-IN-WITH-X proof, verified as for access (lib/access/siwx.ts) and single-use →
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
  route: PricedRouteConfig,
  at: { origin: string; path: string; href: string; signIn: string | null; trustProxyHeaders: boolean },
): Promise<QuotaIdentity> {
  if (at.signIn) {
    const proof = await verifySignIn(at.signIn, { ...at, networks: [...new Set(route.paymentOptions.map((o) => o.network))] });
    if (!proof.ok) return { identity: null, refused: proof.reason };
    try {
      if (!(await consumeNonce(db, at.signIn))) return { identity: null, refused: "This sign-in was already used (replayed nonce): sign the new challenge" };
    } catch (cause) {
      throw new TollgateError("database_unavailable", "The sign-in could not be recorded", { cause });
    }
    return { identity: `addr:${proof.address}` };
  }
  if (at.trustProxyHeaders) {
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
  const windowMs = route.freeQuotaWindowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
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
  return { remaining: route.freeQuota - Number(used), resetsAt: new Date(windowStart.getTime() + windowMs) };
}

/** When the current quota window of `route` ends. */
export function quotaResetsAt(route: PricedRouteConfig, now = new Date()): Date {
  const windowMs = route.freeQuotaWindowSeconds * 1000;
  return new Date((Math.floor(now.getTime() / windowMs) + 1) * windowMs);
}
