import { env } from "@/lib/env";
import { TollgateError } from "@/lib/errors";

/**
 * The body of a paid request, read whole before its payment is verified or claimed: a client
 * that stalls or leaves while sending it holds no claim, and the handler gets exactly the bytes
 * sent. Checked against Content-Length: Next hands its proxy at most MAX_REQUEST_BODY_BYTES of a
 * body and ends it there without an error (lib/gateway/request-guard.ts refuses larger bodies
 * before Next once the server has booted; this catches one that arrives earlier).
 *
 * @returns the bytes, or null for GET (Next's Request carries no GET body).
 * @throws TollgateError `payload_too_large` (413) for a body cut at MAX_REQUEST_BODY_BYTES,
 *   `bad_request` (400) for one shorter than its Content-Length or whose sender left (the
 *   request's signal aborted) before it arrived.
 */
export async function readRequestBody(request: Request): Promise<ArrayBuffer | null> {
  if (request.method === "GET") return null;
  const body = await untilAborted(request.arrayBuffer(), request.signal).catch((cause: unknown) => {
    throw new TollgateError("bad_request", "The request body could not be read; nothing was charged", { cause });
  });
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) !== body.byteLength) {
    if (Number(declared) > env().maxRequestBodyBytes) {
      throw new TollgateError("payload_too_large", `The request body is larger than this server takes (${env().maxRequestBodyBytes} bytes); nothing was charged`);
    }
    throw new TollgateError("bad_request", `The request body has ${body.byteLength} bytes where its Content-Length says ${declared}; nothing was charged`);
  }
  return body;
}

/** `promise`, or a rejection as soon as `signal` aborts (at once if it has already). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}
