import { describe, expect, it } from "vitest";
import { compilePathPattern, isTollgatePath, matchesPath, validatePathPattern } from "@/lib/x402/route-pattern";

describe("validatePathPattern", () => {
  it.each(["/", "/api/demo/quote", "/api/items/:id", "/articles/*", "/a/:b/c/*", "/v1/price.json", "/:page", "/healthz/*", "/api/healthz", "/*", "/:a/*", "/dashboards", "/my/dashboard", "/api/authors", "/api/author/*", "/auth/nonce"])("accepts %s", (p) => {
    expect(validatePathPattern(p)).toEqual([]);
  });

  it.each([
    ["api/x", "must start with /"],
    ["/api//x", "empty segments"],
    ["/api/x/", "empty segments"],
    ["/a/*/b", "* is only allowed as the last segment"],
    ["/a?b=1", "query"],
    ["/a/:1x", "not a literal"],
    ["/a/b c", "not a literal"],
    ["/healthz", "/healthz is Tollgate's health check"],
    ["/ReadyZ", "/readyz is Tollgate's health check"],
    ["/%72eadyz", "/readyz is Tollgate's health check"],
    ["/dashboard", "/dashboard is Tollgate's own"],
    ["/Dashboard/*", "/dashboard is Tollgate's own"],
    ["/dashboard/:id", "/dashboard is Tollgate's own"],
    ["/dashboard/payments/export", "/dashboard is Tollgate's own"],
    ["/%64ashboard/routes", "/dashboard is Tollgate's own"],
    ["/api/auth/nonce", "/api/auth is Tollgate's own"],
    ["/API/Auth/*", "/api/auth is Tollgate's own"],
    ["/api/auth", "/api/auth is Tollgate's own"],
  ])("rejects %s", (p, problem) => {
    expect(validatePathPattern(p).join("; ")).toContain(problem);
  });

  it("compilePathPattern throws with the problems", () => {
    expect(() => compilePathPattern("/a/*/b")).toThrow(/Invalid path pattern "\/a\/\*\/b"/);
  });
});

describe("isTollgatePath", () => {
  it.each(["/dashboard", "/dashboard/", "/dashboard/payments", "/dashboard/payments/export", "/dashboard/routes/abc", "/dashboard/sign-in", "/api/auth/nonce", "/api/auth/sign-in"])("is true for %s", (p) => {
    expect(isTollgatePath(p)).toBe(true);
  });

  // Exact spelling only: anything else is priced as the routes say (the router is case-sensitive).
  it.each(["/", "/Dashboard", "/DASHBOARD/payments", "/dashboards", "/dashboard.rsc", "/dashboard;x", "/my/dashboard", "/api/auth", "/api/auth/", "/api/auth/other", "/API/auth/nonce", "/api/auth/nonce/x", "/healthz"])("is false for %s", (p) => {
    expect(isTollgatePath(p)).toBe(false);
  });
});

describe("matchesPath", () => {
  const m = (pattern: string, path: string) => matchesPath(compilePathPattern(pattern), path);

  it("matches literals exactly, tolerating one trailing slash", () => {
    expect(m("/api/demo/quote", "/api/demo/quote")).toBe(true);
    expect(m("/api/demo/quote", "/api/demo/quote/")).toBe(true);
    expect(m("/api/demo/quote", "/api/demo/quotes")).toBe(false);
    expect(m("/api/demo/quote", "/api/demo/quote/extra")).toBe(false);
  });

  it("ignores case, so a case variant of a priced path is priced too (fails closed)", () => {
    expect(m("/api/demo/quote", "/API/demo/Quote")).toBe(true);
    expect(m("/articles/:slug", "/ARTICLES/deep-dive")).toBe(true);
  });

  it("matches percent-encoded literals by their decoded text, and refuses encoded separators", () => {
    expect(m("/docs/a%20b", "/docs/a b")).toBe(true);
    expect(m("/docs/%64eep", "/docs/deep")).toBe(true);
    expect(validatePathPattern("/docs/a%2Fb")).toEqual([expect.stringMatching(/encodes a slash/)]);
    expect(validatePathPattern("/docs/%zz")).toEqual([expect.stringMatching(/malformed percent-encoding/)]);
    expect(validatePathPattern("/docs/..")).toEqual([expect.stringMatching(/dot segment/)]);
  });

  it(":param matches one non-empty segment", () => {
    expect(m("/items/:id", "/items/42")).toBe(true);
    expect(m("/items/:id", "/items/")).toBe(false);
    expect(m("/items/:id", "/items/4/2")).toBe(false);
  });

  it("* matches one or more trailing segments, not the bare prefix", () => {
    expect(m("/articles/*", "/articles/a")).toBe(true);
    expect(m("/articles/*", "/articles/a/b/c")).toBe(true);
    expect(m("/articles/*", "/articles")).toBe(false);
    expect(m("/articles/*", "/articlesx/a")).toBe(false);
  });

  it("escapes regex characters in literals", () => {
    expect(m("/v1/price.json", "/v1/price.json")).toBe(true);
    expect(m("/v1/price.json", "/v1/priceXjson")).toBe(false);
  });
});
