import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { signingKey } from "@/lib/access/secret";
import { env } from "@/lib/env";
import { TollgateError } from "@/lib/errors";
import { configuredHosts } from "@/lib/public-origin";
import { isMerchantAddress } from "./admins";
import { SESSION_COOKIE, verifySession, type Session } from "./session";

/**
 * The signed-in merchant, or null. The address is re-checked against ADMIN_ADDRESSES on every
 * call, so removing an address revokes its open sessions at once.
 */
export async function currentMerchant(): Promise<Session | null> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  const session = await verifySession(token, signingKey("session"), configuredHosts());
  return session && isMerchantAddress(session.address, env().adminAddresses) ? session : null;
}

/** For dashboard pages: the merchant, or a redirect to sign-in. */
export async function requireMerchantPage(): Promise<Session> {
  const session = await currentMerchant();
  if (!session) redirect("/dashboard/sign-in");
  return session;
}

/**
 * For server actions and API routes: the merchant.
 * @throws TollgateError `unauthorized` (401) without a merchant session.
 */
export async function requireMerchant(): Promise<Session> {
  const session = await currentMerchant();
  if (!session) throw new TollgateError("unauthorized", "Sign in as a merchant first");
  return session;
}

/** Cookie attributes for the session: HttpOnly, SameSite=Lax, Secure in production. */
export function sessionCookieOptions(maxAgeSeconds: number) {
  return { httpOnly: true, sameSite: "lax" as const, secure: env().secureCookies, path: "/", maxAge: maxAgeSeconds };
}
