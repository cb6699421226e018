import { createHash } from "node:crypto";

/**
 * What the chain itself dedupes a payment on, when Tollgate can read it from the payload
 * (lib/settlement/onchain.ts `onchainRefOf` gives it): an EIP-3009 authorization by its
 * authorizer and nonce (per token: EIP-3009 `authorizationState`), a Solana transaction by the
 * hash of its message (what every signature commits to).
 */
export type PaymentIdentity = { kind: "eip3009"; from: string; nonce: string } | { kind: "svm"; messageHash: string };

/**
 * A stable identity for one payment: sha256 (hex) over the network, the scheme and what the
 * chain dedupes the payment on (`identity`, with the asset for EIP-3009), or, for a payload
 * Tollgate cannot read so far, the canonical scheme payload. The database's unique index on it is
 * what lets one payment buy one handler run, so every encoding of one payment must give one key:
 * the same payment sent as v1 or v2, in any key order or hex case, and a Solana transaction whose
 * fee payer signature slot (empty when the buyer signs; the facilitator fills it) holds anything —
 * without this, one signed transaction sent with junk in that slot bought one delivery per
 * variant when presented concurrently, for one transfer.
 *
 * @param asset the token (EVM contract address, Solana mint) of the matched requirements.
 * @param identity the payment's on-chain identity, or null to key on the scheme payload.
 */
export function paymentKey(network: string, scheme: string, schemePayload: unknown, { asset, identity }: { asset: string; identity: PaymentIdentity | null }): string {
  const what =
    identity?.kind === "eip3009"
      ? { eip3009: { asset, from: identity.from, nonce: identity.nonce } }
      : identity?.kind === "svm"
        ? { svmMessage: identity.messageHash }
        : schemePayload;
  return createHash("sha256").update(canonicalJson([network, scheme, what])).digest("hex");
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
