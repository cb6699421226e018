import { EVM_NETWORK_CHAIN_ID_MAP } from "@x402/evm/v1";
import { V1_TO_V2_NETWORK_MAP } from "@x402/svm";

/**
 * x402 v1 named networks ("base-sepolia") ↔ v2 CAIP-2 ids ("eip155:84532"), from the official
 * packages' own tables (@x402/evm/v1, @x402/svm). v1 clients can only pay networks listed here.
 */
const V1_TO_CAIP2: Record<string, string> = {
  ...Object.fromEntries(Object.entries(EVM_NETWORK_CHAIN_ID_MAP).map(([name, id]) => [name, `eip155:${id}`])),
  ...V1_TO_V2_NETWORK_MAP,
};
const CAIP2_TO_V1: Record<string, string> = Object.fromEntries(Object.entries(V1_TO_CAIP2).map(([v1, caip2]) => [caip2, v1]));

/** The v1 name of a CAIP-2 network, or undefined when v1 has none (then v1 clients cannot pay it). */
export function toV1Network(caip2: string): string | undefined {
  return CAIP2_TO_V1[caip2];
}

/** The CAIP-2 id of a v1 network name, or undefined when unknown. */
export function fromV1Network(v1: string): string | undefined {
  return V1_TO_CAIP2[v1];
}
