import { jwtVerify, SignJWT } from "jose";

/** The dashboard session cookie. */
export const SESSION_COOKIE = "tg_session";
const ISSUER = "tollgate";
const AUDIENCE = "tollgate-dashboard";

/**
 * Who is signed in: an address and the family it signed with, and the domain (host[:port]) the
 * signed sign-in message named. `expiresAt` in epoch seconds.
 */
export type Session = { address: string; kind: "evm" | "solana"; domain: string; expiresAt: number };

/** Signs a session token (HS256 via jose); the domain travels as the `dom` claim. */
export async function signSession(session: Session, key: Uint8Array): Promise<string> {
  return new SignJWT({ knd: session.kind, dom: session.domain })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(session.address)
    .setIssuedAt()
    .setExpirationTime(session.expiresAt)
    .sign(key);
}

/**
 * Verifies a session token: signature, issuer, audience, expiry, and that it was issued for one
 * of `domains` (this app's configured hosts). A token without a domain (issued before sessions
 * carried one) cannot show it was for this site and is refused. Null when invalid.
 */
export async function verifySession(token: string | undefined, key: Uint8Array, domains: readonly string[], now = new Date()): Promise<Session | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE, currentDate: now });
    if (typeof payload.sub !== "string" || typeof payload.exp !== "number" || (payload.knd !== "evm" && payload.knd !== "solana")) return null;
    if (typeof payload.dom !== "string" || !domains.includes(payload.dom)) return null;
    return { address: payload.sub, kind: payload.knd, domain: payload.dom, expiresAt: payload.exp };
  } catch {
    return null;
  }
}
