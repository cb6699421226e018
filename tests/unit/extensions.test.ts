import fc from "fast-check";
import { generatePaymentId, PAYMENT_IDENTIFIER } from "@x402/extensions/payment-identifier";
import { describe, expect, it } from "vitest";
import { TollgateError } from "@/lib/errors";
import { declaredExtensions, paymentIdentifierOf } from "@/lib/x402/extensions";
import type { IncomingPayment } from "@/lib/x402/payment-header";
import type { PaymentIdentifierMode, PricedRouteConfig } from "@/lib/x402/route-table";

const route = (paymentIdentifier: PaymentIdentifierMode, kind: "api" | "page" = "api"): PricedRouteConfig => ({
  id: "r",
  method: "GET",
  pathPattern: "/api/x",
  kind,
  description: "",
  mimeType: "application/json",
  accessWindowSeconds: 60,
  paymentIdentifier,
  paymentOptions: [],
});

const v2 = (extensions: unknown): IncomingPayment =>
  ({ x402Version: 2, payload: { x402Version: 2, accepted: {}, payload: {}, ...(extensions === undefined ? {} : { extensions }) } }) as unknown as IncomingPayment;
const v1: IncomingPayment = { x402Version: 1, payload: { x402Version: 1, scheme: "exact", network: "base-sepolia", payload: {} } } as unknown as IncomingPayment;
const withId = (id: unknown) => v2({ [PAYMENT_IDENTIFIER]: { info: { required: false, id } } });

describe("payment-identifier (specs/extensions/payment_identifier.md)", () => {
  it("is declared on API routes per setting, never on pages", () => {
    expect(declaredExtensions(route("off"))).toBeUndefined();
    expect(declaredExtensions(route("optional"))?.[PAYMENT_IDENTIFIER]).toMatchObject({ info: { required: false } });
    expect(declaredExtensions(route("required"))?.[PAYMENT_IDENTIFIER]).toMatchObject({ info: { required: true } });
    expect(declaredExtensions(route("required", "page"))).toBeUndefined();
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
