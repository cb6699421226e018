import http from "node:http";
import { parseAndValidateFlightRouterState } from "next/dist/server/app-render/parse-and-validate-flight-router-state";
import type { ErrorBody } from "@/lib/errors";

/** The request header that carries Next's client router state (encodeURIComponent of its JSON). */
const ROUTER_STATE_HEADER = "next-router-state-tree";

/** Marks http.Server.prototype once the guard is on it (a server restarted in-process reloads this module). */
const INSTALLED = Symbol.for("tollgate.routerStateGuard");

/** The answer to a request whose router state Next cannot read: the same body as app/api/bad-router-state. */
const REFUSAL = JSON.stringify({ error: { code: "bad_request", message: "Malformed Next-Router-State-Tree header" } } satisfies ErrorBody);

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
 * Answers `400 bad_request` (JSON, as app/api/bad-router-state does) to every request whose
 * Next-Router-State-Tree header Next cannot parse, before Next sees the request. Next's page
 * renderer answers such a request with a 500, and strips the header before the proxy runs, so no
 * code of the app can see it: the `next.config.mjs` rewrite catches only values of the wrong
 * shape, never an empty one (a rewrite's header match skips empty values) nor JSON of the right
 * shape that is no router state (`["x"]`). This sits in the process's HTTP server: a request event
 * whose header fails Next's own parser is answered here and goes no further. Only a refusal is
 * added; nothing is served or rewritten, and a request with no such header, or a readable one,
 * reaches Next untouched.
 *
 * Called from instrumentation.ts register() (Node.js runtime): requests that arrive while the
 * server boots, before register() runs, meet only the rewrite. Idempotent.
 */
export function guardRouterState(): void {
  const proto = http.Server.prototype as http.Server & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  const emit = proto.emit;
  proto.emit = function emitGuarded(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "request") {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      if (ROUTER_STATE_HEADER in req.headers && !routerStateReadable(req.headers[ROUTER_STATE_HEADER])) {
        res.writeHead(400, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(REFUSAL), connection: "close" });
        res.end(req.method === "HEAD" ? undefined : REFUSAL);
        req.resume();
        return true;
      }
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof proto.emit;
  proto[INSTALLED] = true;
}
