import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalizePath, encodeCanonicalPath, pathFromSegments } from "@/lib/x402/request-path";
import { RouteTable } from "@/lib/x402/route-table";

/** What URL parsing (as Node's http server + Next apply it) makes of a raw request path. */
const parsed = (raw: string) => new URL(raw, "http://tollgate.test").pathname;

/**
 * Next's own reading of a dynamic route, for the model: each raw segment decoded once
 * (shared/lib/router/utils/route-matcher.js), and static routes: the whole path decoded.
 */
const nextSegments = (pathname: string) => pathname.split("/").filter(Boolean).map((s) => decodeURIComponent(s));

/** A decoded path segment a page could be addressed by: any text but separators and dot segments. */
const segment = fc
  .string({ unit: fc.oneof(fc.constantFrom(..."abcXYZ-_.~!$&'()*+,;=:@ %?#[]|^`{}\"<>\u00e9\u2010\u{1F600}"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 12 })
  .filter((s) => !s.includes("/") && !s.includes("\\") && s !== "." && s !== "..");

/** One spelling of a decoded segment: each character literal (where a URL can carry it) or %-encoded in either hex case. */
function spell(s: string): fc.Arbitrary<string> {
  const chars = [...s].map((ch) => {
    const bytes = [...new TextEncoder().encode(ch)];
    const encoded = fc.constantFrom(
      bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""),
      bytes.map((b) => `%${b.toString(16).toLowerCase().padStart(2, "0")}`).join(""),
    );
    // Literal only where it cannot end or split the path, or start an escape.
    const literalOk = !"%?#/\\".includes(ch) && ch.charCodeAt(0) > 0x20 && ch !== "\u007f";
    return literalOk ? fc.oneof(fc.constant(ch), encoded) : encoded;
  });
  return fc.tuple(...chars).map((parts) => parts.join(""));
}

/** A raw request path spelling `segments`, with optional repeated and trailing slashes. */
const spelledPath = fc.array(segment, { minLength: 1, maxLength: 4 }).chain((segments) =>
  fc
    .tuple(fc.tuple(...segments.map(spell)), fc.array(fc.constantFrom("/", "//"), { minLength: segments.length, maxLength: segments.length }), fc.boolean())
    // A leading "//" would be an authority, not a path (Next redirects such request targets anyway).
    .map(([spelled, seps, trailing]) => ({ segments, raw: spelled.map((s, i) => `${i === 0 ? "/" : seps[i]}${s}`).join("") + (trailing ? "/" : "") })),
);

describe("canonicalizePath", () => {
  it("reads every spelling of a path as the decoded segments Next routes on", () => {
    fc.assert(
      fc.property(spelledPath, ({ segments, raw }) => {
        const result = canonicalizePath(parsed(raw));
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.path).toBe(`/${segments.join("/")}`);
        expect(result.path.split("/").slice(1)).toEqual(nextSegments(parsed(raw)));
      }),
      { numRuns: 3000 },
    );
  });

  it("gives a canonical href that URL parsing keeps as is and that reads back to the same path", () => {
    fc.assert(
      fc.property(spelledPath, ({ raw }) => {
        const first = canonicalizePath(parsed(raw));
        if (!first.ok) return;
        expect(parsed(first.href)).toBe(first.href);
        const again = canonicalizePath(first.href);
        expect(again).toEqual({ ok: true, path: first.path, href: first.href, canonical: true });
        expect(encodeCanonicalPath(first.path)).toBe(first.href);
        expect(pathFromSegments(first.path.split("/").slice(1))).toEqual({ ...again, canonical: false });
      }),
      { numRuns: 3000 },
    );
  });

  it("prices every spelling of a priced path, and only its own", () => {
    const table = new RouteTable([
      { id: "p", method: "GET", pathPattern: "/articles/deep-dive", kind: "page", description: "", mimeType: "text/html", accessWindowSeconds: 60, paymentIdentifier: "off", discovery: null, settleAfterComplete: false, siwxAccess: false, freeQuota: 0, freeQuotaWindowSeconds: 86400, paymentOptions: [] },
      { id: "a", method: "*", pathPattern: "/api/items/:id", kind: "api", description: "", mimeType: "application/json", accessWindowSeconds: 60, paymentIdentifier: "off", discovery: null, settleAfterComplete: false, siwxAccess: false, freeQuota: 0, freeQuotaWindowSeconds: 86400, paymentOptions: [] },
    ]);
    const priced = fc.oneof(
      fc.constant(["articles", "deep-dive"]),
      segment.map((id) => ["api", "items", id]),
    );
    fc.assert(
      fc.property(
        priced.chain((segments) => fc.tuple(...segments.map(spell)).map((s) => ({ segments, raw: `/${s.join("/")}` }))),
        ({ segments, raw }) => {
          const result = canonicalizePath(parsed(raw));
          expect(result.ok && table.match("GET", result.path)?.id).toBe(segments[0] === "articles" ? "p" : "a");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    ["/articles/deep%2Ddive", "/articles/deep-dive", false],
    ["/articles/%64eep-dive", "/articles/deep-dive", false],
    ["/articles//deep-dive/", "/articles/deep-dive", false],
    ["/articles/deep-dive", "/articles/deep-dive", true],
    ["/docs/caf%C3%A9", "/docs/café", true],
    ["/docs/caf%c3%a9", "/docs/café", false],
    ["/a;x=1/%3F%23", "/a;x=1/?#", true],
    ["/", "/", true],
  ])("%s → %s (canonical: %s)", (raw, path, canonical) => {
    expect(canonicalizePath(raw)).toMatchObject({ ok: true, path, canonical });
  });

  it.each(["/articles%2Fdeep-dive", "/articles/a%2fb", "/a%5Cb", "/articles/%zz", "/a/%C0%AF", "/a/%E2%82", "/a/%2e%2e", "relative"])("refuses %s", (raw) => {
    expect(canonicalizePath(raw)).toMatchObject({ ok: false, reason: expect.any(String) });
  });

  it("never throws, whatever the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 64 }), (s) => {
        const result = canonicalizePath(`/${s}`);
        if (result.ok) expect(result.path.startsWith("/")).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
