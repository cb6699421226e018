import { z } from "zod";

/**
 * A network's JSON-RPC endpoints, in the order they are tried: the first is the one every call
 * goes to; the others take a call the ones before them failed (an outage, a rate limit, a
 * timeout). At least one.
 */
export type RpcUrls = readonly [string, ...string[]];

/** The most endpoints one network may list: each failed one costs a call its timeout. */
export const MAX_RPC_URLS = 8;

/**
 * One JSON-RPC endpoint: an http:// or https:// URL, the only kind viem's `http` transport and
 * @solana/kit's transport can call (anything else, `ws:`, `file:`, `javascript:`, would be
 * accepted at boot and fail on every call, and these URLs also reach the paywall's page).
 */
const rpcUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

/**
 * An RPC setting as EVM_CHAINS' `rpcUrl` and SOLANA_RPC_URLS' values take it: one http(s) URL,
 * or a list tried in order (1 to MAX_RPC_URLS, no repeats); either way an RpcUrls.
 */
export const rpcUrlsSchema = z
  .union([rpcUrl, z.array(rpcUrl).min(1).max(MAX_RPC_URLS)])
  .transform((v) => (typeof v === "string" ? [v] : v) as unknown as RpcUrls)
  .refine((urls) => new Set(urls).size === urls.length, "lists a URL twice");
