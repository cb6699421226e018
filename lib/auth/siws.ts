import { getBase58Encoder, getPublicKeyFromAddress, verifySignature, type Address, type SignatureBytes } from "@solana/kit";

/**
 * Sign-In With Solana messages: the CAIP-122 / EIP-4361 text format with a Solana account, as
 * Phantom's SIWS specification defines it. The signature is Ed25519 over the UTF-8 message,
 * checked with @solana/kit (WebCrypto).
 */
export type SiwsFields = {
  domain: string;
  address: string;
  statement?: string;
  uri: string;
  version: "1";
  chainId: string;
  nonce: string;
  issuedAt: string;
  expirationTime?: string;
};

/** Builds the message a Solana wallet signs. */
export function createSiwsMessage(f: SiwsFields): string {
  const lines = [`${f.domain} wants you to sign in with your Solana account:`, f.address, ""];
  if (f.statement) lines.push(f.statement, "");
  lines.push(`URI: ${f.uri}`, `Version: ${f.version}`, `Chain ID: ${f.chainId}`, `Nonce: ${f.nonce}`, `Issued At: ${f.issuedAt}`);
  if (f.expirationTime) lines.push(`Expiration Time: ${f.expirationTime}`);
  return lines.join("\n");
}

/**
 * Reads a SIWS message back into its fields; null when it is not one: the first line's domain,
 * a base58 address, at most one statement line, then only field lines, each once: Version 1, a
 * URI, a Chain ID, a nonce of 8+ alphanumerics, Issued At and any Expiration Time in RFC 3339.
 * Never throws.
 */
export function parseSiwsMessage(message: string): SiwsFields | null {
  const lines = message.split("\n");
  const head = /^(\S+) wants you to sign in with your Solana account:$/.exec(lines[0] ?? "");
  const address = lines[1] ?? "";
  if (!head || !/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(address)) return null;
  const fields: Record<string, string> = {};
  let statement: string | undefined;
  // After the address: blank lines, at most one statement line, then only fields, each once.
  // Anything else (a second statement, a blank or unknown line among the fields, a repeated
  // field) makes the message mean something other than what a wallet showed: not a SIWS message.
  for (const line of lines.slice(2)) {
    const kv = /^(URI|Version|Chain ID|Nonce|Issued At|Expiration Time): (.+)$/.exec(line);
    if (kv) {
      if (fields[kv[1]!] !== undefined) return null;
      fields[kv[1]!] = kv[2]!;
    } else if (Object.keys(fields).length > 0 || (line !== "" && statement !== undefined)) return null;
    else if (line !== "") statement = line;
  }
  // The grammar of the nonce and the times is EIP-4361's (which Sign In With Solana follows): a
  // nonce of 8+ alphanumerics, times in RFC 3339 (an unreadable expiry would never expire).
  const nonce = fields.Nonce;
  if (fields.Version !== "1" || !fields.URI || !fields["Chain ID"] || !nonce || !/^[A-Za-z0-9]{8,}$/.test(nonce)) return null;
  const issuedAt = fields["Issued At"];
  if (issuedAt === undefined || !isRfc3339(issuedAt) || (fields["Expiration Time"] !== undefined && !isRfc3339(fields["Expiration Time"]))) return null;
  return {
    domain: head[1]!,
    address,
    statement,
    uri: fields.URI,
    version: "1",
    chainId: fields["Chain ID"],
    nonce,
    issuedAt,
    expirationTime: fields["Expiration Time"],
  };
}

/** An RFC 3339 date-time (EIP-4361's `date-time`) that names a real instant. */
function isRfc3339(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * Verifies a signed SIWS message: the Ed25519 signature by the message's address, and that the
 * message is for `domain` and `nonce` and is not expired at `now`.
 *
 * @param signature the 64 signature bytes.
 * @returns the signer's address, or null.
 */
export async function verifySiws(message: string, signature: Uint8Array, expected: { domain: string; nonce: string; now?: Date }): Promise<string | null> {
  const fields = parseSiwsMessage(message);
  if (!fields || fields.domain !== expected.domain || fields.nonce !== expected.nonce || signature.length !== 64) return null;
  const now = expected.now ?? new Date();
  if (fields.expirationTime && new Date(fields.expirationTime) <= now) return null;
  try {
    const key = await getPublicKeyFromAddress(fields.address as Address);
    const ok = await verifySignature(key, signature as SignatureBytes, new TextEncoder().encode(message));
    return ok ? fields.address : null;
  } catch {
    return null;
  }
}

/** Decodes a base58 string to bytes (wallets that return signatures as base58). */
export function base58ToBytes(value: string): Uint8Array {
  return new Uint8Array(getBase58Encoder().encode(value));
}
