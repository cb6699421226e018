import { z } from "zod";

/** POST /api/auth/sign-in body: a signed SIWE (evm) or SIWS (solana) message. */
export const signInRequestSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("evm"), message: z.string().min(1).max(4096), signature: z.string().regex(/^0x[0-9a-fA-F]+$/, "must be a 0x hex signature") }),
  z.object({ kind: z.literal("solana"), message: z.string().min(1).max(4096), signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64").max(200) }),
]);
export type SignInRequest = z.infer<typeof signInRequestSchema>;
