import { jwtVerify, SignJWT } from "jose";

/** The dashboard session cookie. */
export const SESSION_COOKIE = "tg_session";
const ISSUER = "tollgate";
const AUDIENCE = "tollgate-dashboard";

/** Who is signed in: an address and the family it signed with. `expiresAt` in epoch seconds. */
export type Session = { address: string; kind: "evm" | "solana"; expiresAt: number };

/** Signs a session token (HS256 via jose). */
export async function signSession(session: Session, key: Uint8Array): Promise<string> {
  return new SignJWT({ knd: session.kind })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(session.address)
    .setIssuedAt()
    .setExpirationTime(session.expiresAt)
    .sign(key);
}

/** Verifies a session token: signature, issuer, audience, expiry. Null when invalid. */
export async function verifySession(token: string | undefined, key: Uint8Array, now = new Date()): Promise<Session | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE, currentDate: now });
    if (typeof payload.sub !== "string" || typeof payload.exp !== "number" || (payload.knd !== "evm" && payload.knd !== "solana")) return null;
    return { address: payload.sub, kind: payload.knd, expiresAt: payload.exp };
  } catch {
    return null;
  }
}
