import { deriveKey } from "@/lib/access/secret";
import { SESSION_COOKIE, signSession } from "@/lib/auth/session";

/**
 * A dashboard session cookie (`name=value`) signed like the app signs them: the session key is
 * HMAC-SHA256(AUTH_SECRET, "tollgate/session/v1") (lib/access/secret.ts), the domain is the app's
 * host. For tests and benchmarks that call the dashboard over HTTP without a browser sign-in.
 *
 * @param ttlSeconds how long the session lasts (default 600 s).
 */
export async function sessionCookie(authSecret: string, address: string, appUrl: string, ttlSeconds = 600): Promise<string> {
  const key = deriveKey(authSecret, "session");
  const token = await signSession({ address, kind: "evm", domain: new URL(appUrl).host, expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds }, key);
  return `${SESSION_COOKIE}=${token}`;
}
