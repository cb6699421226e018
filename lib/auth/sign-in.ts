import "server-only";
import { createPublicClient, verifyMessage, type Hex } from "viem";
import { parseSiweMessage, validateSiweMessage, verifySiweMessage } from "viem/siwe";
import { resolveEvmChain } from "@/lib/chains/evm";
import { evmTransport } from "@/lib/chains/rpc";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { TollgateError } from "@/lib/errors";
import { isMerchantAddress } from "./admins";
import { consumeSignInNonce } from "./mutations";
import type { SignInRequest } from "./schema";
import { parseSiwsMessage, verifySiws } from "./siws";

/**
 * Checks a signed sign-in message and returns who signed it.
 *
 * - evm: EIP-4361 (viem/siwe). ECDSA recovery first; failing that, the chain's public client
 *   (when the chain is known) so smart-contract wallets (ERC-1271 / ERC-6492) work.
 * - solana: Sign-In With Solana, Ed25519 (lib/auth/siws.ts).
 *
 * The message must name `origin`'s host as its domain and a URI on `origin` (a configured origin
 * the caller checked, never a request's Host), carry a nonce this server issued and nobody used,
 * and be unexpired; then the address must be one of ADMIN_ADDRESSES.
 *
 * @param ctx.origin e.g. "https://pay.example.com".
 * @returns the signer, its family, and the domain (host[:port]) it signed in for.
 * @throws TollgateError `unauthorized` (401) for a bad or replayed signature or another site's
 *   message, `forbidden` (403) for a valid signer who is not a merchant.
 */
export async function verifySignIn(
  db: PrismaClient,
  request: SignInRequest,
  ctx: { origin: string; admins: readonly string[]; now?: Date },
): Promise<{ address: string; kind: "evm" | "solana"; domain: string }> {
  const now = ctx.now ?? new Date();
  const domain = new URL(ctx.origin).host;
  const onOrigin = (uri: string | undefined) => {
    try {
      return uri !== undefined && new URL(uri).origin === new URL(ctx.origin).origin;
    } catch {
      return false;
    }
  };
  let address: string | null = null;
  let nonce: string | undefined;
  if (request.kind === "evm") {
    const fields = parseSiweMessage(request.message);
    nonce = fields.nonce;
    if (fields.address && fields.nonce && onOrigin(fields.uri) && validateSiweMessage({ message: fields, domain, time: now })) {
      const signature = request.signature as Hex;
      // An EOA's signature recovers locally; only a contract wallet needs the chain.
      let ok = await verifyMessage({ address: fields.address, message: request.message, signature }).catch(() => false);
      const chain = !ok && fields.chainId ? resolveEvmChain(fields.chainId) : undefined;
      if (chain) {
        const client = createPublicClient({ transport: evmTransport(chain.rpcUrls, { timeout: 5_000, retryCount: 0 }) });
        ok = await verifySiweMessage(client, { message: request.message, signature, domain, time: now }).catch(() => false);
      }
      if (ok) address = fields.address;
    }
  } else {
    const fields = parseSiwsMessage(request.message);
    nonce = fields?.nonce;
    if (nonce && onOrigin(fields?.uri)) address = await verifySiws(request.message, Buffer.from(request.signature, "base64"), { domain, nonce, now });
  }
  if (!address || !nonce) throw new TollgateError("unauthorized", "The sign-in signature is not valid for this site");
  if (!(await consumeSignInNonce(db, nonce, now))) throw new TollgateError("unauthorized", "This sign-in request expired or was already used; start again");
  if (!isMerchantAddress(address, ctx.admins)) throw new TollgateError("forbidden", "This address is not a merchant of this Tollgate");
  return { address, kind: request.kind, domain };
}
