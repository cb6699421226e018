import type { Dispatcher } from "undici";
import { currentRetryAfterNote, parseRetryAfter, type RetryAfterNote } from "./retry-after";

/**
 * The most a facilitator's answer may hold (bytes): /verify, /settle and /supported answers are a
 * few kilobytes. Past this the call fails as a bad answer, where Node's fetch would otherwise keep
 * reading for as long as the facilitator sends (until FACILITATOR_TIMEOUT_MS): one paid request
 * facing a facilitator that streams without end held 2.7 GB of this server's memory in 20 s.
 */
export const FACILITATOR_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Where Node's fetch and the `undici` package keep the process's dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

const g = globalThis as typeof globalThis & {
  [GLOBAL_DISPATCHER]?: Dispatcher;
  __tollgateFacilitatorLimit?: { origins: Set<string>; installed: Promise<void> };
};

/**
 * Bounds every answer from the facilitators at `urls` to FACILITATOR_MAX_RESPONSE_BYTES.
 * `@x402/core`'s HTTPFacilitatorClient calls the global `fetch` and reads whole bodies, so the
 * bound sits in the process's fetch dispatcher: requests to these origins go through an `undici`
 * Agent with `maxResponseSize`; every other request (the loopback to the app, webhooks, RPC) goes
 * to the dispatcher that was there before, unchanged. A body over the bound fails the call with
 * undici's `UND_ERR_RES_EXCEEDED_MAX_SIZE`, which the money path treats as a bad facilitator
 * answer (verify) or an unknown outcome (settle: the chain decides). Facilitator requests ask for
 * `Accept-Encoding: identity`, and a compressed answer fails the same way (ENCODED_ANSWER): the
 * bound counts bytes received, and a few kilobytes of brotli inflate to gigabytes. A facilitator
 * may redirect (an apex host to www, http to https): the request fetch then sends to the
 * redirect's target, whatever its origin, is bounded the same way (that one URL, once, for up to
 * REDIRECT_WINDOW_MS), so a redirect is no way around the bound.
 *
 * Idempotent; later calls add origins. Installed only where Node's fetch runs on undici 6 (Node 20
 * and 22), the version of the `undici` package: elsewhere it logs that the bound is off.
 */
export function limitFacilitatorResponses(urls: readonly string[]): Promise<void> {
  const origins = urls.map((u) => new URL(u).origin);
  if (g.__tollgateFacilitatorLimit) {
    for (const origin of origins) g.__tollgateFacilitatorLimit.origins.add(origin);
    return g.__tollgateFacilitatorLimit.installed;
  }
  const state = { origins: new Set(origins), installed: Promise.resolve() };
  // A bound that cannot be installed must not stop payments: it is logged, and answers go unbounded.
  state.installed = install(state.origins).catch((error: unknown) => console.error("[tollgate] facilitator answers are not size-bounded:", error));
  g.__tollgateFacilitatorLimit = state;
  return state.installed;
}

async function install(origins: Set<string>): Promise<void> {
  if (process.versions.undici?.split(".")[0] !== "6") {
    console.warn(`[tollgate] Node's fetch runs on undici ${process.versions.undici}: facilitator answers are not size-bounded`);
    return;
  }
  // Node's fetch sets up its own dispatcher on its first call. Without it, loading the `undici`
  // package would put that package's default Agent under every request of the process.
  if (!g[GLOBAL_DISPATCHER]) await fetch("data:,").catch(() => undefined);
  const undici = await import("undici");
  const other = undici.getGlobalDispatcher();
  const limited = new undici.Agent({ maxResponseSize: FACILITATOR_MAX_RESPONSE_BYTES });
  const redirects = new RedirectTargets();
  // undici's types declare none of DecoratorHandler's methods; it forwards each to `handler`.
  const Decorator = undici.DecoratorHandler as unknown as new (handler: Dispatcher.DispatchHandlers) => ForwardingHandler;
  /**
   * Refuses a compressed answer (the bound counts bytes received, and fetch would inflate them),
   * notes where a redirect sends fetch next, so that request is bounded too, and notes a "not
   * now" answer's Retry-After for the call that asked (lib/facilitator/retry-after.ts).
   */
  class FacilitatorAnswer extends Decorator {
    #abort: ((error: Error) => void) | undefined;
    readonly #url: string;
    readonly #note: RetryAfterNote | undefined;
    constructor(handler: Dispatcher.DispatchHandlers, url: string, note: RetryAfterNote | undefined) {
      super(handler);
      this.#url = url;
      this.#note = note;
    }
    onConnect(abort: (error?: Error) => void, ...rest: unknown[]): void {
      this.#abort = abort;
      return super.onConnect(abort, ...rest);
    }
    onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
      for (let i = 0; i + 1 < headers.length; i += 2) {
        const name = headers[i]!.toString("latin1").toLowerCase();
        if (name === "location" && statusCode >= 300 && statusCode < 400) redirects.add(headers[i + 1]!.toString("latin1"), this.#url);
        if (name === "retry-after" && this.#note && (statusCode === 429 || statusCode === 503)) this.#note.seconds = parseRetryAfter(headers[i + 1]!.toString("latin1")) ?? this.#note.seconds;
        const encoding = name === "content-encoding" ? headers[i + 1]!.toString("latin1").trim().toLowerCase() : "";
        if (encoding && encoding !== "identity") {
          this.#abort?.(Object.assign(new Error(`The facilitator sent a ${encoding}-encoded answer to a request for identity`), { code: ENCODED_ANSWER }));
          return false;
        }
      }
      return super.onHeaders(statusCode, headers, resume, statusText);
    }
  }
  class FacilitatorBound extends undici.Dispatcher {
    dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
      const origin = originOf(options.origin);
      const facilitator = origins.has(origin);
      // (Most requests of the process, the loopback ones among them, end here.)
      if (!facilitator && redirects.empty) return other.dispatch(options, handler);
      const url = urlOf(origin, options.path);
      const redirected = !redirects.empty && redirects.take(url);
      if (!facilitator && !redirected) return other.dispatch(options, handler);
      return limited.dispatch({ ...options, headers: identityEncoding(options.headers) }, new FacilitatorAnswer(handler, url, currentRetryAfterNote()) as Dispatcher.DispatchHandlers);
    }
  }
  undici.setGlobalDispatcher(new FacilitatorBound());
}

/** How long a facilitator's redirect target waits for fetch to follow it (ms); fetch follows at once. */
const REDIRECT_WINDOW_MS = 30_000;
/** The most redirect targets waiting at once; past it the oldest is dropped (fetch follows one at a time per call). */
const MAX_REDIRECT_TARGETS = 1024;

/**
 * URLs a facilitator redirected to, each waiting for the one request fetch sends there next. An
 * entry is taken by that request, or dropped after REDIRECT_WINDOW_MS (a redirect fetch did not
 * follow: `redirect: "manual"`, or the call was aborted).
 */
class RedirectTargets {
  readonly #waiting = new Map<string, number[]>();
  #size = 0;

  /** Notes `location` (as sent, relative or absolute) of an answer to a request for `from`. */
  add(location: string, from: string): void {
    let target: string;
    try {
      target = withoutFragment(new URL(location, from));
    } catch {
      return; // fetch cannot follow it either
    }
    const deadline = Date.now() + REDIRECT_WINDOW_MS;
    const list = this.#waiting.get(target);
    if (list) list.push(deadline);
    else this.#waiting.set(target, [deadline]);
    if (++this.#size > MAX_REDIRECT_TARGETS) this.#prune(true);
  }

  /** Whether no redirect target waits (then no request needs looking up). */
  get empty(): boolean {
    return this.#size === 0;
  }

  /** Whether `url` is a redirect target still waiting; if so, it is taken (once per redirect). */
  take(url: string): boolean {
    this.#prune(false);
    const list = this.#waiting.get(url);
    if (!list?.length) return false;
    list.shift();
    this.#size--;
    if (!list.length) this.#waiting.delete(url);
    return true;
  }

  #prune(dropOldest: boolean): void {
    const now = Date.now();
    for (const [url, list] of this.#waiting) {
      while (list.length && (list[0]! <= now || dropOldest)) {
        list.shift();
        this.#size--;
        dropOldest = false;
      }
      if (!list.length) this.#waiting.delete(url);
    }
  }
}

function withoutFragment(url: URL): string {
  url.hash = "";
  return url.href;
}

/** The URL a dispatch asks for, as fetch built it from a redirect's target. */
function urlOf(origin: string, path: string): string {
  try {
    return withoutFragment(new URL(path.startsWith("/") ? origin + path : path, origin));
  } catch {
    return "";
  }
}

/** What undici's DecoratorHandler does with the two calls FacilitatorAnswer looks at: hands them on. */
interface ForwardingHandler {
  onConnect(abort: (error?: Error) => void, ...rest: unknown[]): void;
  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
}

/** Error code of a facilitator answer refused for its content encoding. */
export const ENCODED_ANSWER = "TOLLGATE_FACILITATOR_ENCODED_ANSWER";

/** `headers` (as fetch hands them to its dispatcher: an object, or a flat name/value array) asking for an uncompressed answer. */
function identityEncoding(headers: Dispatcher.DispatchOptions["headers"]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) out[String(headers[i])] = String(headers[i + 1]);
  } else if (headers) {
    for (const [name, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) if (value !== undefined) out[name] = value;
  }
  for (const name of Object.keys(out)) if (name.toLowerCase() === "accept-encoding") delete out[name];
  out["accept-encoding"] = "identity";
  return out;
}

function originOf(origin: Dispatcher.DispatchOptions["origin"]): string {
  try {
    return new URL(String(origin)).origin;
  } catch {
    return "";
  }
}
