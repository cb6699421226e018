import type { PaymentRequirements } from "@x402/core/types";
import type { OfferReceiptIdentity } from "@/lib/x402/offer-receipt";
import type { DiscoveredResource } from "./discovery";

/** What the agent documents say about the store: its public origin and name. */
export type AgentDocsContext = {
  /** The configured public origin, e.g. "https://shop.example" (lib/public-origin.ts). */
  origin: string;
  title: string;
  /** A payment option in words, e.g. "0.01 USDC on Base Sepolia"; atomic units when unknown. */
  describePrice: (requirement: PaymentRequirements) => string;
  /** Who signs offers and receipts (the offer-receipt extension), when a key is set. */
  offerReceipt?: OfferReceiptIdentity | null;
  /** The store's ERC-8021 builder code (the builder-code extension), when one is set. */
  builderCode?: string | null;
};

const QUERY_METHODS = ["get", "delete"] as const;
const BODY_METHODS = ["post", "put", "patch"] as const;
const BODY_CONTENT_TYPES = { json: "application/json", "form-data": "multipart/form-data", text: "text/plain" } as const;

/**
 * An OpenAPI 3.1 document of the priced API routes (pages are for browsers and are left out),
 * generated from the proxy's own route snapshot so it never disagrees with enforcement:
 * - paths: a Tollgate pattern's `:name` segment becomes `{name}`, a trailing `*` becomes
 *   `{rest}` (one or more segments; OpenAPI cannot say "with slashes", the description does);
 * - a route priced for "*" gets GET, POST, PUT, PATCH and DELETE operations;
 * - query methods list the input schema's properties as query parameters, body methods take it
 *   as the request body (content type from the route's body type), with the examples given;
 * - responses: 200 (the route's MIME type, output schema and example, PAYMENT-RESPONSE header)
 *   and 402 (PAYMENT-REQUIRED header);
 * - `x-x402`: the PaymentRequirements a 402 offers (amounts in atomic units) and each in words.
 *
 * @see https://spec.openapis.org/oas/v3.1.0
 */
export function openApiDocument(resources: DiscoveredResource[], context: AgentDocsContext): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const resource of resources) {
    if (resource.kind !== "api") continue;
    const { path, pathParameters } = openApiPath(resource.path);
    const methods = resource.method === "*" ? [...QUERY_METHODS, ...BODY_METHODS] : [resource.method.toLowerCase()];
    for (const method of methods) {
      (paths[path] ??= {})[method] = operation(resource, method, pathParameters, context);
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: context.title,
      version: "1.0.0",
      description:
        "Priced API routes, paid per call with x402 (https://x402.org): call a route, receive 402 with PAYMENT-REQUIRED, " +
        "send the signed payment in PAYMENT-SIGNATURE (x402 v2; X-PAYMENT for v1), and receive the response with PAYMENT-RESPONSE. " +
        "You are charged only when the response succeeded.",
    },
    servers: [{ url: context.origin }],
    paths,
  };
}

function operation(resource: DiscoveredResource, method: string, pathParameters: Record<string, unknown>[], context: AgentDocsContext): Record<string, unknown> {
  const d = resource.discovery ?? {};
  const inputProperties = (d.inputSchema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set(Array.isArray(d.inputSchema?.required) ? (d.inputSchema.required as string[]) : []);
  const isQuery = (QUERY_METHODS as readonly string[]).includes(method);
  const parameters = [
    ...pathParameters,
    ...(isQuery
      ? Object.entries(inputProperties).map(([name, schema]) => ({
          name,
          in: "query",
          required: required.has(name),
          schema,
          ...(d.inputExample && name in d.inputExample ? { example: d.inputExample[name] } : {}),
        }))
      : []),
  ];
  const content = (schema: Record<string, unknown> | undefined, example: unknown) => ({
    ...(schema ? { schema } : {}),
    ...(example !== undefined ? { example } : {}),
  });
  return {
    operationId: `${method}${resource.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
    summary: resource.description || `${method.toUpperCase()} ${resource.path}`,
    ...(parameters.length ? { parameters } : {}),
    ...(!isQuery
      ? {
          requestBody: {
            required: true,
            content: { [BODY_CONTENT_TYPES[d.bodyType ?? "json"]]: content(d.inputSchema ? { type: "object", ...d.inputSchema } : undefined, d.inputExample) },
          },
        }
      : {}),
    responses: {
      "200": {
        description: "The paid response. PAYMENT-RESPONSE carries the settlement (base64 SettleResponse).",
        headers: { "PAYMENT-RESPONSE": { schema: { type: "string" }, description: "base64 SettleResponse (x402 v2)" } },
        content: { [resource.mimeType]: content(d.outputSchema, d.outputExample) },
      },
      "402": {
        description: "Payment required: PAYMENT-REQUIRED lists what this route accepts. Also the answer to a payment that is invalid or already used.",
        headers: { "PAYMENT-REQUIRED": { schema: { type: "string" }, description: "base64 PaymentRequired (x402 v2)" } },
      },
    },
    "x-x402": {
      accepts: resource.accepts,
      prices: resource.accepts.map(context.describePrice),
    },
  };
}

/** A Tollgate pattern as an OpenAPI path template, with its path parameters. */
function openApiPath(pattern: string): { path: string; pathParameters: Record<string, unknown>[] } {
  const pathParameters: Record<string, unknown>[] = [];
  const segments = pattern.split("/").map((segment) => {
    if (segment.startsWith(":")) {
      const name = segment.slice(1);
      pathParameters.push({ name, in: "path", required: true, schema: { type: "string" } });
      return `{${name}}`;
    }
    if (segment === "*") {
      pathParameters.push({ name: "rest", in: "path", required: true, schema: { type: "string" }, description: "The rest of the path: one or more segments" });
      return "{rest}";
    }
    return segment;
  });
  return { path: segments.join("/") || "/", pathParameters };
}

/**
 * `/llms.txt` (https://llmstxt.org): a short plain index for agents: what the store sells, how
 * to pay, and one line per priced route with its price in words, from the same snapshot.
 */
export function llmsText(resources: DiscoveredResource[], context: AgentDocsContext): string {
  const line = (r: DiscoveredResource) => {
    const prices = r.accepts.length ? r.accepts.map(context.describePrice).join(" or ") : "price unavailable right now";
    const method = r.method === "*" ? "ANY" : r.method;
    const description = r.description.replace(/\s+/g, " ").trim() || "(no description)";
    const idempotent = r.kind === "api" && r.paymentIdentifier !== "off" ? ` payment-identifier ${r.paymentIdentifier}.` : "";
    return `- ${method} ${context.origin}${r.path}: ${description}. ${prices}.${idempotent}`;
  };
  const apis = resources.filter((r) => r.kind === "api");
  const pages = resources.filter((r) => r.kind === "page");
  return [
    `# ${context.title}`,
    "",
    "> Paid API routes and pages, charged per request with x402 (HTTP 402 Payment Required). No account or API key: pay with a wallet.",
    "",
    "Call a route; the 402 answer's PAYMENT-REQUIRED header (base64 JSON) lists what it accepts. Sign one option with an x402 client",
    "(@x402/fetch, @x402/axios, x402-fetch), send it in PAYMENT-SIGNATURE, and get the response with PAYMENT-RESPONSE. You are",
    "charged only if the response succeeds. Where a route takes the payment-identifier extension, a retry with the same id and",
    "payment gets the same response without a second charge.",
    ...(context.offerReceipt
      ? [
          "",
          `402 answers carry signed offers and PAYMENT-RESPONSE a signed receipt (the offer-receipt extension, ${context.offerReceipt.format === "jws" ? "JWS ES256K" : "EIP-712"}), signed by`,
          `${context.offerReceipt.signer} (${context.offerReceipt.kid}; key at ${context.origin}/.well-known/did.json).`,
        ]
      : []),
    ...(context.builderCode
      ? [
          "",
          `402 answers declare the builder-code extension (ERC-8021 attribution) with this store's code "${context.builderCode}". Echo it unchanged`,
          "(the official clients do); add your own codes under `s`. A payment naming another app code (`a`) is refused.",
        ]
      : []),
    "",
    `- Machine-readable list: ${context.origin}/.well-known/x402`,
    `- Bazaar discovery API (the priced APIs; @x402/extensions withBazaar with this URL as the client's url): ${context.origin}/discovery/resources, ${context.origin}/discovery/search?query=…`,
    `- OpenAPI 3.1: ${context.origin}/openapi.json`,
    "",
    "## API",
    "",
    ...(apis.length ? apis.map(line) : ["- (none)"]),
    "",
    "## Pages",
    "",
    ...(pages.length ? pages.map(line) : ["- (none)"]),
    "",
  ].join("\n");
}
