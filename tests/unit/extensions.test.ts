import fc from "fast-check";
import { BAZAAR, extractDiscoveryInfo, validateDiscoveryExtension, validateDiscoveryExtensionSpec, type DiscoveryExtension } from "@x402/extensions/bazaar";
import { generatePaymentId, PAYMENT_IDENTIFIER } from "@x402/extensions/payment-identifier";
import { x402Client } from "@x402/core/client";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { privateKeyToAccount } from "viem/accounts";
import { x402ResourceServer } from "@x402/core/server";
import type { PaymentPayload, PaymentRequired } from "@x402/core/types";
import { BUILDER_CODE, BuilderCodeClientExtension } from "@x402/extensions/builder-code";
import { describe, expect, it } from "vitest";
import { TollgateError } from "@/lib/errors";
import { builderCodeEchoRefusal, declaredExtensions, forwardedPayment, paymentIdentifierOf } from "@/lib/x402/extensions";
import type { IncomingPayment } from "@/lib/x402/payment-header";
import type { PaymentIdentifierMode, PricedRouteConfig, RouteDiscovery } from "@/lib/x402/route-table";
import { BASE_SEPOLIA_USDC } from "../support/requirements";
import { routeConfig } from "../support/routes";

const route = (paymentIdentifier: PaymentIdentifierMode, kind: "api" | "page" = "api"): PricedRouteConfig => routeConfig({ kind, paymentIdentifier, accessWindowSeconds: 60 });

const v2 = (extensions: unknown): IncomingPayment =>
  ({ x402Version: 2, payload: { x402Version: 2, accepted: {}, payload: {}, ...(extensions === undefined ? {} : { extensions }) } }) as unknown as IncomingPayment;
const v1: IncomingPayment = { x402Version: 1, payload: { x402Version: 1, scheme: "exact", network: "base-sepolia", payload: {} } } as unknown as IncomingPayment;
const withId = (id: unknown) => v2({ [PAYMENT_IDENTIFIER]: { info: { required: false, id } } });

describe("payment-identifier (specs/extensions/payment_identifier.md)", () => {
  it("is declared on API routes per setting, never on pages", () => {
    const call = { method: "GET", path: "/api/x" };
    expect(declaredExtensions(route("off"), call)?.[PAYMENT_IDENTIFIER]).toBeUndefined();
    expect(declaredExtensions(route("optional"), call)?.[PAYMENT_IDENTIFIER]).toMatchObject({ info: { required: false } });
    expect(declaredExtensions(route("required"), call)?.[PAYMENT_IDENTIFIER]).toMatchObject({ info: { required: true } });
    expect(declaredExtensions(route("required", "page"), call)).toBeUndefined();
  });

  it("reads a valid id, ignores ids where the route takes none, and requires one where set", () => {
    const id = generatePaymentId();
    expect(paymentIdentifierOf(route("optional"), withId(id))).toBe(id);
    expect(paymentIdentifierOf(route("required"), withId(id))).toBe(id);
    expect(paymentIdentifierOf(route("off"), withId(id))).toBeNull();
    expect(paymentIdentifierOf(route("optional", "page"), withId(id))).toBeNull();
    expect(paymentIdentifierOf(route("optional"), v2(undefined))).toBeNull();
    // The client echoed the declaration without adding an id.
    expect(paymentIdentifierOf(route("optional"), v2({ [PAYMENT_IDENTIFIER]: { info: { required: false } } }))).toBeNull();
    expect(() => paymentIdentifierOf(route("required"), v2(undefined))).toThrow(/requires a payment-identifier/);
    expect(() => paymentIdentifierOf(route("required"), v1)).toThrow(/only x402 v2/);
    expect(paymentIdentifierOf(route("optional"), v1)).toBeNull();
  });

  it("accepts exactly the ids of 16-128 characters of [A-Za-z0-9_-], whatever else the extension holds", () => {
    const valid = /^[A-Za-z0-9_-]{16,128}$/;
    const idLike = fc.oneof(
      fc.string({ minLength: 0, maxLength: 140 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{10,135}$/),
      fc.constantFrom("pay_0123456789abcdef", "pay_0123456789abcde\u0000", "pay_0123456789abcdé", " pay_0123456789abcdef"),
    );
    fc.assert(
      fc.property(idLike, fc.anything(), (id, schema) => {
        const incoming = v2({ [PAYMENT_IDENTIFIER]: { info: { required: false, id }, schema } });
        if (valid.test(id)) expect(paymentIdentifierOf(route("optional"), incoming)).toBe(id);
        else expect(() => paymentIdentifierOf(route("optional"), incoming)).toThrow(TollgateError);
      }),
      { numRuns: 3000 },
    );
  });

  it("answers any malformed extension with a 400, never another error", () => {
    fc.assert(
      fc.property(fc.anything(), (extension) => {
        try {
          const id = paymentIdentifierOf(route("optional"), v2({ [PAYMENT_IDENTIFIER]: extension }));
          expect(id === null || /^[A-Za-z0-9_-]{16,128}$/.test(id)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(TollgateError);
          expect((error as TollgateError).status).toBe(400);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("bazaar (specs/extensions/bazaar.md)", () => {
  const api = (method: string, pathPattern: string, discovery: RouteDiscovery | null): PricedRouteConfig => ({ ...route("optional"), method, pathPattern, discovery });
  const bazaarOf = (r: PricedRouteConfig, method: string, path: string) => declaredExtensions(r, { method, path })![BAZAAR.key] as DiscoveryExtension & { routeTemplate?: string };

  /** What a cataloguing facilitator reads from a payment that echoed the declaration. */
  const catalogued = (extension: unknown) =>
    extractDiscoveryInfo(
      { x402Version: 2, resource: { url: "https://shop.example/api/x", description: "", mimeType: "application/json" }, accepted: {}, payload: {}, extensions: { [BAZAAR.key]: extension } } as never,
      {} as never,
    );

  it("declares a GET route's query input and output, valid for the library and a catalog", () => {
    const r = api("GET", "/api/weather", { inputExample: { city: "Paris" }, inputSchema: { properties: { city: { type: "string" } }, required: ["city"] }, outputExample: { temperature: 12 } });
    const bazaar = bazaarOf(r, "GET", "/api/weather");
    expect(validateDiscoveryExtension(bazaar)).toEqual({ valid: true });
    expect(validateDiscoveryExtensionSpec(bazaar as never).valid).toBe(true);
    expect(bazaar.info).toEqual({ input: { type: "http", method: "GET", queryParams: { city: "Paris" } }, output: { type: "json", example: { temperature: 12 } } });
    expect(catalogued(bazaar)?.discoveryInfo.input).toMatchObject({ method: "GET", queryParams: { city: "Paris" } });
  });

  it("declares a POST route's JSON body, and HEAD/DELETE as query methods", () => {
    const r = api("POST", "/api/summarize", { inputExample: { text: "Hello world." }, bodyType: "json" });
    const bazaar = bazaarOf(r, "POST", "/api/summarize");
    expect(validateDiscoveryExtension(bazaar)).toEqual({ valid: true });
    expect(bazaar.info.input).toMatchObject({ type: "http", method: "POST", bodyType: "json", body: { text: "Hello world." } });
    const any = api("*", "/api/things", null);
    for (const method of ["HEAD", "DELETE", "PUT", "PATCH"]) {
      const declared = bazaarOf(any, method, "/api/things");
      expect(validateDiscoveryExtension(declared), method).toEqual({ valid: true });
      expect(declared.info.input).toMatchObject({ method });
    }
  });

  it("gives parameterized and wildcard routes a route template with this call's path parameters", () => {
    const one = bazaarOf(api("GET", "/api/items/:id", null), "GET", "/api/items/42");
    expect(one.routeTemplate).toBe("/api/items/:id");
    expect(one.info.input).toMatchObject({ pathParams: { id: "42" } });
    expect(validateDiscoveryExtension(one)).toEqual({ valid: true });
  });

  it("is declared for any stored metadata the schema admits, and never throws", () => {
    const json = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<unknown>;
    const object = fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4 });
    fc.assert(
      fc.property(
        fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"),
        fc.record({ inputExample: object, outputExample: json, bodyType: fc.constantFrom("json" as const, "form-data" as const, "text" as const) }, { requiredKeys: [] }),
        (method, discovery) => {
          const declared = bazaarOf(api("*", "/api/x/:id", discovery), method, "/api/x/7");
          expect(declared.info.input).toMatchObject({ type: "http", method });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("builder-code (ERC-8021 attribution, @x402/extensions/builder-code)", () => {
  const call = { method: "GET", path: "/api/x" };
  // validateExtensions reads only the server's registered extensions: no facilitator is asked.
  const server = new x402ResourceServer();
  const payload = (extensions: unknown) => ({ x402Version: 2, accepted: {}, payload: {}, ...(extensions === undefined ? {} : { extensions }) }) as unknown as PaymentPayload;
  const withCode = (info: unknown) => payload({ [BUILDER_CODE]: { info } });

  it("is declared on every route, pages included, only when the store has a code", () => {
    expect(declaredExtensions(route("optional"), call, { builderCode: "my_store" })?.[BUILDER_CODE]).toMatchObject({ info: { a: "my_store" } });
    expect(declaredExtensions(route("off", "page"), call, { builderCode: "my_store" })).toEqual({ [BUILDER_CODE]: expect.objectContaining({ info: { a: "my_store" } }) });
    expect(declaredExtensions(route("optional"), call)?.[BUILDER_CODE]).toBeUndefined();
    expect(declaredExtensions(route("off", "page"), call, { builderCode: null })).toBeUndefined();
    // The per-route cache never carries one call's code into another's.
    const r = route("optional");
    expect(declaredExtensions(r, call, { builderCode: "first" })?.[BUILDER_CODE]).toMatchObject({ info: { a: "first" } });
    expect(declaredExtensions(r, call)?.[BUILDER_CODE]).toBeUndefined();
  });

  it("lets through what the official client sends: the echo, with the buyer's own codes added", async () => {
    const declared = declaredExtensions(route("off"), call, { builderCode: "my_store" });
    const required: PaymentRequired = { x402Version: 2, resource: { url: "https://shop.example/api/x" }, accepts: [BASE_SEPOLIA_USDC], extensions: declared };
    // The official client signs (EIP-3009 typed data, offline) and echoes, with its own codes registered.
    const client = new x402Client().registerExtension(new BuilderCodeClientExtension(["agent_one", "agent_two"]));
    registerExactEvmScheme(client, { signer: privateKeyToAccount(`0x${"11".repeat(32)}`) });
    const echoed = await client.createPaymentPayload(required);
    expect(echoed.extensions?.[BUILDER_CODE]).toMatchObject({ info: { a: "my_store", s: ["agent_one", "agent_two"] } });
    expect(builderCodeEchoRefusal(server, declared, echoed)).toBeNull();
    expect(builderCodeEchoRefusal(server, declared, payload(declared))).toBeNull();
    // A payment without the extension, on a store with or without a code.
    expect(builderCodeEchoRefusal(server, declared, payload(undefined))).toBeNull();
    expect(builderCodeEchoRefusal(server, undefined, payload({ other: { info: { a: "x" } } }))).toBeNull();
    // The buyer's codes alone, where the store declares none.
    expect(builderCodeEchoRefusal(server, undefined, withCode({ s: ["agent_one"] }))).toBeNull();
  });

  it("refuses an attribution the store did not declare: another app code, one where it has none, a dropped one", () => {
    const declared = declaredExtensions(route("off"), call, { builderCode: "my_store" });
    expect(builderCodeEchoRefusal(server, declared, withCode({ a: "someone_else" }))).toBe("extension_echo_mismatch (builder-code)");
    expect(builderCodeEchoRefusal(server, undefined, withCode({ a: "someone_else" }))).toBe("extension_echo_mismatch (builder-code)");
    expect(builderCodeEchoRefusal(server, declared, withCode({ s: ["agent_one"] }))).toBe("extension_echo_mismatch (builder-code)");
    // Service codes are the buyer's: any number passes here, and the facilitator's extension
    // writes at most its reservation of well-formed ones (self-hosted-facilitator.test.ts).
    expect(builderCodeEchoRefusal(server, declared, withCode({ a: "my_store", s: Array.from({ length: 11 }, (_, i) => `c${i}`) }))).toBeNull();
  });

  it("answers any echo with null or a reason, never a throw, and lets no other app code through", () => {
    const declared = declaredExtensions(route("off"), call, { builderCode: "my_store" });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ a: fc.oneof(fc.string(), fc.constant("my_store"), fc.jsonValue()), s: fc.oneof(fc.array(fc.string()), fc.string(), fc.jsonValue()) }, { requiredKeys: [] })), fc.boolean(), (info, storeHasCode) => {
        const refusal = builderCodeEchoRefusal(server, storeHasCode ? declared : undefined, withCode(info));
        const a = info !== null && typeof info === "object" && !Array.isArray(info) ? (info as { a?: unknown }).a : undefined;
        if (a !== undefined && (!storeHasCode || a !== "my_store")) expect(refusal).toBe("extension_echo_mismatch (builder-code)");
        if (refusal !== null) expect(refusal).toMatch(/\(builder-code\)$/);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("the payment a facilitator is sent (forwardedPayment)", () => {
  const call = { method: "GET", path: "/api/x" };
  const resource = { url: "https://shop.example/api/x?city=Oslo", description: "A quote", mimeType: "application/json" };
  const signed = { x402Version: 2, accepted: { scheme: "exact", network: "eip155:84532" }, payload: { signature: "0xab", authorization: { nonce: "0x01" } } };
  const incoming = (extra: Record<string, unknown>) => ({ x402Version: 2, payload: { ...signed, ...extra } }) as unknown as IncomingPayment;

  it("carries this server's resource and bazaar declaration, whatever the payer wrote, and the rest of the payment as signed", () => {
    const declared = declaredExtensions(route("optional"), call, { builderCode: "my_store" })!;
    const id = generatePaymentId();
    const forged = incoming({
      resource: { url: "https://evil.example/phish", description: "Send your keys here" },
      extensions: { [BAZAAR.key]: { info: { input: { type: "http", method: "POST" } } }, [PAYMENT_IDENTIFIER]: { info: { required: false, id } }, [BUILDER_CODE]: { info: { a: "my_store", s: ["agent_one"] } } },
    });
    const sent = forwardedPayment(forged, resource, declared);
    expect(sent.x402Version).toBe(2);
    expect(sent.payload).toEqual({
      ...signed,
      resource,
      extensions: { [BAZAAR.key]: declared[BAZAAR.key], [PAYMENT_IDENTIFIER]: { info: { required: false, id } }, [BUILDER_CODE]: { info: { a: "my_store", s: ["agent_one"] } } },
    });
    // What the payer sent is left as it was (the header's own object).
    expect((forged.payload as { resource: { url: string } }).resource.url).toBe("https://evil.example/phish");
  });

  it("drops a bazaar declaration the 402 did not make (a page), and leaves v1 payments as they are", () => {
    const page = forwardedPayment(incoming({ extensions: { [BAZAAR.key]: { info: {} } } }), resource, declaredExtensions(route("off", "page"), call));
    expect(page.payload).toEqual({ ...signed, resource });
    expect(page.payload).not.toHaveProperty("extensions");
    expect(forwardedPayment(v1, resource, declaredExtensions(route("optional"), call))).toBe(v1);
  });

  it("never throws on whatever extensions a payment carries, and always sends the declared bazaar", () => {
    const declared = declaredExtensions(route("optional"), call)!;
    fc.assert(
      fc.property(fc.option(fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(BAZAAR.key, PAYMENT_IDENTIFIER, "__proto__", "constructor")), fc.jsonValue()), { nil: undefined }), fc.jsonValue(), (extensions, resourceSent) => {
        const sent = forwardedPayment(incoming({ resource: resourceSent, ...(extensions === undefined ? {} : { extensions }) }), resource, declared) as Extract<IncomingPayment, { x402Version: 2 }>;
        expect(sent.payload.resource).toEqual(resource);
        expect(sent.payload.extensions?.[BAZAAR.key]).toEqual(declared[BAZAAR.key]);
        expect(sent.payload.payload).toEqual(signed.payload);
        expect(sent.payload.accepted).toEqual(signed.accepted);
      }),
      { numRuns: 1_000 },
    );
  });
});
