import http from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { parseAndValidateFlightRouterState } from "next/dist/server/app-render/parse-and-validate-flight-router-state";
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from "@/lib/env";
import type { ErrorBody, ErrorCode } from "@/lib/errors";
import { SERVED_METHODS } from "./methods";

/** The request header that carries Next's client router state (encodeURIComponent of its JSON). */
const ROUTER_STATE_HEADER = "next-router-state-tree";

/**
 * Methods the Fetch standard forbids in a Request (https://fetch.spec.whatwg.org/#forbidden-method):
 * Next builds one for its proxy and its route handlers, and a request in one of them fails there
 * with a 500. CONNECT never reaches a request event (Node hands it to 'connect'), and Node's parser
 * refuses TRACK; TRACE is the one that gets through.
 */
const FORBIDDEN_METHODS = new Set(["TRACE", "TRACK", "CONNECT"]);

/** Marks http.Server.prototype once the guard is on it (a server restarted in-process reloads this module). */
const INSTALLED = Symbol.for("tollgate.requestGuard");

/**
 * Whether Next can read `value` as a router state: absent, or what its client router sends, as
 * Next's own parser (next/dist/server/app-render/parse-and-validate-flight-router-state.js) decides.
 */
export function routerStateReadable(value: string | string[] | undefined): boolean {
  try {
    parseAndValidateFlightRouterState(value);
    return true;
  } catch {
    return false;
  }
}

/** The error message for a router state Next cannot read (here and in app/api/bad-router-state). */
export const BAD_ROUTER_STATE = "Malformed Next-Router-State-Tree header";

/** What the guard answers instead of Next: status, error code and message, and any headers. */
export type Refusal = { status: number; code: ErrorCode | null; message: string; headers?: Record<string, string> };

/** An absolute-form request target (RFC 9112 §3.2.2): scheme, authority, and the rest (path and query). */
const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)$/;

/**
 * What the guard answers `req` with instead of Next, or null to let Next have it:
 * - a forbidden method (TRACE) → 405 `method_not_allowed`, with Allow;
 * - a request target that is no path: `OPTIONS *` (RFC 9110 §9.3.7, about the server itself) →
 *   204 with Allow; any other (`*` in another method, `*` followed by more, a scheme other than
 *   http or https) → 400 `bad_request`;
 * - a Content-Length over `maxBodyBytes` (MAX_REQUEST_BODY_BYTES) → 413 `payload_too_large`,
 *   before a byte of the body is read (a body of unknown length is bounded as it arrives: see
 *   `guardRequests`);
 * - a Next-Router-State-Tree header Next cannot parse (empty included) → 400 `bad_request`, as
 *   app/api/bad-router-state answers.
 * An http(s) absolute-form target is not refused: see `toOriginForm`.
 */
export function refusal(
  req: Pick<http.IncomingMessage, "method" | "headers" | "url">,
  { maxBodyBytes = DEFAULT_MAX_REQUEST_BODY_BYTES }: { maxBodyBytes?: number } = {},
): Refusal | null {
  const method = (req.method ?? "").toUpperCase();
  if (FORBIDDEN_METHODS.has(method)) {
    return { status: 405, code: "method_not_allowed", message: `${req.method} is not allowed`, headers: { allow: SERVED_METHODS } };
  }
  const target = req.url ?? "/";
  if (!target.startsWith("/")) {
    if (target === "*" && method === "OPTIONS") return { status: 204, code: null, message: "", headers: { allow: SERVED_METHODS } };
    if (!toOriginForm(target)) return { status: 400, code: "bad_request", message: "The request target is not a path" };
  }
  // (Node's parser has already refused a Content-Length that is not one decimal number.)
  const length = req.headers["content-length"];
  if (length !== undefined && Number(length) > maxBodyBytes) return tooLarge(maxBodyBytes);
  if (ROUTER_STATE_HEADER in req.headers && !routerStateReadable(req.headers[ROUTER_STATE_HEADER])) {
    return { status: 400, code: "bad_request", message: BAD_ROUTER_STATE };
  }
  return null;
}

function tooLarge(maxBodyBytes: number): Refusal {
  return { status: 413, code: "payload_too_large", message: `The request body is larger than this server takes (${maxBodyBytes} bytes)` };
}

/**
 * An http(s) absolute-form request target (`GET http://host/path?q HTTP/1.1`, what a client sends
 * to a forward proxy) in the origin form Next routes (`/path?q`), and the authority that RFC 9112
 * §3.2.2 says replaces the Host header; null for a target already in origin form and for any
 * target that is neither (another scheme, `*`, junk), which `refusal` refuses. Next would
 * otherwise answer 308 with the absolute target itself as Location: a redirect to itself, or to
 * whatever host the target names. The path is taken as sent (no normalization), so the proxy and
 * the router see the same string a browser would have sent; the authority only ever picks among
 * the configured origins (lib/public-origin.ts), like any Host.
 */
export function toOriginForm(target: string): { url: string; host: string } | null {
  if (target.startsWith("/")) return null;
  const match = ABSOLUTE_FORM.exec(target);
  const scheme = match?.[1]?.toLowerCase();
  if (!match || (scheme !== "http" && scheme !== "https")) return null;
  const [, , authority = "", rest = ""] = match;
  return { url: rest.startsWith("/") ? rest : `/${rest}`, host: authority.slice(authority.lastIndexOf("@") + 1) };
}

/**
 * Answers, before Next sees them, the requests Next itself would answer with a 500 and that no
 * code of the app can see first (see `refusal`): Next strips Next-Router-State-Tree before the
 * proxy runs and fails on a forbidden method while building the proxy's Request. The
 * `next.config.mjs` rewrite catches only router-state values of the wrong shape, never an empty
 * one (a rewrite's header match skips empty values) nor JSON of the right shape that is no router
 * state (`["x"]`), and nothing can match on a method. This sits in the process's HTTP server: a
 * request event that `refusal` refuses is answered here (JSON `{ error: { code, message } }`,
 * `Connection: close`) and goes no further. Nothing is served; the one change made to a request
 * is an absolute-form target turned into the origin form a browser sends (`toOriginForm`), and
 * every other request reaches Next untouched.
 *
 * A request body of unknown length (`Transfer-Encoding: chunked`) is counted as it arrives: once
 * past `maxBodyBytes` its connection is answered 413 (unless an answer has begun) and closed, and
 * Next never sees the body end, as when a client hangs up mid-upload. Next itself would end the
 * body there, cut short, and hand that to the proxy and the handler as if it were whole.
 *
 * A protocol upgrade (`Upgrade: websocket`, h2c) is answered 400 and closed when
 * `refuseUpgrades` (default: in production). The app serves no WebSocket, and under `next start`
 * Next leaves such a socket open and unanswered for as long as the client keeps it: a way to hold
 * the server's connections without sending a byte more. `next dev` needs upgrades for its hot
 * reloading, so there they go to Next.
 *
 * Called from instrumentation.ts register() (Node.js runtime): requests that arrive while the
 * server boots, before register() runs, meet only the rewrite. Idempotent.
 */
export function guardRequests({
  refuseUpgrades = process.env.NODE_ENV === "production",
  maxBodyBytes = DEFAULT_MAX_REQUEST_BODY_BYTES,
}: { refuseUpgrades?: boolean; maxBodyBytes?: number } = {}): void {
  const proto = http.Server.prototype as http.Server & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  const emit = proto.emit;
  /**
   * A request with `Expect: 100-continue` (curl sends it with bodies over 1 MiB) is refused before
   * its client is told to send the body (RFC 9110 §10.1.1); Node, with no listener of its own,
   * would send 100 Continue before the request event.
   */
  function continueGuarded(this: http.Server, req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!refusal(req, { maxBodyBytes })) res.writeContinue();
    this.emit("request", req, res);
  }
  proto.emit = function emitGuarded(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "connection" && this.listenerCount("checkContinue") === 0) this.on("checkContinue", continueGuarded);
    if (event === "request") {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      const refused = refusal(req, { maxBodyBytes });
      if (refused?.status === 413) {
        // Read and dropped while the client still sends it, so that it gets to read the answer.
        const done = answerTooLarge(req.socket, refused, req.method === "HEAD");
        req.on("end", done);
        req.resume();
        return true;
      }
      if (refused) {
        const body = refused.code ? errorBody(refused.code, refused.message) : "";
        // (A 204 carries no Content-Length, RFC 9110 §8.6.)
        const framing = body ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {};
        res.writeHead(refused.status, { ...refused.headers, ...framing, "cache-control": "no-store", connection: "close" });
        res.end(req.method === "HEAD" || !body ? undefined : body);
        req.resume();
        return true;
      }
      const origin = toOriginForm(req.url ?? "/");
      if (origin) {
        req.url = origin.url;
        req.headers.host = origin.host;
      }
      if (req.headers["transfer-encoding"] !== undefined) limitBody(req, res, maxBodyBytes);
    }
    if (event === "upgrade" && refuseUpgrades) {
      refuseUpgrade(args[1] as Duplex);
      return true;
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof proto.emit;
  proto[INSTALLED] = true;
}

/**
 * Counts the body of `req` as Node's parser hands it over (IncomingMessage#push); past
 * `maxBodyBytes` nothing more is passed on, not even its end, and the connection is answered 413
 * (`answerTooLarge`; when an answer has begun already, it is closed instead).
 */
function limitBody(req: http.IncomingMessage, res: http.ServerResponse, maxBodyBytes: number): void {
  const push = req.push;
  let received = 0;
  let done: (() => void) | null = null;
  req.push = function pushWithin(this: http.IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (done) {
      if (chunk === null) done(); // the client has sent it all: it reads the answer
      return true; // dropped, and the socket keeps being read
    }
    if (chunk != null) received += (chunk as { length: number }).length;
    if (received <= maxBodyBytes) return push.call(this, chunk, encoding);
    if (res.headersSent) {
      req.socket.on("error", () => undefined);
      req.socket.destroy();
      done = () => {};
    } else {
      done = answerTooLarge(req.socket, tooLarge(maxBodyBytes), req.method === "HEAD");
    }
    return true;
  };
}

/**
 * How long a connection whose upload was refused keeps being read after its 413, in ms: a client
 * still sending reads the answer only once it has sent the rest (a lingering close, RFC 9112
 * §9.6). Destroying the socket at once resets the connection under it: Node's fetch then fails
 * with EPIPE and never sees the 413.
 */
const LINGER_MS = 10_000;

/**
 * Writes `refused` (a 413) on `socket` itself, then its end (FIN; the server's sockets are
 * half-open, so they are still read). Returns the function to call once the request's body has
 * arrived, which destroys the socket; so does LINGER_MS passing first. Whatever the app would
 * answer later goes nowhere: the app never sees the body's end.
 */
function answerTooLarge(socket: Socket, refused: Refusal, head: boolean): () => void {
  socket.on("error", () => undefined); // a client gone already: nothing to answer
  const body = errorBody(refused.code!, refused.message);
  const answer = `HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\ncache-control: no-store\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`;
  socket.end(head ? answer : answer + body);
  const destroy = () => socket.destroy();
  const timer = setTimeout(destroy, LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  return destroy;
}

/**
 * Answers an upgrade request's socket with a 400 and destroys it once sent: the socket is no
 * longer Node's to manage, and a client that never closed its side would keep it open.
 */
function refuseUpgrade(socket: Duplex): void {
  socket.on("error", () => undefined); // a client gone already: nothing to answer
  const body = errorBody("bad_request", "This server accepts no protocol upgrade");
  socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncache-control: no-store\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`, () => socket.destroy());
}

/** The JSON error body every client of the app reads (lib/errors.ts ErrorBody). */
function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } } satisfies ErrorBody);
}
