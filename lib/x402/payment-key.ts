import { createHash } from "node:crypto";

/**
 * A stable identity for one payment: sha256 (hex) over the network, scheme and the scheme
 * payload (for EVM exact: the signature and the EIP-3009 authorization with its nonce). The same
 * signed payment sent twice, as v1 or v2, in any key order, gives the same key; the database's
 * unique index on it is what lets one payment buy one handler run.
 */
export function paymentKey(network: string, scheme: string, schemePayload: unknown): string {
  return createHash("sha256").update(canonicalJson([network, scheme, schemePayload])).digest("hex");
}

/** JSON with object keys sorted at every depth, so equal values serialize equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return typeof v === "string" && /^0x[0-9a-fA-F]+$/.test(v) ? v.toLowerCase() : v;
  });
}
