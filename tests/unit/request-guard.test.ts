import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { refusal, toOriginForm } from "@/lib/gateway/request-guard";

describe("refusal (requests answered before Next sees them)", () => {
  const home = encodeURIComponent(JSON.stringify(["", { children: ["__PAGE__", {}] }]));

  it("refuses TRACE (a method the Fetch standard forbids) with 405 and Allow, whatever its case", () => {
    for (const method of ["TRACE", "trace", "Track", "CONNECT"]) {
      expect(refusal({ method, headers: {} })).toMatchObject({ status: 405, code: "method_not_allowed", headers: { allow: expect.stringContaining("GET") } });
    }
  });

  it("lets every other method through, with no router state or a readable one", () => {
    for (const method of ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", undefined]) {
      expect(refusal({ method, headers: {} })).toBeNull();
      expect(refusal({ method, headers: { "next-router-state-tree": home, rsc: "1" } })).toBeNull();
    }
  });

  it("refuses a router state Next cannot read with 400: empty, garbage, JSON that is no router state", () => {
    for (const value of ["", " ", "%", "%5B%22x%22%5D", encodeURIComponent('["x",{"children":5}]'), "[1]", "x".repeat(50_000)]) {
      expect(refusal({ method: "GET", headers: { "next-router-state-tree": value } })).toMatchObject({ status: 400, code: "bad_request" });
    }
  });

  it("never throws, and refuses exactly the forbidden methods and unreadable router states", () => {
    const method = fc.oneof(fc.constantFrom("GET", "POST", "TRACE", "trace", "OPTIONS"), fc.string({ maxLength: 12 }));
    const header = fc.option(fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 4 }).map((v) => encodeURIComponent(JSON.stringify(v))), fc.constant(home)), { nil: undefined });
    fc.assert(
      fc.property(method, header, (m, value) => {
        const answer = refusal({ method: m, headers: value === undefined ? {} : { "next-router-state-tree": value } });
        if (["TRACE", "TRACK", "CONNECT"].includes(m.toUpperCase())) expect(answer?.status).toBe(405);
        else if (value === undefined || value === home) expect(answer).toBeNull();
        else if (answer) expect(answer.status).toBe(400);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a declared body over the limit with 413 before it is read, in any method; up to the limit passes", () => {
    const limit = { maxBodyBytes: 1024 };
    for (const method of ["POST", "PUT", "GET", "HEAD"]) {
      expect(refusal({ method, headers: { "content-length": "1025" } }, limit)).toMatchObject({ status: 413, code: "payload_too_large" });
      expect(refusal({ method, headers: { "content-length": "1024" } }, limit)).toBeNull();
    }
    // The default is Next's own (10 MiB).
    expect(refusal({ method: "POST", headers: { "content-length": String(10 * 1024 * 1024 + 1) } })).toMatchObject({ status: 413 });
    expect(refusal({ method: "POST", headers: { "content-length": String(10 * 1024 * 1024) } })).toBeNull();
  });

  it("answers OPTIONS * with 204 and Allow, and refuses other targets that are no path with 400", () => {
    expect(refusal({ method: "OPTIONS", url: "*", headers: {} })).toMatchObject({ status: 204, code: null, headers: { allow: expect.stringContaining("OPTIONS") } });
    for (const [method, url] of [["GET", "*"], ["POST", "*"], ["OPTIONS", "*/x"], ["GET", "abc"], ["GET", "ftp://x/y"], ["GET", "javascript:alert(1)"], ["GET", "?x"]]) {
      expect(refusal({ method, url, headers: {} }), `${method} ${url}`).toMatchObject({ status: 400, code: "bad_request" });
    }
    for (const url of ["/", "/articles/deep-dive?x=1", "http://127.0.0.1:3999/api/demo/quote", "HTTPS://shop.example"]) expect(refusal({ method: "GET", url, headers: {} })).toBeNull();
  });

  it("turns an absolute-form target into the path and authority Next should route, as sent", () => {
    expect(toOriginForm("/articles/deep-dive")).toBeNull();
    expect(toOriginForm("http://127.0.0.1:3999/articles/deep-dive?a=%ZZ")).toEqual({ url: "/articles/deep-dive?a=%ZZ", host: "127.0.0.1:3999" });
    expect(toOriginForm("https://shop.example")).toEqual({ url: "/", host: "shop.example" });
    expect(toOriginForm("http://shop.example?x=1")).toEqual({ url: "/?x=1", host: "shop.example" });
    expect(toOriginForm("http://user:pw@shop.example/a/../b")).toEqual({ url: "/a/../b", host: "shop.example" });
    expect(toOriginForm("http://shop.example//evil.example/x")).toEqual({ url: "//evil.example/x", host: "shop.example" });
  });

  it("never throws on any target; what it rewrites is a path, and an accepted target never stays absolute", () => {
    const target = fc.oneof(fc.string({ maxLength: 80 }), fc.webUrl({ withQueryParameters: true }), fc.constantFrom("*", "*/x", "http://", "http:///x", "http://[::1"));
    fc.assert(
      fc.property(target, fc.constantFrom("GET", "OPTIONS"), (url, method) => {
        const answer = refusal({ method, url, headers: {} });
        const origin = toOriginForm(url);
        if (origin) expect(origin.url.startsWith("/")).toBe(true);
        if (!answer && !url.startsWith("/")) expect(origin).not.toBeNull();
      }),
      { numRuns: 2000 },
    );
  });
});
