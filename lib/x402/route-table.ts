import { compilePathPattern, matchesPath, type CompiledPattern } from "./route-pattern";

/** One stored payment option, as plain data (amount in atomic units, as a decimal string). */
export type PaymentOptionConfig = {
  scheme: string;
  /** CAIP-2, e.g. "eip155:8453". */
  network: string;
  asset: string;
  amount: string;
  payTo: string;
  extra: Record<string, unknown>;
  maxTimeoutSeconds: number;
};

/** Discovery metadata of a route, as plain data (validated when written: lib/routes/schema.ts). */
export type RouteDiscovery = {
  inputExample?: Record<string, unknown>;
  inputSchema?: Record<string, unknown>;
  bodyType?: "json" | "form-data" | "text";
  outputExample?: unknown;
  outputSchema?: Record<string, unknown>;
};

/** How a route treats the payment-identifier extension. */
export type PaymentIdentifierMode = "off" | "optional" | "required";

/** One priced route, as plain data (no Prisma types), ready to match and price. */
export type PricedRouteConfig = {
  id: string;
  /** Upper-case method or "*". */
  method: string;
  pathPattern: string;
  kind: "api" | "page";
  description: string;
  mimeType: string;
  accessWindowSeconds: number;
  /**
   * API routes: the payment-identifier extension (specs/extensions/payment_identifier.md): "off"
   * (not declared), "optional" (declared; an id makes retries idempotent), "required" (no id → 400).
   */
  paymentIdentifier: PaymentIdentifierMode;
  /**
   * API routes: how agents call it (lib/routes/schema.ts `Discovery`): input example and JSON
   * Schema, body type, output example and JSON Schema. Null: none given.
   */
  discovery: RouteDiscovery | null;
  /**
   * API routes: settle once the handler's whole body is in (true), or as soon as its status and
   * headers are, streaming the body to the buyer as produced (false). Pages always buffer.
   */
  settleAfterComplete: boolean;
  /**
   * API routes: a settled payment buys its payer `accessWindowSeconds` of access, claimed with a
   * SIGN-IN-WITH-X header instead of paying again (specs/extensions/sign-in-with-x.md).
   */
  siwxAccess: boolean;
  /**
   * API routes: free calls per identity per `freeQuotaWindowSeconds` before payment is asked
   * (0: none). Identity: a verified SIGN-IN-WITH-X address, else the client IP when
   * TRUST_PROXY_HEADERS is set.
   */
  freeQuota: number;
  freeQuotaWindowSeconds: number;
  paymentOptions: PaymentOptionConfig[];
  /** When the route was last changed (ISO 8601), where known: the bazaar catalog's `lastUpdated`. */
  updatedAt?: string;
};

type Entry = { route: PricedRouteConfig; compiled: CompiledPattern };

/**
 * An immutable, compiled set of priced routes. `match` is pure and allocation-free in the
 * common case; the proxy calls it on every request.
 */
export class RouteTable {
  private readonly entries: Entry[];

  /**
   * @param routes enabled routes; ones whose pattern does not compile are skipped and reported
   *   through `onInvalid` (they cannot be priced, so they are never enforced).
   */
  constructor(routes: PricedRouteConfig[], onInvalid: (route: PricedRouteConfig, error: Error) => void = () => {}) {
    const entries: Entry[] = [];
    for (const route of routes) {
      try {
        entries.push({ route, compiled: compilePathPattern(route.pathPattern) });
      } catch (error) {
        onInvalid(route, error as Error);
      }
    }
    // Most specific first; an exact method beats "*" at equal specificity.
    this.entries = entries.sort(
      (a, b) => b.compiled.specificity - a.compiled.specificity || Number(a.route.method === "*") - Number(b.route.method === "*"),
    );
  }

  get size(): number {
    return this.entries.length;
  }

  get routes(): PricedRouteConfig[] {
    return this.entries.map((e) => e.route);
  }

  /**
   * The priced route for a request, or undefined when the request is free. HEAD is priced like
   * GET. A page route is priced for every method: Next renders a page for POST, PUT, DELETE…
   * (and server actions) just as for GET. `path` is the canonical decoded path
   * (lib/x402/request-path.ts), without query string.
   */
  match(method: string, path: string): PricedRouteConfig | undefined {
    const m = method.toUpperCase();
    const effective = m === "HEAD" ? "GET" : m;
    for (const { route, compiled } of this.entries) {
      if ((route.kind === "page" || route.method === "*" || route.method === effective) && matchesPath(compiled, path)) return route;
    }
    return undefined;
  }
}
