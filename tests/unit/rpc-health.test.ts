/**
 * Which order a network's RPC endpoints are tried in (lib/chains/rpc-health.ts), and which errors
 * count as an endpoint's failure (lib/chains/rpc.ts). The calls themselves, against real
 * endpoints that are down, silent or refusing, are in tests/integration/rpc-fallback.test.ts.
 */
import fc from "fast-check";
import { SOLANA_ERROR__JSON_RPC__SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED, SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR, SolanaError } from "@solana/kit";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isSvmEndpointFailure } from "@/lib/chains/rpc";
import { forgetRpcHealth, noteRpcAnswer, noteRpcFailure, RPC_REST_MS, rpcOrder } from "@/lib/chains/rpc-health";
import type { RpcUrls } from "@/lib/chains/rpc-urls";

const [a, b, c] = ["https://a.example/rpc", "https://b.example/rpc", "https://c.example/rpc"];

describe("rpcOrder", () => {
  beforeEach(() => {
    forgetRpcHealth();
    vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 });
  });
  afterEach(() => vi.useRealTimers());

  it("keeps the listed order while nothing failed", () => {
    expect(rpcOrder([a, b, c])).toEqual([a, b, c]);
  });

  it("puts an endpoint that failed after the others until RPC_REST_MS passed, then back in its place", () => {
    noteRpcFailure(a);
    expect(rpcOrder([a, b, c])).toEqual([b, c, a]);
    vi.setSystemTime(1_000_000 + RPC_REST_MS - 1);
    expect(rpcOrder([a, b, c])).toEqual([b, c, a]);
    vi.setSystemTime(1_000_000 + RPC_REST_MS);
    expect(rpcOrder([a, b, c])).toEqual([a, b, c]);
  });

  it("keeps the listed order among endpoints that failed, and drops none when all did", () => {
    noteRpcFailure(c);
    noteRpcFailure(a);
    expect(rpcOrder([a, b, c])).toEqual([b, a, c]);
    noteRpcFailure(b);
    expect(rpcOrder([a, b, c])).toEqual([a, b, c]);
  });

  it("gives an endpoint that answered its place back at once", () => {
    noteRpcFailure(a);
    noteRpcAnswer(a);
    expect(rpcOrder([a, b])).toEqual([a, b]);
  });

  it("a failure noted by another copy of the module (another Next bundle) rests the endpoint here too", async () => {
    vi.resetModules();
    const other = await import("@/lib/chains/rpc-health");
    expect(other.noteRpcFailure).not.toBe(noteRpcFailure);
    other.noteRpcFailure(a);
    expect(rpcOrder([a, b])).toEqual([b, a]);
    noteRpcAnswer(a);
    expect(other.rpcOrder([a, b])).toEqual([a, b]);
  });

  it("a failure noted again starts the rest again", () => {
    noteRpcFailure(a);
    vi.setSystemTime(1_000_000 + RPC_REST_MS - 1);
    noteRpcFailure(a);
    vi.setSystemTime(1_000_000 + RPC_REST_MS + 1);
    expect(rpcOrder([a, b])).toEqual([b, a]);
  });

  it("property: any failures give a permutation of the list, the endpoints that did not fail first, each part in listed order", () => {
    const urls = fc.uniqueArray(fc.webUrl(), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(urls, fc.array(fc.nat()), (list, picks) => {
        forgetRpcHealth();
        const failed = new Set(picks.map((i) => list[i % list.length]!));
        for (const url of failed) noteRpcFailure(url);
        const order = rpcOrder(list as unknown as RpcUrls);
        expect([...order].sort()).toEqual([...list].sort());
        const healthy = list.filter((u) => !failed.has(u));
        const resting = list.filter((u) => failed.has(u));
        expect(order).toEqual(list.length === 1 ? list : [...healthy, ...resting]);
      }),
    );
  });
});

describe("isSvmEndpointFailure: the endpoint failed, or the node answered", () => {
  const http = (statusCode: number) => new SolanaError(SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR, { headers: new Headers(), message: "", statusCode });

  it("counts an outage, a rate limit, a timeout, a failed fetch and a body that is not JSON as the endpoint's", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isSvmEndpointFailure(http(status))).toBe(true);
    expect(isSvmEndpointFailure(new TypeError("fetch failed"))).toBe(true);
    expect(isSvmEndpointFailure(new SyntaxError("Unexpected token '<', \"<html><bod\"... is not valid JSON"))).toBe(true);
    expect(isSvmEndpointFailure(new DOMException("The operation was aborted due to timeout", "TimeoutError"))).toBe(true);
    expect(isSvmEndpointFailure(new DOMException("This operation was aborted", "AbortError"))).toBe(true);
  });

  it("counts a request refused for what it asked, and a node's JSON-RPC error, as answers", () => {
    for (const status of [400, 401, 403, 404, 413]) expect(isSvmEndpointFailure(http(status))).toBe(false);
    expect(isSvmEndpointFailure(new SolanaError(SOLANA_ERROR__JSON_RPC__SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED, { contextSlot: 1n }))).toBe(false);
    expect(isSvmEndpointFailure(new Error("Mint account not found"))).toBe(false);
    expect(isSvmEndpointFailure(undefined)).toBe(false);
  });
});
