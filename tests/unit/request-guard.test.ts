import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { refusal } from "@/lib/gateway/request-guard";

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
});
