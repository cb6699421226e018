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
 * An RPC setting as EVM_CHAINS' `rpcUrl` and SOLANA_RPC_URLS' values take it: one URL, or a
 * list tried in order (1 to MAX_RPC_URLS, no repeats); either way an RpcUrls.
 */
export const rpcUrlsSchema = z
  .union([z.url(), z.array(z.url()).min(1).max(MAX_RPC_URLS)])
  .transform((v) => (typeof v === "string" ? [v] : v) as unknown as RpcUrls)
  .refine((urls) => new Set(urls).size === urls.length, "lists a URL twice");
