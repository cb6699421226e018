import { createSignInNonce } from "@/lib/auth/mutations";
import { getDb } from "@/lib/db";
import { errorResponse } from "@/lib/errors";
import { assertAllowedOrigin } from "@/lib/public-origin";

export const dynamic = "force-dynamic";

// POST /api/auth/nonce — a one-time nonce for a SIWE/SIWS message, valid 10 minutes; free.
export async function POST(request: Request) {
  try {
    assertAllowedOrigin(request.headers);
    const { nonce, expiresAt } = await createSignInNonce(await getDb());
    return Response.json({ nonce, expiresAt: expiresAt.toISOString() }, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error, "POST /api/auth/nonce");
  }
}
