import { env } from "@/lib/env";
import { untilAborted } from "@/lib/abort";
import { TollgateError } from "@/lib/errors";

/**
 * The body of a paid request, read whole before its payment is verified or claimed: a client
 * that stalls or leaves while sending it holds no claim, and the handler gets exactly the bytes
 * sent. Next ends a body at its own limit without an error: MAX_REQUEST_BODY_BYTES plus one
 * socket read (64 KiB, next.config.mjs), so a body Next cut is over MAX_REQUEST_BODY_BYTES even
 * if the last read was a full one. lib/gateway/request-guard.ts refuses larger bodies before Next
 * once the server has booted; this catches one that arrives earlier, chunked or not.
 *
 * @returns the bytes, or null for GET (Next's Request carries no GET body).
 * @throws TollgateError `payload_too_large` (413) for a body over MAX_REQUEST_BODY_BYTES (or
 *   declared so), `bad_request` (400) for one shorter than its Content-Length or whose sender
 *   left (the request's signal aborted) before it arrived.
 */
export async function readRequestBody(request: Request): Promise<ArrayBuffer | null> {
  if (request.method === "GET") return null;
  const body = await untilAborted(request.arrayBuffer(), request.signal).catch((cause: unknown) => {
    throw new TollgateError("bad_request", "The request body could not be read; nothing was charged", { cause });
  });
  const declared = request.headers.get("content-length");
  const limit = env().maxRequestBodyBytes;
  if (body.byteLength > limit || (declared !== null && Number(declared) > limit)) {
    throw new TollgateError("payload_too_large", `The request body is larger than this server takes (${limit} bytes); nothing was charged`);
  }
  if (declared !== null && Number(declared) !== body.byteLength) {
    throw new TollgateError("bad_request", `The request body has ${body.byteLength} bytes where its Content-Length says ${declared}; nothing was charged`);
  }
  return body;
}
