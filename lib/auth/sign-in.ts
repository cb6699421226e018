import "server-only";
import { createPublicClient, http, verifyMessage, type Hex } from "viem";
import { parseSiweMessage, validateSiweMessage, verifySiweMessage } from "viem/siwe";
import { resolveEvmChain } from "@/lib/chains/evm";
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
 * The message must name this `domain`, carry a nonce this server issued and nobody used, and be
 * unexpired; then the address must be one of ADMIN_ADDRESSES.
 *
 * @throws TollgateError `unauthorized` (401) for a bad or replayed signature, `forbidden` (403)
 *   for a valid signer who is not a merchant.
 */
export async function verifySignIn(db: PrismaClient, request: SignInRequest, ctx: { domain: string; admins: readonly string[]; now?: Date }): Promise<{ address: string; kind: "evm" | "solana" }> {
  const now = ctx.now ?? new Date();
  let address: string | null = null;
  let nonce: string | undefined;
  if (request.kind === "evm") {
    const fields = parseSiweMessage(request.message);
    nonce = fields.nonce;
    if (fields.address && fields.nonce && validateSiweMessage({ message: fields, domain: ctx.domain, time: now })) {
      const signature = request.signature as Hex;
      // An EOA's signature recovers locally; only a contract wallet needs the chain.
      let ok = await verifyMessage({ address: fields.address, message: request.message, signature }).catch(() => false);
      const chain = !ok && fields.chainId ? resolveEvmChain(fields.chainId) : undefined;
      if (chain) {
        const client = createPublicClient({ transport: http(chain.rpcUrl, { timeout: 5_000, retryCount: 0 }) });
        ok = await verifySiweMessage(client, { message: request.message, signature, domain: ctx.domain, time: now }).catch(() => false);
      }
      if (ok) address = fields.address;
    }
  } else {
    nonce = parseSiwsMessage(request.message)?.nonce;
    if (nonce) address = await verifySiws(request.message, Buffer.from(request.signature, "base64"), { domain: ctx.domain, nonce, now });
  }
  if (!address || !nonce) throw new TollgateError("unauthorized", "The sign-in signature is not valid for this site");
  if (!(await consumeSignInNonce(db, nonce, now))) throw new TollgateError("unauthorized", "This sign-in request expired or was already used; start again");
  if (!isMerchantAddress(address, ctx.admins)) throw new TollgateError("forbidden", "This address is not a merchant of this Tollgate");
  return { address, kind: request.kind };
}
