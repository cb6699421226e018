/**
 * readLogWindow (lib/settlement/log-window.ts) against RPC answers made with viem's own error
 * classes: an RPC that caps the range refuses with a JSON-RPC error (as hosted providers do, each
 * with its own words), one that is down or rate-limited fails otherwise. The chain itself is in
 * tests/integration/log-window.test.ts.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HttpRequestError, InvalidParamsRpcError, RpcRequestError, TimeoutError, UnknownRpcError } from "viem";
import { LOG_WINDOW_MEMORY_MS, MAX_LOG_WINDOW, readLogWindow } from "@/lib/settlement/log-window";

let urls = 0;
/** A fresh RPC URL: the window that worked is remembered per URL. */
const freshUrl = () => `http://rpc-${++urls}.test`;

/** A read that refuses more than `cap` blocks the way viem reports a JSON-RPC error, and records what it was asked. */
function cappedRead(cap: bigint, asked: [bigint, bigint][] = []) {
  return async (fromBlock: bigint, toBlock: bigint) => {
    asked.push([fromBlock, toBlock]);
    if (toBlock - fromBlock + 1n > cap) {
      throw new UnknownRpcError(new RpcRequestError({ body: {}, url: "http://rpc.test", error: { code: -32600, message: `eth_getLogs is limited to a ${cap} range` } }));
    }
    return [fromBlock, toBlock];
  };
}

describe("readLogWindow", () => {
  it("covers a range block by block, forward and backward, in windows the RPC accepts, whatever its cap", async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: 1_000_000n }), fc.bigInt({ min: 0n, max: 5_000n }), fc.bigInt({ min: 1n, max: 3_000n }), fc.boolean(), async (from, length, cap, forward) => {
        const url = freshUrl();
        const to = from + length;
        const read = cappedRead(cap);
        const seen: [bigint, bigint][] = [];
        let [lo, hi] = [from, to];
        while (lo <= hi) {
          const w = await readLogWindow([url], { from: lo, to: hi }, forward ? "forward" : "backward", read);
          expect(w.result).toEqual([w.fromBlock, w.toBlock]);
          expect(w.toBlock - w.fromBlock + 1n).toBeLessThanOrEqual(cap < MAX_LOG_WINDOW ? cap : MAX_LOG_WINDOW);
          seen.push([w.fromBlock, w.toBlock]);
          if (forward) lo = w.toBlock + 1n;
          else hi = w.fromBlock - 1n;
        }
        // Contiguous, no block twice, none left out.
        const sorted = seen.sort((a, b) => (a[0] < b[0] ? -1 : 1));
        expect(sorted[0]![0]).toBe(from);
        expect(sorted.at(-1)![1]).toBe(to);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBe(sorted[i - 1]![1] + 1n);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the window that worked for the next call on the same RPC, and only there", async () => {
    const url = freshUrl();
    const asked: [bigint, bigint][] = [];
    await readLogWindow([url], { from: 0n, to: 100_000n }, "forward", cappedRead(500n, asked));
    expect(asked.length).toBeGreaterThan(1);
    asked.length = 0;
    await readLogWindow([url], { from: 0n, to: 100_000n }, "forward", cappedRead(500n, asked));
    expect(asked).toEqual([[0n, 499n]]); // 2,000 halved twice: the first size the RPC took
    asked.length = 0;
    await readLogWindow([freshUrl()], { from: 0n, to: 100_000n }, "forward", cappedRead(500n, asked));
    expect(asked[0]).toEqual([0n, MAX_LOG_WINDOW - 1n]);
  });

  it("shrinks on a JSON-RPC refusal or an HTTP 400/413, and throws at once when the RPC did not answer or rate-limits", async () => {
    const refusals = [
      new InvalidParamsRpcError(new RpcRequestError({ body: {}, url: "http://rpc.test", error: { code: -32602, message: "block range too large" } })),
      new HttpRequestError({ url: "http://rpc.test", status: 413, details: "request entity too large" }),
      new HttpRequestError({ url: "http://rpc.test", status: 400, details: '{"code":-32000,"message":"exceed maximum block range: 50"}' }),
    ];
    for (const refusal of refusals) {
      let calls = 0;
      const w = await readLogWindow([freshUrl()], { from: 0n, to: 10_000n }, "backward", async (fromBlock, toBlock) => {
        if (++calls === 1) throw refusal;
        return toBlock - fromBlock + 1n;
      });
      expect(w.result).toBe(MAX_LOG_WINDOW / 2n);
      expect(w.toBlock).toBe(10_000n);
    }
    const failures = [
      new TimeoutError({ body: {}, url: "http://rpc.test" }),
      new HttpRequestError({ url: "http://rpc.test", status: 503, details: "unavailable" }),
      new HttpRequestError({ url: "http://rpc.test", status: 429, details: "Too Many Requests" }),
      new UnknownRpcError(new RpcRequestError({ body: {}, url: "http://rpc.test", error: { code: -32005, message: "rate limit exceeded" } })),
      new TypeError("fetch failed"),
    ];
    for (const failure of failures) {
      let calls = 0;
      await expect(
        readLogWindow([freshUrl()], { from: 0n, to: 10_000n }, "forward", async () => {
          calls++;
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(calls).toBe(1);
    }
  });

  it("gives up on a one-block window the RPC still refuses, and does not keep any smaller window for it", async () => {
    const url = freshUrl();
    const asked: [bigint, bigint][] = [];
    await expect(readLogWindow([url], { from: 7n, to: 5_000n }, "forward", cappedRead(0n, asked))).rejects.toBeInstanceOf(UnknownRpcError);
    expect(asked.at(-1)).toEqual([7n, 7n]);
    expect(asked.length).toBe(11); // 2,000, 1,000, 500, 250, 125, 62, 31, 15, 7, 3, 1
    // The refusal was not about the size (e.g. a block past a lagging node's head): once the
    // RPC answers again, the full window is asked for.
    asked.length = 0;
    await readLogWindow([url], { from: 7n, to: 5_000n }, "forward", cappedRead(MAX_LOG_WINDOW, asked));
    expect(asked).toEqual([[7n, 7n + MAX_LOG_WINDOW - 1n]]);
  });

  afterEach(() => vi.useRealTimers());

  it("tries the full window again once the smaller one is older than LOG_WINDOW_MEMORY_MS", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const url = freshUrl();
    const asked: [bigint, bigint][] = [];
    await readLogWindow([url], { from: 0n, to: 100_000n }, "forward", cappedRead(600n, asked));
    asked.length = 0;
    vi.advanceTimersByTime(LOG_WINDOW_MEMORY_MS - 1_000);
    await readLogWindow([url], { from: 0n, to: 100_000n }, "forward", cappedRead(MAX_LOG_WINDOW, asked));
    expect(asked).toEqual([[0n, 499n]]);
    asked.length = 0;
    vi.advanceTimersByTime(2_000);
    await readLogWindow([url], { from: 0n, to: 100_000n }, "forward", cappedRead(MAX_LOG_WINDOW, asked));
    expect(asked).toEqual([[0n, MAX_LOG_WINDOW - 1n]]);
  });
});
