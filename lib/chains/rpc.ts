import { createDefaultRpcTransport, createSolanaRpcFromTransport, isSolanaError, SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR, type Rpc, type RpcTransport, type SolanaRpcApi } from "@solana/kit";
import { createTransport, fallback, http, HttpRequestError, TimeoutError, type EIP1193RequestFn, type HttpTransportConfig, type Transport } from "viem";
import { eitherSignal } from "@/lib/abort";
import { noteRpcAnswer, noteRpcFailure, rpcOrder } from "./rpc-health";
import type { RpcUrls } from "./rpc-urls";

/** An HTTP status that says the endpoint, not the request, is the trouble: 408, 429 or 5xx. */
const endpointStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * A viem transport over `urls`: plain `http` for one, viem's `fallback` for several, in the
 * listed order except that an endpoint which failed as an endpoint within the last 30 s (refused,
 * dropped, 408/429/5xx, no answer within `timeout`) is tried after the others (rpc-health.ts:
 * noted process-wide, no background polling, which viem's ranking would do for every client).
 * viem moves to the next endpoint on any error but a revert or a user's refusal, so a node's
 * answer that is an error (a capped log range, "nonce too low") is asked of the next one too,
 * and the last endpoint's error is what the caller sees.
 *
 * @param options applied to each endpoint's HTTP call (`timeout` in ms); `retryCount` retries the
 *   whole list.
 */
export function evmTransport(urls: RpcUrls, options: Pick<HttpTransportConfig, "timeout" | "retryCount"> = {}): Transport {
  if (urls.length === 1) return http(urls[0], options);
  const endpoints = new Map(urls.map((url) => [url, watchedHttp(url, options.timeout)]));
  return (params) =>
    createTransport({
      key: "fallback-ordered",
      name: "Fallback (failed endpoints last)",
      type: "fallbackOrdered",
      retryCount: options.retryCount ?? params.retryCount,
      request: ((args, requestOptions) =>
        fallback(rpcOrder(urls).map((url) => endpoints.get(url)!), { retryCount: 0 })(params).request(args, requestOptions)) as EIP1193RequestFn,
    });
}

/** viem's `http` transport to `url` (no retries of its own), noting in rpc-health whether it answered. */
function watchedHttp(url: string, timeout: number | undefined): Transport {
  const endpoint = http(url, { timeout, retryCount: 0 });
  return (params) => {
    const transport = endpoint(params);
    const request = (async (args: Parameters<EIP1193RequestFn>[0], requestOptions?: Parameters<EIP1193RequestFn>[1]) => {
      try {
        const result = await transport.request(args, requestOptions);
        noteRpcAnswer(url);
        return result;
      } catch (error) {
        if (error instanceof TimeoutError || (error instanceof HttpRequestError && (error.status === undefined || endpointStatus(error.status)))) noteRpcFailure(url);
        else noteRpcAnswer(url); // the node answered: a JSON-RPC error, a refused request
        throw error;
      }
    }) as EIP1193RequestFn;
    return { ...transport, request };
  };
}

/**
 * A @solana/kit RPC over `urls` (what `createSolanaRpc` builds for one URL, over a transport of
 * our own): each request goes to the endpoints until one answers over HTTP (the failover
 * transport of @solana/kit's docs, "Creating custom RPC transports"), in the listed order except
 * that one which failed within the last 30 s goes after the others (rpc-health.ts). A failed
 * request (refused, reset, an HTTP error status such as 429 or 503, or no answer within
 * `timeoutMs`) moves on; a JSON-RPC error in an answer is that node's answer and is not asked
 * elsewhere (a lagging node's "minimum context slot not reached" stays an answer). All failing:
 * the last endpoint's error. The caller's abort signal ends the whole request at once (and says
 * nothing about the endpoint).
 *
 * @param timeoutMs how long one endpoint gets for one request, in ms (default 10 s; kit's own
 *   transport has no bound, and an endpoint that never answers would hold the call for good).
 */
export function solanaRpc(urls: RpcUrls, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Rpc<SolanaRpcApi> {
  const transports = new Map(urls.map((url) => [url, createDefaultRpcTransport({ url })]));
  const failover = (async (request: Parameters<RpcTransport>[0]) => {
    let failure: unknown;
    for (const url of rpcOrder(urls)) {
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        const answer = await transports.get(url)!({ ...request, signal: request.signal ? eitherSignal(request.signal, timeout) : timeout });
        noteRpcAnswer(url);
        return answer;
      } catch (error) {
        if (request.signal?.aborted) throw error;
        if (isSvmEndpointFailure(error)) noteRpcFailure(url);
        failure = error;
      }
    }
    throw failure;
  }) as RpcTransport;
  return createSolanaRpcFromTransport(failover);
}

/**
 * Whether an error from a Solana RPC call says the endpoint failed rather than answered: an HTTP
 * 408/429/5xx (kit's transport error), a fetch that failed (TypeError: refused, dropped, DNS,
 * CORS in a browser), a body that is not JSON (SyntaxError: a captive portal's or a gateway's
 * page) or one that timed out or was aborted. Anything else (a JSON-RPC error, a simulation
 * failure, an account that does not exist) is the node's answer.
 */
export function isSvmEndpointFailure(error: unknown): boolean {
  if (isSolanaError(error, SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR)) return endpointStatus(error.context.statusCode);
  if (error instanceof TypeError || error instanceof SyntaxError) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === "TimeoutError" || name === "AbortError";
}
