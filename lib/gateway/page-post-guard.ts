import { TollgateError } from "@/lib/errors";
import { readPrefix } from "@/lib/streams";

/**
 * Next's body size limit for a server action (`serverActions.bodySizeLimit`, default "1 MB",
 * which Next reads as 1,048,576 bytes). Tollgate does not change it.
 */
export const ACTION_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Refuses, before Next sees it, a post to a page that Next would answer with a 500: a
 * server-action post that is cross-site, over Next's body limit or unreadable
 * (next/dist/server/app-render/action-handler.js, Next 16). Next refuses all of these too, only
 * with a 500 and an error in the log; here they get the status they deserve.
 *
 * A request is action-shaped as Next decides it (server-action-request-meta.js): POST with a
 * `Next-Action` header or a `multipart/form-data` content type. (Next lets a urlencoded POST
 * render the page and checks nothing for it, so neither does this.) Only for paths Next serves
 * with a page: the caller leaves route handlers alone, whose own code reads their bodies.
 *
 * - `Origin` present and naming another host than the request's `X-Forwarded-Host` (first value)
 *   or else `Host`, the comparison Next makes, `Origin: null` and an unparsable one included →
 *   403 forbidden. A request without `Origin` passes (no browser sends a cross-site post without
 *   one), as in Next.
 * - body over ACTION_BODY_LIMIT_BYTES (by Content-Length, or as read) → 413 payload_too_large.
 * - a multipart body that the platform's FormData parser (undici, the one Next uses for form
 *   posts) refuses, a missing or malformed boundary included → 400 bad_request.
 *
 * Not seen here: whether a post is in RSC form (`RSC: 1`, or a `*.rsc` path); Next strips both
 * markers before the proxy runs. Such a post to a path with no page gets the not-found page's 404,
 * which is rendered per request for that reason (app/not-found.tsx).
 *
 * Reads at most ACTION_BODY_LIMIT_BYTES + 1 bytes of a clone of the body; the request itself is
 * left for Next.
 *
 * @returns the refusal, or null to let the request through.
 */
export async function refuseBadPagePost(request: Request): Promise<TollgateError | null> {
  if (request.method !== "POST") return null;
  const contentType = request.headers.get("content-type");
  const multipart = contentType?.startsWith("multipart/form-data") ?? false;
  if (!multipart && !request.headers.has("next-action")) return null;
  if (!sameHostOrigin(request.headers)) return new TollgateError("forbidden", "Cross-site form post refused");
  if (!multipart) return null;
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > ACTION_BODY_LIMIT_BYTES) return tooLarge();
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await readPrefix(request.clone().body, ACTION_BODY_LIMIT_BYTES + 1);
  } catch {
    return new TollgateError("bad_request", "The request body could not be read");
  }
  if (body.byteLength > ACTION_BODY_LIMIT_BYTES) return tooLarge();
  try {
    await new Response(body, { headers: { "content-type": contentType! } }).formData();
  } catch {
    return new TollgateError("bad_request", "Malformed multipart/form-data body");
  }
  return null;
}

function tooLarge(): TollgateError {
  return new TollgateError("payload_too_large", `A form post may carry at most ${ACTION_BODY_LIMIT_BYTES} bytes`);
}

/** Next's CSRF rule for server actions: no Origin, or an Origin whose host is the one addressed. */
function sameHostOrigin(headers: Headers): boolean {
  const origin = headers.get("origin");
  if (origin === null) return true;
  let originHost: string;
  if (origin === "null") originHost = "null";
  else {
    try {
      originHost = new URL(origin).host;
    } catch {
      return false;
    }
  }
  const forwarded = headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  const host = forwarded || headers.get("host");
  return !!host && originHost === host;
}
