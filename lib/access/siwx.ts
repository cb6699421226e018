import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { PaymentRequirements, ResourceInfo, ResourceServerExtension } from "@x402/core/types";
import {
  createSIWxResourceServerExtension,
  declareSIWxExtension,
  parseSIWxHeader,
  SIGN_IN_WITH_X,
  validateSIWxMessage,
  verifySIWxSignature,
  type SIWxExtension,
} from "@x402/extensions/sign-in-with-x";
import { signingKey } from "@/lib/access/secret";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { TollgateError } from "@/lib/errors";
import type { PricedRouteConfig } from "@/lib/x402/route-table";

/** The request header carrying a SIWx proof (specs/extensions/sign-in-with-x.md, "Client Request"). */
export const SIWX_HEADER = SIGN_IN_WITH_X;
/** How long a 402's sign-in challenge may be signed and used, in seconds (the spec's default window). */
const CHALLENGE_SECONDS = 300;

/** One SIWx resource-server extension per configured origin; only its challenge builder is used. */
const servers = new Map<string, ResourceServerExtension>();
function siwxServer(origin: string): ResourceServerExtension {
  let server = servers.get(origin);
  if (!server) {
    // Tollgate keeps payments and nonces in its own tables (below), so the library's storage is unused.
    server = createSIWxResourceServerExtension({ origin, storage: { hasPaid: () => false, recordPayment: () => {} } });
    servers.set(origin, server);
  }
  return server;
}

/**
 * A nonce Tollgate can recognize as its own, bound to one route path and one issue time:
 * 16 random hex digits + the first 16 hex digits of HMAC-SHA256(siwx key, random, issuedAt,
 * path). 32 hex characters, as the spec asks.
 */
function challengeNonce(path: string, issuedAt: string, random = randomBytes(8).toString("hex")): string {
  return random + createHmac("sha256", signingKey("siwx")).update(`${random}\n${issuedAt}\n${path}`).digest("hex").slice(0, 16);
}

function isChallengeNonce(nonce: string, path: string, issuedAt: string): boolean {
  if (!/^[0-9a-f]{32}$/.test(nonce)) return false;
  const expected = challengeNonce(path, issuedAt, nonce.slice(0, 16));
  return timingSafeEqual(Buffer.from(nonce), Buffer.from(expected));
}

/**
 * The sign-in-with-x declaration for a 402 of a route that sells access (specs/extensions/
 * sign-in-with-x.md, "PaymentRequired"), built with @x402/extensions: domain and URI from the
 * configured public origin and the canonical path, one supported chain per network the route
 * accepts, issued now, valid CHALLENGE_SECONDS, with a nonce bound to this path.
 *
 * @param origin the configured public origin (lib/public-origin.ts), e.g. "https://shop.example".
 * @param path the canonical decoded path the 402 is for.
 */
export async function declareSignIn(origin: string, path: string, resource: ResourceInfo, requirements: PaymentRequirements[]): Promise<SIWxExtension> {
  const declaration = declareSIWxExtension({ statement: "Sign in to use the access you paid for", expirationSeconds: CHALLENGE_SECONDS })[SIGN_IN_WITH_X];
  const enriched = (await siwxServer(origin).enrichPaymentRequiredResponse!(declaration, {
    resourceInfo: resource,
    requirements,
  } as never)) as SIWxExtension;
  enriched.info.nonce = challengeNonce(path, enriched.info.issuedAt);
  return enriched;
}

/** What a SIGN-IN-WITH-X header proved: the signer's address and the proof's nonce, or why it proves nothing. */
export type SignInResult = { ok: true; address: string; nonce: string } | { ok: false; reason: string };

/** The networks a route accepts: the chains a sign-in for it may come from. */
export function routeNetworks(route: PricedRouteConfig): string[] {
  return [...new Set(route.paymentOptions.map((o) => o.network))];
}

/**
 * Checks a SIGN-IN-WITH-X header for one request (specs/extensions/sign-in-with-x.md,
 * "Verification Logic"): parsed and validated (domain = the configured origin's host, URI on that
 * origin, issued within 5 minutes, not expired) and its signature verified by @x402/extensions
 * (EIP-191 for EVM, Ed25519 for Solana); then Tollgate's own bindings: the URI names this
 * canonical path, the nonce is one Tollgate issued for it, and the chain is one the route accepts.
 * Does not consume the nonce (see `consumeNonce`).
 *
 * @returns the signer's address (EVM lower-cased) and the nonce, or the reason it was refused.
 */
export async function verifySignIn(header: string, { origin, path, href, networks }: { origin: string; path: string; href: string; networks: string[] }): Promise<SignInResult> {
  let payload;
  try {
    payload = parseSIWxHeader(header.trim());
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : "Invalid SIWX header" };
  }
  // The library reports most problems as results but throws on some (e.g. a SIWE field its
  // message parser rejects): every throw is a refusal too, never a 500.
  try {
    const validation = await validateSIWxMessage(payload, new URL(origin));
    if (!validation.isValid) return { ok: false, reason: validation.invalidMessage };
    if (new URL(payload.uri).pathname !== href) return { ok: false, reason: `URI mismatch: the sign-in was for ${new URL(payload.uri).pathname}, not ${href}` };
    if (!isChallengeNonce(payload.nonce, path, payload.issuedAt)) return { ok: false, reason: "The nonce was not issued by this server for this resource" };
    if (!networks.includes(payload.chainId)) return { ok: false, reason: `Chain ${payload.chainId} is not one this resource accepts` };
    const verified = await verifySIWxSignature(payload);
    if (!verified.isValid) return { ok: false, reason: verified.invalidMessage };
    return { ok: true, address: normalizeAddress(verified.payer), nonce: payload.nonce };
  } catch (error) {
    return { ok: false, reason: `Invalid sign-in message: ${error instanceof Error ? error.message : "rejected"}` };
  }
}

/** An address as entitlements store it: EVM hex in lower case, anything else (Solana base58) as is. */
export function normalizeAddress(address: string): string {
  return /^0x[0-9a-fA-F]{40}$/.test(address) ? address.toLowerCase() : address;
}

/** Why a verified sign-in is refused when its nonce was used before. */
export const REPLAYED_SIGN_IN = "This sign-in was already used (replayed nonce): sign the new challenge";

/**
 * Marks a verified sign-in's nonce used: one signed challenge opens a route once, across
 * instances (the primary key decides between concurrent uses).
 *
 * @returns false when the nonce was already used (a replay).
 */
export async function consumeNonce(db: PrismaClient, nonce: string): Promise<boolean> {
  try {
    await db.siwxNonce.create({ data: { nonce } });
    return true;
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return false;
    throw error;
  }
}

/**
 * The access `address` holds on `route` now: the latest unexpired entitlement's end, or null.
 * Entitlements are per route and never cross routes.
 */
export async function entitlementUntil(db: PrismaClient, routeId: string, address: string, now = new Date()): Promise<Date | null> {
  const row = await db.entitlement.findFirst({ where: { routeId, address, expiresAt: { gt: now } }, orderBy: { expiresAt: "desc" }, select: { expiresAt: true } });
  return row?.expiresAt ?? null;
}

/**
 * Records the access a settled payment bought on a route that sells it: `payer` may call the
 * route free for `accessWindowSeconds` from now. Idempotent per payment.
 */
export async function grantEntitlement(db: PrismaClient, route: PricedRouteConfig, paymentId: string, payer: string): Promise<void> {
  const expiresAt = new Date(Date.now() + route.accessWindowSeconds * 1000);
  await db.entitlement.upsert({ where: { paymentId }, create: { routeId: route.id, address: normalizeAddress(payer), expiresAt, paymentId }, update: {} });
}

/** Drops nonces too old to be presented again (their challenge expired), for the reconciler's pruning. */
export async function pruneNonces(db: PrismaClient, now = new Date()): Promise<number> {
  const { count } = await db.siwxNonce.deleteMany({ where: { usedAt: { lt: new Date(now.getTime() - 2 * CHALLENGE_SECONDS * 1000) } } });
  return count;
}

/**
 * Decides a request to a route that sells access and carries a SIGN-IN-WITH-X proof (checked by
 * `verifySignIn`): granted when the proof is valid, its signer holds an unexpired entitlement to
 * this route, and its nonce was not used before.
 *
 * @returns the access's end, or the reason for refusing (the caller answers 402 with it).
 * @throws TollgateError `database_unavailable` when entitlements cannot be read.
 */
export async function signInAccess(
  db: PrismaClient,
  proof: SignInResult,
  route: PricedRouteConfig,
): Promise<{ granted: true; address: string; until: Date } | { granted: false; reason: string }> {
  if (!proof.ok) return { granted: false, reason: proof.reason };
  try {
    const until = await entitlementUntil(db, route.id, proof.address);
    if (!until) return { granted: false, reason: `${proof.address} holds no unexpired access to this resource: pay once to get it` };
    if (!(await consumeNonce(db, proof.nonce))) return { granted: false, reason: REPLAYED_SIGN_IN };
    return { granted: true, address: proof.address, until };
  } catch (cause) {
    throw new TollgateError("database_unavailable", "Access could not be checked", { cause });
  }
}
