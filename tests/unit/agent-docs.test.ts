import { Validator } from "@seriousme/openapi-schema-validator";
import fc from "fast-check";
import type { PaymentRequirements } from "@x402/core/types";
import { describe, expect, it } from "vitest";
import { llmsText, openApiDocument, type AgentDocsContext } from "@/lib/gateway/agent-docs";
import type { DiscoveredResource } from "@/lib/gateway/discovery";

const accepts: PaymentRequirements[] = [
  { scheme: "exact", network: "eip155:84532", asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", amount: "10000", payTo: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", maxTimeoutSeconds: 300, extra: { name: "USDC", version: "2" } },
];
const context: AgentDocsContext = { origin: "https://shop.example", title: "Shop", describePrice: (a) => `${Number(a.amount) / 1e6} USDC on ${a.network}` };

const resource = (over: Partial<DiscoveredResource>): DiscoveredResource => ({
  method: "GET",
  path: "/api/demo/quote",
  kind: "api",
  description: "A quotation of the minute",
  mimeType: "application/json",
  accepts,
  discovery: null,
  paymentIdentifier: "optional",
  ...over,
});

async function expectValidOpenApi(document: unknown) {
  const result = await new Validator().validate(document as Parameters<Validator["validate"]>[0]);
  expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
  expect(result.valid).toBe(true);
}

describe("openApiDocument", () => {
  const resources = [
    resource({
      discovery: {
        inputExample: { city: "Paris" },
        inputSchema: { properties: { city: { type: "string" } }, required: ["city"] },
        outputExample: { temperature: 12 },
        outputSchema: { type: "object", properties: { temperature: { type: "number" } } },
      },
    }),
    resource({ method: "POST", path: "/api/demo/summarize", discovery: { bodyType: "json", inputExample: { text: "Hi." }, inputSchema: { properties: { text: { type: "string" } } } } }),
    resource({ method: "*", path: "/api/items/:id", description: "" }),
    resource({ method: "GET", path: "/api/files/*", mimeType: "application/octet-stream" }),
    resource({ kind: "page", path: "/articles/deep-dive", mimeType: "text/html" }),
  ];

  it("is a valid OpenAPI 3.1 document of the priced API routes, pages left out", async () => {
    const doc = openApiDocument(resources, context) as { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, Record<string, unknown>>> };
    await expectValidOpenApi(doc);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "https://shop.example" }]);
    expect(Object.keys(doc.paths).sort()).toEqual(["/api/demo/quote", "/api/demo/summarize", "/api/files/{rest}", "/api/items/{id}"]);
    expect(Object.keys(doc.paths["/api/items/{id}"]!).sort()).toEqual(["delete", "get", "patch", "post", "put"]);
  });

  it("describes inputs, outputs, the 402 and the price", () => {
    const doc = openApiDocument(resources, context) as { paths: Record<string, Record<string, any>> };
    const quote = doc.paths["/api/demo/quote"]!.get;
    expect(quote.parameters).toEqual([{ name: "city", in: "query", required: true, schema: { type: "string" }, example: "Paris" }]);
    expect(quote.responses["200"].content["application/json"]).toEqual({ schema: { type: "object", properties: { temperature: { type: "number" } } }, example: { temperature: 12 } });
    expect(quote.responses["402"].headers["PAYMENT-REQUIRED"]).toBeDefined();
    expect(quote["x-x402"]).toEqual({ accepts, prices: ["0.01 USDC on eip155:84532"] });
    const summarize = doc.paths["/api/demo/summarize"]!.post;
    expect(summarize.requestBody.content["application/json"]).toEqual({ schema: { type: "object", properties: { text: { type: "string" } } }, example: { text: "Hi." } });
    expect(doc.paths["/api/items/{id}"]!.get.parameters).toEqual([{ name: "id", in: "path", required: true, schema: { type: "string" } }]);
    expect(new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId))).size).toBe(8);
  });

  it("stays valid OpenAPI for any route set the route table admits", async () => {
    const segment = fc.stringMatching(/^[a-z0-9-]{1,8}$/);
    const pattern = fc
      .tuple(fc.array(fc.oneof(segment, segment.map((s) => `:${s.replace(/-/g, "_")}`)), { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([segments, wildcard]) => `/${[...segments, ...(wildcard ? ["*"] : [])].join("/")}`)
      .filter((p) => new Set(p.split("/").filter((s) => s.startsWith(":"))).size === p.split("/").filter((s) => s.startsWith(":")).length);
    const json = fc.jsonValue({ maxDepth: 2 });
    const routes = fc.uniqueArray(
      fc.record({
        method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "*"),
        path: pattern,
        description: fc.string({ maxLength: 40 }),
        discovery: fc.option(fc.record({ inputExample: fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 3 }), outputExample: json }, { requiredKeys: [] }), { nil: null }),
      }),
      { maxLength: 6, selector: (r) => `${r.method} ${r.path.replace(/:[^/]+/g, ":")}` },
    );
    await fc.assert(
      fc.asyncProperty(routes, async (rs) => {
        await expectValidOpenApi(openApiDocument(rs.map((r) => resource({ ...r, discovery: r.discovery as DiscoveredResource["discovery"] })), context));
      }),
      { numRuns: 80 },
    );
  });
});

describe("llmsText", () => {
  it("lists every priced route with its price, one line each, and where the machine-readable lists are", () => {
    const text = llmsText([resource({ description: "A quote\nof the minute" }), resource({ kind: "page", path: "/articles/deep-dive", description: "Deep dive", paymentIdentifier: "off" })], context);
    expect(text.startsWith("# Shop\n")).toBe(true);
    expect(text).toContain("- GET https://shop.example/api/demo/quote: A quote of the minute. 0.01 USDC on eip155:84532. payment-identifier optional.");
    expect(text).toContain("- GET https://shop.example/articles/deep-dive: Deep dive. 0.01 USDC on eip155:84532.\n");
    expect(text).toContain("https://shop.example/openapi.json");
    expect(text).toContain("https://shop.example/.well-known/x402");
    expect(text).toContain("https://shop.example/discovery/resources, https://shop.example/discovery/search?query=");
    expect(text).not.toContain("offer-receipt");
  });

  it("names who signs offers and receipts when a key is set", () => {
    const signer = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A";
    const text = llmsText([resource({})], { ...context, offerReceipt: { format: "eip712", signer, kid: `did:pkh:eip155:1:${signer}`, did: "did:web:shop.example", publicKeyJwk: { kty: "EC", crv: "secp256k1", x: "x", y: "y" } } });
    expect(text).toContain(`(the offer-receipt extension, EIP-712), signed by\n${signer} (did:pkh:eip155:1:${signer}; key at https://shop.example/.well-known/did.json).`);
    const jws = llmsText([resource({})], { ...context, offerReceipt: { format: "jws", signer, kid: "did:web:shop.example#offer-receipt", did: "did:web:shop.example", publicKeyJwk: { kty: "EC", crv: "secp256k1", x: "x", y: "y" } } });
    expect(jws).toContain("(the offer-receipt extension, JWS ES256K), signed by\n");
    expect(jws).toContain("(did:web:shop.example#offer-receipt; key at https://shop.example/.well-known/did.json).");
  });
});
