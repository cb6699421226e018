import { z } from "zod";
import { validatePathPattern } from "@/lib/x402/route-pattern";

/** Atomic units: a non-negative integer as a decimal string, at most 78 digits (uint256). */
export const atomicAmountSchema = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "must be a whole number of atomic units");

/** One payment option of a priced route. */
export const paymentOptionInputSchema = z.object({
  scheme: z.string().min(1).default("exact"),
  network: z.string().regex(/^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/, "must be a CAIP-2 network id such as eip155:8453"),
  asset: z.string().min(1),
  amount: atomicAmountSchema,
  payTo: z.string().min(1),
  extra: z.record(z.string(), z.unknown()).default({}),
  maxTimeoutSeconds: z.number().int().min(10).max(3600).default(300),
});
export type PaymentOptionInput = z.infer<typeof paymentOptionInputSchema>;

/** A priced route with its payment options, as written by seeds and the dashboard. */
export const pricedRouteInputSchema = z.object({
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(["*", "GET", "POST", "PUT", "PATCH", "DELETE"])),
  pathPattern: z.string().superRefine((p, ctx) => {
    for (const message of validatePathPattern(p)) ctx.addIssue({ code: "custom", message });
  }),
  kind: z.enum(["api", "page"]).default("api"),
  description: z.string().max(500).default(""),
  mimeType: z.string().min(1).max(100).default("application/json"),
  accessWindowSeconds: z.number().int().min(60).max(31_536_000).default(86_400),
  paymentIdentifier: z.enum(["off", "optional", "required"]).default("optional"),
  enabled: z.boolean().default(true),
  paymentOptions: z.array(paymentOptionInputSchema).min(1, "needs at least one payment option"),
});
export type PricedRouteInput = z.input<typeof pricedRouteInputSchema>;

/** One payment option as a merchant types it: the price in human units of the chosen token. */
export const paymentOptionFormSchema = z.object({
  network: z.string().min(3, "Choose a network"),
  asset: z.string().trim().min(1, "Choose a token or enter its address"),
  price: z.string().trim().min(1, "Enter a price"),
  payTo: z.string().trim().min(1, "Enter the address that receives payments"),
  maxTimeoutSeconds: z.number().int().min(10).max(3600).default(300),
});

/** The route editor's form. */
export const routeFormSchema = z.object({
  method: pricedRouteInputSchema.shape.method,
  pathPattern: pricedRouteInputSchema.shape.pathPattern,
  kind: z.enum(["api", "page"]),
  description: z.string().trim().max(500),
  mimeType: z.string().trim().min(1).max(100),
  /** Pages only: hours of access after payment. */
  accessWindowHours: z.number().min(1 / 60).max(8760),
  /** API routes: the payment-identifier extension (off / optional / required). */
  paymentIdentifier: pricedRouteInputSchema.shape.paymentIdentifier,
  enabled: z.boolean(),
  options: z.array(paymentOptionFormSchema).min(1, "Add at least one payment option").max(10),
  /** Save even though a Solana payTo has no token account for its mint yet (the merchant was warned). */
  acceptMissingTokenAccounts: z.boolean().optional(),
});
export type RouteForm = z.input<typeof routeFormSchema>;

/** A network the route editor offers (one the facilitator settles), with the tokens it suggests. */
export type EditorNetwork = { id: string; name: string; tokens: { address: string; symbol: string; decimals: number }[] };
