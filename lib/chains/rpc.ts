import { createDefaultRpcTransport, createSolanaRpcFromTransport, type Rpc, type RpcTransport, type SolanaRpcApi } from "@solana/kit";
import { fallback, http, type HttpTransportConfig, type Transport } from "viem";
import { eitherSignal } from "@/lib/abort";
import type { RpcUrls } from "./rpc-urls";

/**
 * A viem transport over `urls`: plain `http` for one, viem's `fallback` for several, tried in
 * the listed order on every call (no ranking: that would poll each endpoint in the background).
 * viem moves to the next endpoint on any error but a revert or a user's refusal, so a node's
 * answer that is an error (a capped log range, "nonce too low") is asked of the next one too,
 * and the last endpoint's error is what the caller sees.
 *
 * @param options applied to each endpoint's HTTP call (`timeout` in ms); `retryCount` retries the
 *   whole list.
 */
export function evmTransport(urls: RpcUrls, options: Pick<HttpTransportConfig, "timeout" | "retryCount"> = {}): Transport {
  if (urls.length === 1) return http(urls[0], options);
  return fallback(
    urls.map((url) => http(url, { timeout: options.timeout })),
    { retryCount: options.retryCount },
  );
}

/**
 * A @solana/kit RPC over `urls` (what `createSolanaRpc` builds for one URL, over a transport of
 * our own): each request goes to the endpoints in order until one answers over HTTP (the
 * failover transport of @solana/kit's docs, "Creating custom RPC transports"). A failed request
 * (refused, reset, an HTTP error status such as 429 or 503, or no answer within `timeoutMs`)
 * moves on; a JSON-RPC error in an answer is that node's answer and is not asked elsewhere (a
 * lagging node's "minimum context slot not reached" stays an answer). All failing: the last
 * endpoint's error. The caller's abort signal ends the whole request at once.
 *
 * @param timeoutMs how long one endpoint gets for one request, in ms (default 10 s; kit's own
 *   transport has no bound, and an endpoint that never answers would hold the call for good).
 */
export function solanaRpc(urls: RpcUrls, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Rpc<SolanaRpcApi> {
  const transports = urls.map((url) => createDefaultRpcTransport({ url }));
  const failover: RpcTransport = async (request) => {
    let failure: unknown;
    for (const transport of transports) {
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        return await transport({ ...request, signal: request.signal ? eitherSignal(request.signal, timeout) : timeout });
      } catch (error) {
        if (request.signal?.aborted) throw error;
        failure = error;
      }
    }
    throw failure;
  };
  return createSolanaRpcFromTransport(failover);
}
