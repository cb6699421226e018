import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { paidApiPage } from "@/lib/gateway/notice-page";

/** The page's text as a browser shows it: tags dropped, the five entities read back. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

describe("paidApiPage", () => {
  const plain = paidApiPage({ method: "GET", path: "/api/x", description: "d", prices: ["1 USDC on X"] });
  const markup = (html: string) => html.match(/<[^>]*>/g) ?? [];

  it("names the route, its description and its prices", () => {
    expect(textOf(plain)).toContain("GET /api/x");
    expect(textOf(plain)).toContain("Each call costs 1 USDC on X.");
  });

  it("turns no request path, description or price into markup, whatever they hold, and shows them as written", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string({ minLength: 1 }), fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 3 }), (method, path, description, prices) => {
        const html = paidApiPage({ method, path, description, prices });
        // The same tags as for plain text: nothing given added, closed or opened one.
        expect(markup(html)).toEqual(markup(paidApiPage({ method: "GET", path: "/api/x", description: "d", prices: prices.map(() => "p") })));
        const text = textOf(html);
        expect(text).toContain(`${method} ${path}`);
        expect(text).toContain(description);
        for (const price of prices) expect(text).toContain(price);
      }),
      { numRuns: 500 },
    );
  });
});
