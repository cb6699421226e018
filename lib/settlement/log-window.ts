import { HttpRequestError, RpcError } from "viem";
import type { RpcUrls } from "@/lib/chains/rpc-urls";

/** Blocks in one eth_getLogs call to begin with: what most public RPCs accept. */
export const MAX_LOG_WINDOW = 2_000n;

/** How long a smaller window that worked is kept for an RPC URL before the full one is tried again, in ms. */
export const LOG_WINDOW_MEMORY_MS = 10 * 60 * 1000;

/**
 * The smaller window that last worked, per RPC URL, and since when: a provider's cap, once found,
 * is used by later calls, and forgotten after LOG_WINDOW_MEMORY_MS (a refusal that was the
 * node's passing trouble, or a plan that changed, does not shrink reads for good).
 */
const windows = new Map<string, { size: bigint; since: number }>();

/**
 * Whether an RPC refused a request as such (a JSON-RPC error, or HTTP 400/413 with one), rather
 * than failing to answer. A rate limit is not a refusal of the range: asking for less would not help.
 */
function refusedByNode(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (/rate limit|too many requests|exceeded.*(quota|capacity|compute units)/i.test(error.message)) return false;
  const walk = (e: Error, test: (e: Error) => boolean): boolean => test(e) || (e.cause instanceof Error && walk(e.cause, test));
  return walk(error, (e) => e instanceof RpcError || (e instanceof HttpRequestError && (e.status === 400 || e.status === 413)));
}

/**
 * Reads one window of logs in [range.from, range.to] with `read` (one or more eth_getLogs calls
 * over the same blocks), as many blocks as the RPC accepts: the window starts at the size that
 * last worked for `rpcUrls` (MAX_LOG_WINDOW blocks, or a smaller one found in the last
 * LOG_WINDOW_MEMORY_MS) and, when the RPC refuses it (hosted providers cap a call's range, e.g.
 * at 10, 500 or 2,000 blocks, each with its own error), is halved and read again, down to one
 * block. The window lies at the start of the range
 * (`forward`) or at its end (`backward`); the caller moves on from the window it got.
 *
 * @param range block numbers, inclusive, from ≤ to.
 * @returns what `read` returned, with the window's first and last block.
 * @throws what `read` threw when the RPC did not answer (timeout, connection, rate limit), or
 *   refused even a one-block window.
 */
export async function readLogWindow<T>(
  rpcUrls: RpcUrls,
  range: { from: bigint; to: bigint },
  direction: "forward" | "backward",
  read: (fromBlock: bigint, toBlock: bigint) => Promise<T>,
): Promise<{ result: T; fromBlock: bigint; toBlock: bigint }> {
  const key = rpcUrls.join(" ");
  const remembered = windows.get(key);
  if (remembered && Date.now() - remembered.since > LOG_WINDOW_MEMORY_MS) windows.delete(key);
  let size = windows.get(key)?.size ?? MAX_LOG_WINDOW;
  let shrunk = false;
  for (;;) {
    const fromBlock = direction === "forward" ? range.from : range.to - size + 1n > range.from ? range.to - size + 1n : range.from;
    const toBlock = direction === "forward" ? (range.from + size - 1n < range.to ? range.from + size - 1n : range.to) : range.to;
    try {
      const result = await read(fromBlock, toBlock);
      // Kept only once a smaller window worked: a refusal that no size cures (e.g. a block past
      // the node's head) leaves the window as it was.
      if (shrunk) windows.set(key, { size, since: Date.now() });
      return { result, fromBlock, toBlock };
    } catch (error) {
      const span = toBlock - fromBlock + 1n;
      if (span <= 1n || !refusedByNode(error)) throw error;
      size = span / 2n;
      shrunk = true;
    }
  }
}
