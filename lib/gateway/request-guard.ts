import http from "node:http";
import { parseAndValidateFlightRouterState } from "next/dist/server/app-render/parse-and-validate-flight-router-state";
import type { ErrorBody, ErrorCode } from "@/lib/errors";

/** The request header that carries Next's client router state (encodeURIComponent of its JSON). */
const ROUTER_STATE_HEADER = "next-router-state-tree";

/**
 * Methods the Fetch standard forbids in a Request (https://fetch.spec.whatwg.org/#forbidden-method):
 * Next builds one for its proxy and its route handlers, and a request in one of them fails there
 * with a 500. CONNECT never reaches a request event (Node hands it to 'connect'), and Node's parser
 * refuses TRACK; TRACE is the one that gets through.
 */
const FORBIDDEN_METHODS = new Set(["TRACE", "TRACK", "CONNECT"]);

/** The methods the app serves (the Allow header of a 405 for a forbidden one). */
const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

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

/**
 * What the guard answers `req` with instead of Next, or null to let Next have it:
 * - a forbidden method (TRACE) → 405 `method_not_allowed`, with Allow;
 * - a Next-Router-State-Tree header Next cannot parse (empty included) → 400 `bad_request`, as
 *   app/api/bad-router-state answers.
 */
export function refusal(req: Pick<http.IncomingMessage, "method" | "headers">): { status: number; code: ErrorCode; message: string; headers?: Record<string, string> } | null {
  if (FORBIDDEN_METHODS.has((req.method ?? "").toUpperCase())) {
    return { status: 405, code: "method_not_allowed", message: `${req.method} is not allowed`, headers: { allow: ALLOWED_METHODS } };
  }
  if (ROUTER_STATE_HEADER in req.headers && !routerStateReadable(req.headers[ROUTER_STATE_HEADER])) {
    return { status: 400, code: "bad_request", message: "Malformed Next-Router-State-Tree header" };
  }
  return null;
}

/**
 * Answers, before Next sees them, the requests Next itself would answer with a 500 and that no
 * code of the app can see first (see `refusal`): Next strips Next-Router-State-Tree before the
 * proxy runs and fails on a forbidden method while building the proxy's Request. The
 * `next.config.mjs` rewrite catches only router-state values of the wrong shape, never an empty
 * one (a rewrite's header match skips empty values) nor JSON of the right shape that is no router
 * state (`["x"]`), and nothing can match on a method. This sits in the process's HTTP server: a
 * request event that `refusal` refuses is answered here (JSON `{ error: { code, message } }`,
 * `Connection: close`) and goes no further. Only refusals are added; nothing is served or
 * rewritten, and every other request reaches Next untouched.
 *
 * Called from instrumentation.ts register() (Node.js runtime): requests that arrive while the
 * server boots, before register() runs, meet only the rewrite. Idempotent.
 */
export function guardRequests(): void {
  const proto = http.Server.prototype as http.Server & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  const emit = proto.emit;
  proto.emit = function emitGuarded(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "request") {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      const refused = refusal(req);
      if (refused) {
        const body = JSON.stringify({ error: { code: refused.code, message: refused.message } } satisfies ErrorBody);
        res.writeHead(refused.status, { ...refused.headers, "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(body), connection: "close" });
        res.end(req.method === "HEAD" ? undefined : body);
        req.resume();
        return true;
      }
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof proto.emit;
  proto[INSTALLED] = true;
}
