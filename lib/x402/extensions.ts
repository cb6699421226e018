import type { HTTPRequestContext } from "@x402/core/http";
import type { x402ResourceServer } from "@x402/core/server";
import type { PaymentPayload, PaymentRequired, ResourceInfo } from "@x402/core/types";
import { BAZAAR, bazaarResourceServerExtension, declareDiscoveryExtension } from "@x402/extensions/bazaar";
import { BUILDER_CODE, declareBuilderCodeExtension } from "@x402/extensions/builder-code";
import { declarePaymentIdentifierExtension, PAYMENT_IDENTIFIER, validatePaymentIdentifier } from "@x402/extensions/payment-identifier";
import { TollgateError } from "@/lib/errors";
import type { IncomingPayment } from "./payment-header";
import type { PricedRouteConfig } from "./route-table";

/** Methods whose input is a body (bazaar's body discovery); the others take query parameters. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * The extensions a route's 402 declares in PaymentRequired.extensions (x402 v2 only; v1 has no
 * extensions), built with @x402/extensions:
 * - `bazaar` (specs/extensions/bazaar.md) on API routes: how to call it (method, query or body
 *   example and schema, output example and schema) so a cataloguing facilitator can list it;
 *   `:param` and `*` patterns get bazaar's routeTemplate and pathParams;
 * - `payment-identifier` (specs/extensions/payment_identifier.md) on API routes whose setting is
 *   not "off", with `info.required` true when it is "required";
 * - `builder-code` (ERC-8021 attribution, @x402/extensions/builder-code) on every route, pages
 *   included, when the store has a builder code: `info.a` is that code, which the client echoes
 *   and a facilitator supporting the extension writes into the settlement's calldata.
 * Pages declare nothing else: browsers pay through the paywall.
 *
 * @param request the request's method and canonical decoded path (the 402 describes this call).
 * @param options.builderCode the store's builder code (BUILDER_CODE), or null.
 * @returns the extensions object, or undefined when the route declares none.
 */
export function declaredExtensions(route: PricedRouteConfig, request: { method: string; path: string }, { builderCode = null }: { builderCode?: string | null } = {}): Record<string, unknown> | undefined {
  const attribution = builderCode ? { [BUILDER_CODE]: builderCodeDeclaration(builderCode) } : undefined;
  if (route.kind !== "api") return attribution;
  // A route without path parameters declares the same for every call of one method: built once
  // per route snapshot (a new snapshot has new route objects). Callers get their own copy.
  const constant = !/[:*]/.test(route.pathPattern);
  const method = request.method.toUpperCase();
  const cached = constant ? declarationCache.get(route)?.get(method) : undefined;
  if (cached) return { ...cached, ...attribution };
  const extensions: Record<string, unknown> = { [BAZAAR.key]: bazaarDeclaration(route, request) };
  if (route.paymentIdentifier !== "off") {
    extensions[PAYMENT_IDENTIFIER] = declarePaymentIdentifierExtension(route.paymentIdentifier === "required");
  }
  if (constant) {
    let byMethod = declarationCache.get(route);
    if (!byMethod) declarationCache.set(route, (byMethod = new Map()));
    byMethod.set(method, extensions);
  }
  return { ...extensions, ...attribution };
}
const declarationCache = new WeakMap<PricedRouteConfig, Map<string, Record<string, unknown>>>();

/**
 * The builder-code declaration for the store's `code` (`declareBuilderCodeExtension`: `{info: {a},
 * schema}`), built once per code: every 402 and every paid request declares it.
 * @throws Error (the library's) when `code` is not 1-32 of [a-z0-9_]; env() checks BUILDER_CODE so at start.
 */
export function builderCodeDeclaration(code: string): unknown {
  let declared = builderCodeDeclarations.get(code);
  if (!declared) builderCodeDeclarations.set(code, (declared = declareBuilderCodeExtension(code)));
  return declared;
}
const builderCodeDeclarations = new Map<string, unknown>();

/**
 * An API route's bazaar declaration for `method` (upper-case) as `declareDiscoveryExtension`
 * builds it from the route's discovery metadata (a query input for GET/HEAD/DELETE, a body for
 * POST/PUT/PATCH), before @x402/extensions' server enriches it for a call.
 */
export function routeBazaarDeclaration(route: PricedRouteConfig, method: string): unknown {
  const d = route.discovery ?? {};
  const output = d.outputExample !== undefined || d.outputSchema ? { example: d.outputExample, schema: d.outputSchema } : undefined;
  const declared = BODY_METHODS.has(method)
    ? declareDiscoveryExtension({ bodyType: d.bodyType ?? "json", input: d.inputExample ?? {}, inputSchema: d.inputSchema ?? { properties: {} }, output })
    : declareDiscoveryExtension({ input: d.inputExample ?? {}, inputSchema: d.inputSchema ?? { properties: {} }, output });
  return declared[BAZAAR.key];
}

/** The bazaar declaration for one call of an API route, enriched for its method and path as @x402/extensions' server does. */
function bazaarDeclaration(route: PricedRouteConfig, request: { method: string; path: string }): unknown {
  const method = request.method.toUpperCase();
  // The library narrows the method and derives routeTemplate/pathParams from the HTTP context.
  const context = { method, routePattern: route.pathPattern, adapter: { getPath: () => request.path } } as unknown as HTTPRequestContext;
  return bazaarResourceServerExtension.enrichDeclaration!(routeBazaarDeclaration(route, method), context);
}

/**
 * The payment-identifier `id` a payment carries for this route (specs/extensions/payment_identifier.md):
 * 16–128 characters of [A-Za-z0-9_-], checked by @x402/extensions.
 *
 * @returns the id, or null when the route does not take ids ("off", or a page) or the payment
 *   carries none on an "optional" route.
 * @throws TollgateError `bad_request` (400) when the extension is malformed or the id invalid, or
 *   when the route requires an id and the payment has none (a v1 payment cannot carry one).
 */
export function paymentIdentifierOf(route: PricedRouteConfig, incoming: IncomingPayment): string | null {
  if (route.kind !== "api" || route.paymentIdentifier === "off") return null;
  const extension = incoming.x402Version === 2 ? incoming.payload.extensions?.[PAYMENT_IDENTIFIER] : undefined;
  if (extension !== undefined) {
    // Checked without the client's echoed `schema`: compiling a JSON schema a client sent (the
    // library would, with ajv) is a denial-of-service door (e.g. a backtracking `pattern`), and
    // the checks below are that schema's whole content: `required` boolean, `id` 16-128 of [A-Za-z0-9_-].
    const info = extension && typeof extension === "object" ? (extension as { info?: unknown }).info : undefined;
    const validation = validatePaymentIdentifier({ info });
    if (!validation.valid) {
      throw new TollgateError("bad_request", `Invalid payment-identifier extension: ${(validation.errors ?? ["malformed"]).join("; ")}`);
    }
    const id = (info as { id?: string }).id;
    if (id) return id;
  }
  if (route.paymentIdentifier === "required") {
    throw new TollgateError(
      "bad_request",
      incoming.x402Version === 1
        ? "This resource requires a payment-identifier id, which only x402 v2 payments (PAYMENT-SIGNATURE) can carry"
        : "This resource requires a payment-identifier id: add extensions[\"payment-identifier\"].info.id (16-128 characters of A-Z, a-z, 0-9, _ and -)",
    );
  }
  return null;
}

/**
 * Why a v2 payment's builder-code echo cannot be settled, or null when it can. A facilitator that
 * supports the extension writes the echoed `a` (the app credited with the sale) and `s` (the
 * buyer's service codes) into the settlement's calldata, on chain for good, so the echo must keep
 * what this 402 declared: `a` equal to the store's code (absent when the store has none), `s`
 * within the library's bounds. Checked by @x402/core's resource server (`validateExtensions`, the
 * gate the reference HTTP server runs before verify), on the builder-code key alone: Tollgate's
 * other declarations carry values fresh to each 402 (a sign-in challenge's nonce) that an echo
 * of an earlier 402 cannot repeat, and their echoes are not settled on chain.
 *
 * @param declared the extensions this request's 402 declares (`declaredExtensions`).
 * @returns e.g. "extension_echo_mismatch (builder-code)"; null for a payment without the extension.
 */
export function builderCodeEchoRefusal(server: x402ResourceServer, declared: Record<string, unknown> | undefined, payload: PaymentPayload): string | null {
  const echoed = payload.extensions;
  if (!echoed || !Object.hasOwn(echoed, BUILDER_CODE)) return null;
  const advertised = declared && Object.hasOwn(declared, BUILDER_CODE) ? { [BUILDER_CODE]: declared[BUILDER_CODE] } : undefined;
  const result = server.validateExtensions({ extensions: advertised } as PaymentRequired, { ...payload, extensions: { [BUILDER_CODE]: echoed[BUILDER_CODE] } });
  return result.valid ? null : `${result.invalidReason ?? "extension_echo_mismatch"} (${BUILDER_CODE})`;
}

/**
 * A v2 payment as Tollgate sends it to its facilitator: the client's signed payload (`accepted`,
 * `payload` and every other extension unchanged) with `resource` set to this server's own
 * ResourceInfo and `extensions.bazaar` to this 402's own declaration (left out where it declares
 * none). A cataloguing facilitator lists a paid resource from exactly these two fields of the
 * payment (specs/extensions/bazaar.md; @x402/extensions' `extractDiscoveryInfo` reads
 * `paymentPayload.resource` and `paymentPayload.extensions.bazaar`), and the payer writes both:
 * unreplaced, one payment could list any URL, description or call shape under the merchant's
 * payTo. Neither is covered by the payment's signature, so replacing them changes nothing the
 * chain checks. v1 payments are returned as they are (their catalog data is the requirements
 * Tollgate builds, lib/x402/v1.ts).
 *
 * @param declared the extensions this request's 402 declares (`declaredExtensions`).
 */
export function forwardedPayment(incoming: IncomingPayment, resource: ResourceInfo, declared: Record<string, unknown> | undefined): IncomingPayment {
  if (incoming.x402Version !== 2) return incoming;
  const { extensions: echoed, ...signed } = incoming.payload;
  const { [BAZAAR.key]: _payers, ...others } = echoed ?? {};
  const extensions = declared && Object.hasOwn(declared, BAZAAR.key) ? { ...others, [BAZAAR.key]: declared[BAZAAR.key] } : others;
  return { x402Version: 2, payload: { ...signed, resource, ...(Object.keys(extensions).length > 0 ? { extensions } : {}) } };
}
