import fc from "fast-check";
import { BAZAAR, extractDiscoveryInfo, validateDiscoveryExtension, validateDiscoveryExtensionSpec, type DiscoveryExtension } from "@x402/extensions/bazaar";
import { generatePaymentId, PAYMENT_IDENTIFIER } from "@x402/extensions/payment-identifier";
import { describe, expect, it } from "vitest";
import { TollgateError } from "@/lib/errors";
import { declaredExtensions, paymentIdentifierOf } from "@/lib/x402/extensions";
import type { IncomingPayment } from "@/lib/x402/payment-header";
import type { PaymentIdentifierMode, PricedRouteConfig, RouteDiscovery } from "@/lib/x402/route-table";
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
