import { createHash } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { encodeCanonicalPath } from "@/lib/x402/request-path";

/**
 * Page access grants: what a visitor holds after paying for a page, so that reloading within the
 * route's access window never charges again. A grant is a JWS (HS256, via jose) in an HttpOnly
 * cookie, bound to the priced route, the exact page path, the payer and an expiry.
 */

const ISSUER = "tollgate";

/** What a grant proves. `expiresAt` is in seconds since the epoch. */
export type Grant = { routeId: string; path: string; payer: string; expiresAt: number };

/**
 * The cookie holding the grant for `path`: one cookie per page, named from a hash of the path so
 * any path makes a valid cookie name.
 */
export function grantCookieName(path: string): string {
  return `tg_grant_${createHash("sha256").update(path).digest("base64url").slice(0, 16)}`;
}

/** Signs a grant. The secret must be at least 32 bytes. */
export async function signGrant(grant: Grant, secret: Uint8Array): Promise<string> {
  return new SignJWT({ pth: grant.path })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(grant.routeId)
    .setSubject(grant.payer)
    .setIssuedAt()
    .setExpirationTime(grant.expiresAt)
    .sign(secret);
}

/**
 * Checks a grant for a route and path: signature (by `secret`), expiry (with `now`, in seconds),
 * route and path must all match.
 *
 * @returns the grant, or null when the token is missing, tampered, expired or for another page.
 */
export async function verifyGrant(
  token: string | undefined,
  expected: { routeId: string; path: string },
  secret: Uint8Array,
  now = Math.floor(Date.now() / 1000),
): Promise<Grant | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: expected.routeId,
      currentDate: new Date(now * 1000),
    });
    if (payload.pth !== expected.path || typeof payload.sub !== "string" || typeof payload.exp !== "number") return null;
    return { routeId: expected.routeId, path: expected.path, payer: payload.sub, expiresAt: payload.exp };
  } catch {
    return null;
  }
}

/**
 * The Set-Cookie value for a grant: HttpOnly, SameSite=Lax, Secure if asked, and scoped to the
 * page's canonical URL path (browsers compare cookie paths with the raw, encoded request path;
 * the proxy redirects other spellings of a priced path to this one).
 *
 * @param path the decoded canonical path ("/articles/deep-dive").
 */
export function grantCookie(path: string, token: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [`${grantCookieName(path)}=${token}`, `Path=${encodeCanonicalPath(path)}`, `Max-Age=${maxAgeSeconds}`, "HttpOnly", "SameSite=Lax"];
  if (secure) parts.push("Secure");
  return parts.join("; ");
}
