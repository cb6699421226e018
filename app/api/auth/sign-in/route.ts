import { cookies } from "next/headers";
import { signingKey } from "@/lib/access/secret";
import { assertSameOrigin, sessionCookieOptions } from "@/lib/auth/current";
import { signInRequestSchema } from "@/lib/auth/schema";
import { SESSION_COOKIE, signSession } from "@/lib/auth/session";
import { verifySignIn } from "@/lib/auth/sign-in";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { errorResponse, TollgateError } from "@/lib/errors";

export const dynamic = "force-dynamic";

// POST /api/auth/sign-in — {kind, message, signature} (SIWE or SIWS) → session cookie for a merchant; free.
export async function POST(request: Request) {
  try {
    assertSameOrigin(request);
    const parsed = signInRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) throw new TollgateError("bad_request", "Body must be {kind: \"evm\"|\"solana\", message, signature}");
    const domain = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? "";
    const { address, kind } = await verifySignIn(await getDb(), parsed.data, { domain, admins: env().adminAddresses });
    const ttl = env().sessionTtlSeconds;
    const token = await signSession({ address, kind, expiresAt: Math.floor(Date.now() / 1000) + ttl }, signingKey("session"));
    (await cookies()).set(SESSION_COOKIE, token, sessionCookieOptions(ttl));
    return Response.json({ address });
  } catch (error) {
    return errorResponse(error, "POST /api/auth/sign-in");
  }
}
