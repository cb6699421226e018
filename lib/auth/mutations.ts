import { randomBytes } from "node:crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";

/** How long a sign-in nonce may wait for its signature (ms). */
export const NONCE_TTL_MS = 10 * 60 * 1000;

/** Issues a fresh sign-in nonce (alphanumeric, as EIP-4361 requires), valid NONCE_TTL_MS. */
export async function createSignInNonce(db: PrismaClient, now = new Date()): Promise<{ nonce: string; expiresAt: Date }> {
  const nonce = randomBytes(16).toString("hex");
  const expiresAt = new Date(now.getTime() + NONCE_TTL_MS);
  await db.signInNonce.create({ data: { nonce, expiresAt } });
  // Housekeeping: expired nonces are useless; drop them as new ones are issued.
  await db.signInNonce.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - NONCE_TTL_MS) } } });
  return { nonce, expiresAt };
}

/**
 * Uses up a nonce: true only for an issued, unexpired, unused one, and only once (a conditional
 * update, so two sign-ins racing with the same nonce cannot both succeed).
 */
export async function consumeSignInNonce(db: PrismaClient, nonce: string, now = new Date()): Promise<boolean> {
  const { count } = await db.signInNonce.updateMany({ where: { nonce, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  return count === 1;
}
