/**
 * Path patterns for priced routes.
 *
 * - literal segments match themselves: `/api/demo/quote`
 * - `:name` matches exactly one non-empty segment: `/api/items/:id`
 * - a final `*` matches one or more further segments: `/articles/*` covers `/articles/a` and
 *   `/articles/a/b`, not `/articles` (price that with its own route)
 *
 * Patterns match the canonical decoded path (lib/x402/request-path.ts), without regard to case:
 * a literal segment may be written percent-encoded (`/docs/a%20b`) and matches its decoded text,
 * and `/Articles/X` is priced like `/articles/x`. Case-insensitivity fails closed: a case variant
 * the router would serve as another page is charged for, never served free; one it answers 404
 * is not charged (settlement needs a status below 400).
 */

export type CompiledPattern = {
  pattern: string;
  regex: RegExp;
  /** Higher wins when several patterns match one path (more literal segments, no wildcard). */
  specificity: number;
};

const SEGMENT = /^[A-Za-z0-9._~!$&'()+,;=@%-]+$/;
const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Paths Tollgate answers itself whatever the routes say: its health checks (lib/gateway/health.ts).
 * No pattern may name one; a pattern that only matches one (`/:page`) leaves it alone.
 */
export const HEALTH_CHECK_PATHS: readonly string[] = ["/healthz", "/readyz"];

/**
 * Tollgate's own sign-in handlers: with the dashboard (`isTollgatePath`), what the merchant needs
 * to change the routes, so no route may charge for or block them.
 */
export const SIGN_IN_API_PATHS: readonly string[] = ["/api/auth/nonce", "/api/auth/sign-in"];

/**
 * Whether `path` (canonical and decoded, as the router serves it; case as sent) is Tollgate's own:
 * the merchant's dashboard (`/dashboard` and every path under it) or its sign-in handlers
 * (SIGN_IN_API_PATHS). The proxy lets these through whatever the routes say, as it does the
 * health checks (lib/gateway/proxy.ts): a route that charges or blocks every path (`/*`, `/:page`)
 * must never lock the merchant out of the screen that undoes it. Exact spelling only: the router
 * is case-sensitive, so `/Dashboard` is no dashboard page and is priced like any other path.
 */
export function isTollgatePath(path: string): boolean {
  return isDashboardPath(path) || SIGN_IN_API_PATHS.includes(path);
}

/** Whether `path` (canonical, decoded, case as sent) is the dashboard's: `/dashboard` or under it. */
export function isDashboardPath(path: string): boolean {
  return path === "/dashboard" || path.startsWith("/dashboard/");
}

/** Literal path prefixes no pattern may start with (lower case): what `isTollgatePath` lets through, and the rest of /api/auth. */
const OWN_PREFIXES: readonly string[] = ["/dashboard", "/api/auth"];

/**
 * Lists what is wrong with a path pattern; an empty list means it is valid.
 */
export function validatePathPattern(pattern: string): string[] {
  const problems: string[] = [];
  if (!pattern.startsWith("/")) problems.push("must start with /");
  if (pattern.length > 512) problems.push("must be at most 512 characters");
  if (/[?#]/.test(pattern)) problems.push("must not contain a query (?) or fragment (#)");
  const segments = pattern.split("/").slice(1);
  if (pattern !== "/" && segments.some((s) => s === "")) problems.push("must not contain empty segments (//) or end with /");
  segments.forEach((segment, i) => {
    if (segment === "" || segment === "*" || PARAM.test(segment) || SEGMENT.test(segment)) {
      if (segment === "*" && i !== segments.length - 1) problems.push("* is only allowed as the last segment");
      return;
    }
    problems.push(`segment "${segment}" is not a literal, :param or *`);
  });
  const decodedPath: string[] = [];
  for (const segment of segments) {
    const decoded = decodeSegment(segment);
    decodedPath.push(decoded ?? segment);
    if (decoded === null) problems.push(`segment "${segment}" has malformed percent-encoding`);
    else if (/[/\\]/.test(decoded) || decoded === "." || decoded === "..") problems.push(`segment "${segment}" encodes a slash, backslash or dot segment`);
  }
  const spelled = `/${decodedPath.join("/")}`.toLowerCase();
  if (HEALTH_CHECK_PATHS.includes(spelled)) problems.push(`${spelled} is Tollgate's health check, which is never priced or blocked`);
  const own = OWN_PREFIXES.find((prefix) => spelled === prefix || spelled.startsWith(`${prefix}/`));
  if (own) problems.push(`${own} is Tollgate's own (the dashboard and its sign-in), which is never priced or blocked`);
  return problems;
}

/**
 * Compiles a path pattern.
 * @throws Error listing the problems when the pattern is invalid.
 */
export function compilePathPattern(pattern: string): CompiledPattern {
  const problems = validatePathPattern(pattern);
  if (problems.length) throw new Error(`Invalid path pattern "${pattern}": ${problems.join("; ")}`);
  if (pattern === "/") return { pattern, regex: /^\/$/, specificity: 0 };
  const segments = pattern.split("/").slice(1);
  let specificity = 0;
  const parts = segments.map((segment) => {
    if (segment === "*") return "(?:/[^/]+)+";
    if (segment.startsWith(":")) {
      specificity += 1;
      return "/[^/]+";
    }
    specificity += 3;
    return `/${decodeSegment(segment)!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
  });
  // A pattern ending in * ranks below the same pattern with a concrete tail.
  specificity = specificity * 2 + (segments.at(-1) === "*" ? 0 : 1);
  return { pattern, regex: new RegExp(`^${parts.join("")}/?$`, "i"), specificity };
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Whether `path` (canonical and decoded, no query string) is covered by the compiled pattern. */
export function matchesPath(compiled: CompiledPattern, path: string): boolean {
  return compiled.regex.test(path);
}
