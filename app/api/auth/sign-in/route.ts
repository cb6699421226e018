import { cookies } from "next/headers";
import { signingKey } from "@/lib/access/secret";
import { sessionCookieOptions } from "@/lib/auth/current";
import { signInRequestSchema } from "@/lib/auth/schema";
import { SESSION_COOKIE, signSession } from "@/lib/auth/session";
import { verifySignIn } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { errorResponse, TollgateError } from "@/lib/errors";
import { assertAllowedOrigin } from "@/lib/public-origin";

export const dynamic = "force-dynamic";

// POST /api/auth/sign-in — {kind, message, signature} (SIWE or SIWS for a configured origin) → session cookie for a merchant; free.
export async function POST(request: Request) {
  try {
    // The message must name the configured origin the browser is on (its Origin header, checked
    // against PUBLIC_URL/PUBLIC_ORIGINS), never a Host a relaying site could choose.
    const origin = assertAllowedOrigin(request.headers);
    const parsed = signInRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) throw new TollgateError("bad_request", "Body must be {kind: \"evm\"|\"solana\", message, signature}");
    const { address, kind, domain } = await verifySignIn(await getDb(), parsed.data, { origin, admins: env().adminAddresses });
    const ttl = env().sessionTtlSeconds;
    const token = await signSession({ address, kind, domain, expiresAt: Math.floor(Date.now() / 1000) + ttl }, signingKey("session"));
    (await cookies()).set(SESSION_COOKIE, token, sessionCookieOptions(ttl));
    return Response.json({ address });
  } catch (error) {
    return errorResponse(error, "POST /api/auth/sign-in");
  }
}
