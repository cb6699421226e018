import type { Dispatcher } from "undici";

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
 * answer (verify) or an unknown outcome (settle: the chain decides).
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
  state.installed = install(state.origins);
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
  class FacilitatorBound extends undici.Dispatcher {
    dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
      return (origins.has(originOf(options.origin)) ? limited : other).dispatch(options, handler);
    }
  }
  undici.setGlobalDispatcher(new FacilitatorBound());
}

function originOf(origin: Dispatcher.DispatchOptions["origin"]): string {
  try {
    return new URL(String(origin)).origin;
  } catch {
    return "";
  }
}
