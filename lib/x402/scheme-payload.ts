import { getBase64Encoder, getCompiledTransactionMessageDecoder, getTransactionDecoder } from "@solana/kit";
import { z } from "zod";
import { TollgateError } from "@/lib/errors";

/**
 * Shapes of the scheme-specific `payload` of a PaymentPayload, checked before a facilitator sees
 * it: a payload of the wrong shape is the client's error (400), not the facilitator's (it would
 * answer 500, which reads as an outage). Signatures and amounts are still the facilitator's to
 * judge; these schemas only hold the field lists and formats of the specs:
 * - exact on EVM: coinbase/x402 specs/schemes/exact/scheme_exact_evm.md, "PaymentPayload `payload`
 *   Field" (EIP-3009 `authorization` + `signature`; Permit2 `permit2Authorization` + `signature`,
 *   v2 only), mirrored by @x402/evm's ExactEIP3009Payload / ExactPermit2Payload types;
 * - exact on Solana: specs/schemes/exact/scheme_exact_svm.md (`transaction`: a base64 serialized,
 *   partially signed versioned transaction), decoded with @solana/kit's transaction decoder, as
 *   @x402/svm's decodeTransactionFromPayload does (which would log a stack trace for bad input).
 */

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");
/** uint256 as a decimal string (at most 78 digits), as the spec writes amounts and times. */
const uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "must be a decimal string of an unsigned integer");
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex value");
/** ECDSA (65 bytes) or a smart-wallet signature (ERC-1271 / ERC-6492, longer); capped for sanity. */
const signature = z
  .string()
  .max(16_386, "is too long")
  .regex(/^0x(?:[0-9a-fA-F]{2})+$/, "must be 0x-prefixed hex bytes");

const eip3009Payload = z.object({
  signature,
  authorization: z.object({ from: address, to: address, value: uint, validAfter: uint, validBefore: uint, nonce: bytes32 }),
});

const permit2Payload = z.object({
  signature,
  permit2Authorization: z.object({
    from: address,
    permitted: z.object({ token: address, amount: uint }),
    spender: address,
    nonce: uint,
    deadline: uint,
    witness: z.object({ to: address, validAfter: uint }),
  }),
});

/** A Solana transaction is at most 1232 bytes: 1644 base64 characters. */
const svmPayload = z.object({
  transaction: z
    .string()
    .max(1_644, "is longer than a Solana transaction can be")
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be standard base64")
    .refine((transaction) => {
      try {
        // The wire transaction, then its message (the facilitator reads both).
        const decoded = getTransactionDecoder().decode(getBase64Encoder().encode(transaction));
        const [, consumed] = getCompiledTransactionMessageDecoder().read(decoded.messageBytes, 0);
        return consumed === decoded.messageBytes.length;
      } catch {
        return false;
      }
    }, "is not a serialized Solana transaction"),
});

/** The schema for one scheme on one network family, or undefined when Tollgate has none. */
function schemaFor(scheme: string, network: string, x402Version: 1 | 2): z.ZodType | undefined {
  if (scheme !== "exact") return undefined;
  if (network.startsWith("eip155:")) {
    // Permit2 exists in v2 only; v1's exact EVM payload is EIP-3009.
    return x402Version === 2 ? z.union([eip3009Payload, permit2Payload]) : eip3009Payload;
  }
  if (network.startsWith("solana:")) return svmPayload;
  return undefined;
}

/**
 * Checks a PaymentPayload's scheme-specific `payload` against its scheme's spec shape.
 *
 * @param scheme the matched PaymentRequirements' scheme ("exact").
 * @param network the matched requirements' CAIP-2 network ("eip155:8453", "solana:…").
 * @param payload the untrusted `payload` object from the client's header.
 * @param header the header it came in, for the message ("PAYMENT-SIGNATURE" or "X-PAYMENT").
 * @throws TollgateError `invalid_payment_header` (400) naming the first bad field, e.g.
 *   "PAYMENT-SIGNATURE payload.authorization.value: must be a decimal string …"; also for a
 *   scheme/network Tollgate has no schema for (it could not have offered it).
 */
export function assertSchemePayload(scheme: string, network: string, payload: unknown, header: "PAYMENT-SIGNATURE" | "X-PAYMENT"): void {
  const schema = schemaFor(scheme, network, header === "PAYMENT-SIGNATURE" ? 2 : 1);
  if (!schema) throw new TollgateError("invalid_payment_header", `${header}: no payload shape is known for scheme ${scheme} on ${network}`);
  const parsed = schema.safeParse(payload);
  if (parsed.success) return;
  throw new TollgateError("invalid_payment_header", `${header} ${describeIssue(parsed.error.issues)}`);
}

/** The most specific issue: for a union, the branch that got furthest (EIP-3009 before Permit2). */
function describeIssue(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (!first) return "payload: invalid";
  if (first.code === "invalid_union" && first.errors.length > 0) {
    const best = [...first.errors].sort((a, b) => depth(b) - depth(a))[0]!;
    if (best.length > 0) return describeIssue(best.map((i) => ({ ...i, path: [...first.path, ...i.path] })));
  }
  const path = ["payload", ...first.path.map(String)].join(".");
  return `${path}: ${first.message}`;
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}
