import type { RpcUrls } from "./rpc-urls";

/**
 * How long an RPC endpoint that just failed (refused, dropped, 408/429/5xx, no answer in time) is
 * tried after a network's other endpoints, in ms. Long enough that a first endpoint that hangs
 * costs one call in this window its timeout instead of every call; short enough that a provider
 * back from an outage gets its place back soon. Nothing polls: the next call after the window
 * asks it first again.
 */
export const RPC_REST_MS = 30_000;

/**
 * Endpoint URL → until when (epoch ms) it is tried last. Process-wide (on globalThis: the proxy,
 * the route handlers, the pages and the background work are separate bundles, each with its own
 * copy of this module, and an endpoint that failed one of them is as down for the others); in the
 * browser, per page.
 */
const g = globalThis as typeof globalThis & { __tollgateRpcResting?: Map<string, number> };
const resting = (g.__tollgateRpcResting ??= new Map<string, number>());

/**
 * The order to try `urls` in now: the listed order, except that endpoints which failed within
 * the last RPC_REST_MS go after the others (among themselves, listed order). Never drops one:
 * when every endpoint failed lately, all are still tried.
 */
export function rpcOrder(urls: RpcUrls): RpcUrls {
  if (urls.length === 1 || resting.size === 0) return urls;
  const now = Date.now();
  const first: string[] = [];
  const last: string[] = [];
  for (const url of urls) {
    const until = resting.get(url);
    if (until === undefined || until <= now) {
      if (until !== undefined) resting.delete(url);
      first.push(url);
    } else last.push(url);
  }
  return [...first, ...last] as unknown as RpcUrls;
}

/** `url` failed as an endpoint (not a node's JSON-RPC error, not the caller's abort): it rests. */
export function noteRpcFailure(url: string): void {
  resting.set(url, Date.now() + RPC_REST_MS);
}

/** `url` answered (a result or a node's JSON-RPC error): it takes its listed place again. */
export function noteRpcAnswer(url: string): void {
  resting.delete(url);
}

/** Forgets every failure noted (tests: each starts from the listed order). */
export function forgetRpcHealth(): void {
  resting.clear();
}
