import { describe, expect, it } from "vitest";
import { RouteTable } from "@/lib/x402/route-table";
import { routeConfig } from "../support/routes";

const route = (id: string, method: string, pathPattern: string) => routeConfig({ id, method, pathPattern });

describe("RouteTable", () => {
  const table = new RouteTable([
    route("any-article", "GET", "/articles/*"),
    route("one-article", "GET", "/articles/field-notes"),
    route("param", "GET", "/articles/:slug"),
    route("post", "POST", "/api/summarize"),
    route("all-methods", "*", "/api/summarize"),
  ]);

  it("prefers the most specific pattern", () => {
    expect(table.match("GET", "/articles/field-notes")?.id).toBe("one-article");
    expect(table.match("GET", "/articles/other")?.id).toBe("param");
    expect(table.match("GET", "/articles/a/b")?.id).toBe("any-article");
  });

  it("matches the method, with * as a fallback and HEAD priced like GET", () => {
    expect(table.match("POST", "/api/summarize")?.id).toBe("post");
    expect(table.match("put", "/api/summarize")?.id).toBe("all-methods");
    expect(table.match("HEAD", "/articles/field-notes")?.id).toBe("one-article");
    expect(table.match("POST", "/articles/field-notes")).toBeUndefined();
  });

  it("leaves unpriced paths free", () => {
    expect(table.match("GET", "/api/demo/health")).toBeUndefined();
    expect(table.match("GET", "/articles")).toBeUndefined();
  });

  it("skips routes whose pattern is invalid and reports them", () => {
    const invalid: string[] = [];
    const t = new RouteTable([route("bad", "GET", "no-slash"), route("ok", "GET", "/ok")], (r) => invalid.push(r.id));
    expect(invalid).toEqual(["bad"]);
    expect(t.size).toBe(1);
    expect(t.match("GET", "/ok")?.id).toBe("ok");
  });
});

describe("RouteTable with page routes", () => {
  it("prices a page for every method, since Next renders pages for POST, PUT and DELETE too", () => {
    const table = new RouteTable([{ ...route("page", "GET", "/articles/deep-dive"), kind: "page" }, route("api", "GET", "/api/quote")]);
    for (const method of ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) expect(table.match(method, "/articles/deep-dive")?.id).toBe("page");
    expect(table.match("POST", "/api/quote")).toBeUndefined();
  });
});
