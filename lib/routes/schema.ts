import { z } from "zod";
import { isStorableJson, isStorableText, UNSTORABLE_TEXT_MESSAGE } from "@/lib/text";
import { validatePathPattern } from "@/lib/x402/route-pattern";

/**
 * What a route does with a request: `charging` serves it after payment, `free` serves everyone
 * without payment (as if unpriced), `blocked` serves nobody (403), paid or not.
 */
export const ROUTE_STATES = ["charging", "free", "blocked"] as const;
export type RouteStateName = (typeof ROUTE_STATES)[number];

/** How the dashboard names each state, and what moving a route into it does (asked before leaving "charging"). */
export const ROUTE_STATE_COPY: Record<RouteStateName, { label: string; help: string; consequence: string }> = {
  charging: { label: "Charging", help: "served after payment", consequence: "buyers pay for it again" },
  free: { label: "Free", help: "served to everyone, no payment asked", consequence: "everyone gets it free, without paying" },
  blocked: { label: "Blocked", help: "served to nobody (403), paid or not", consequence: "nobody can get it, not even buyers who would pay" },
};

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

/** A JSON object (examples and JSON Schemas are objects). */
const jsonObject = z.record(z.string(), z.unknown());

/** Largest discovery metadata, serialized, in bytes: it travels in every 402's PAYMENT-REQUIRED header. */
export const DISCOVERY_MAX_BYTES = 4096;

/**
 * How agents call an API route (bazaar extension, specs/extensions/bazaar.md; /openapi.json;
 * /llms.txt). The input is the query parameters for GET/HEAD/DELETE, the body for POST/PUT/PATCH.
 */
export const discoverySchema = z
  .object({
    /** An example input: query parameters (string values) or request body. */
    inputExample: jsonObject.optional(),
    /** JSON Schema of the input object (its `properties`, `required`…). */
    inputSchema: jsonObject.optional(),
    /** Body methods: how the body is encoded. */
    bodyType: z.enum(["json", "form-data", "text"]).optional(),
    /** An example of the paid response's body. */
    outputExample: z.unknown().optional(),
    /** JSON Schema of the paid response's body. */
    outputSchema: jsonObject.optional(),
  })
  .strict()
  .refine((d) => JSON.stringify(d).length <= DISCOVERY_MAX_BYTES, `must be at most ${DISCOVERY_MAX_BYTES} bytes of JSON (it is sent in every 402)`)
  .refine(isStorableJson, "must not contain \\u0000 or a lone surrogate escape (the database cannot store them)");
export type Discovery = z.infer<typeof discoverySchema>;

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
  description: z.string().max(500).refine((v) => isStorableText(v, { multiline: true }), UNSTORABLE_TEXT_MESSAGE).default(""),
  mimeType: z.string().min(1).max(100).refine((v) => isStorableText(v), UNSTORABLE_TEXT_MESSAGE).default("application/json"),
  accessWindowSeconds: z.number().int().min(60).max(31_536_000).default(86_400),
  paymentIdentifier: z.enum(["off", "optional", "required"]).default("optional"),
  discovery: discoverySchema.nullable().default(null),
  settleAfterComplete: z.boolean().default(false),
  siwxAccess: z.boolean().default(false),
  freeQuota: z.number().int().min(0).max(1_000_000).default(0),
  freeQuotaWindowSeconds: z.number().int().min(60).max(31_536_000).default(86_400),
  state: z.enum(ROUTE_STATES).default("charging"),
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
  description: z.string().trim().max(500).refine((v) => isStorableText(v, { multiline: true }), UNSTORABLE_TEXT_MESSAGE),
  mimeType: z.string().trim().min(1).max(100).refine((v) => isStorableText(v), UNSTORABLE_TEXT_MESSAGE),
  /** Pages only: hours of access after payment. */
  accessWindowHours: z.number().min(1 / 60).max(8760),
  /** API routes: the payment-identifier extension (off / optional / required). */
  paymentIdentifier: pricedRouteInputSchema.shape.paymentIdentifier,
  /** API routes: settle after the whole body (true) or stream it once the status is known (false). */
  settleAfterComplete: z.boolean().optional(),
  /** API routes: sell an access window to agents (sign-in-with-x). */
  siwxAccess: z.boolean().optional(),
  /** API routes: free calls per identity per window (0: none), and the window in hours. */
  freeQuota: z.number().int().min(0).max(1_000_000).optional(),
  freeQuotaWindowHours: z.number().min(1 / 60).max(8760).optional(),
  /** API routes: discovery metadata as the merchant typed it (JSON text; empty = none). */
  discovery: z
    .object({ inputExample: z.string(), inputSchema: z.string(), bodyType: z.enum(["json", "form-data", "text"]), outputExample: z.string(), outputSchema: z.string() })
    .optional(),
  state: z.enum(ROUTE_STATES),
  options: z.array(paymentOptionFormSchema).min(1, "Add at least one payment option").max(10),
  /** Save even though a Solana payTo has no token account for its mint yet (the merchant was warned). */
  acceptMissingTokenAccounts: z.boolean().optional(),
});
export type RouteForm = z.input<typeof routeFormSchema>;

/** A network the route editor offers (one the facilitator settles), with the tokens it suggests. */
export type EditorNetwork = {
  id: string;
  name: string;
  /**
   * `name`: the token's own name (EIP-712 domain name on EVM) when known; `issuer`: who issues it,
   * for the well-known stablecoins of x402's default asset list; `source`: where Tollgate learned
   * of it ("x402 defaults", "EVM_CHAINS", "Solana USDC").
   */
  tokens: { address: string; symbol: string; decimals: number; name: string | null; issuer: string | null; source: string }[];
};

/** The route editor's discovery fields: JSON text as typed (empty = none). */
export type DiscoveryForm = NonNullable<z.input<typeof routeFormSchema>["discovery"]>;

/** A stored route's discovery metadata as the editor's fields (pretty-printed JSON). */
export function discoveryToForm(discovery: unknown): DiscoveryForm {
  const d = discoverySchema.safeParse(discovery ?? undefined).data ?? {};
  const text = (value: unknown) => (value === undefined ? "" : JSON.stringify(value, null, 2));
  return { inputExample: text(d.inputExample), inputSchema: text(d.inputSchema), bodyType: d.bodyType ?? "json", outputExample: text(d.outputExample), outputSchema: text(d.outputSchema) };
}

/**
 * The editor's discovery fields as stored metadata: each non-empty field must be JSON (examples
 * and schemas of the input an object), the whole at most DISCOVERY_MAX_BYTES.
 *
 * @param hasBody whether the route's method takes a body (POST/PUT/PATCH; "*" counts as both).
 * @returns the metadata (null when every field is empty), or errors keyed `discovery.<field>`.
 */
export function discoveryFromForm(form: DiscoveryForm | undefined, hasBody: boolean): { discovery: Discovery | null; fieldErrors: Record<string, string> } {
  const fieldErrors: Record<string, string> = {};
  if (!form) return { discovery: null, fieldErrors };
  const parsed: Record<string, unknown> = {};
  for (const field of ["inputExample", "inputSchema", "outputExample", "outputSchema"] as const) {
    const text = form[field].trim();
    if (!text) continue;
    try {
      parsed[field] = JSON.parse(text);
    } catch {
      fieldErrors[`discovery.${field}`] = "Must be JSON";
    }
  }
  if (Object.keys(fieldErrors).length) return { discovery: null, fieldErrors };
  if (Object.keys(parsed).length === 0) return { discovery: null, fieldErrors };
  const result = discoverySchema.safeParse({ ...parsed, ...(hasBody ? { bodyType: form.bodyType } : {}) });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path[0];
      fieldErrors[typeof field === "string" ? `discovery.${field}` : "discovery.inputExample"] = field === "inputExample" || field === "inputSchema" || field === "outputSchema" ? "Must be a JSON object" : issue.message;
    }
    return { discovery: null, fieldErrors };
  }
  return { discovery: result.data, fieldErrors };
}
