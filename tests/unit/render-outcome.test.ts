/**
 * A page render that failed after its status was sent, read from the HTML React really writes:
 * pages are rendered here by React's streaming server renderer, the production build Next ships
 * (next/dist/compiled/react-dom) and the development build, with Next's own notFound(),
 * redirect() and client-render bailout, and Next's digests for them. What is stood in for: Next's
 * app renderer around React (it needs a whole build; the app's pages fail before their status
 * is sent, so through the real app the check only ever meets complete renders, see
 * paid-api.test.ts), and the digest of an ordinary error, which Next makes a hash.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import { getDigestForWellKnownError } from "next/dist/server/app-render/create-error-handler";
import { BailoutToCSRError } from "next/dist/shared/lib/lazy-dynamic/bailout-to-csr";
import { notFound, redirect } from "next/navigation";
import { describe, expect, it } from "vitest";
import { renderFailureError, streamedRenderFailure } from "@/lib/gateway/render-outcome";

const require = createRequire(import.meta.url);
type Renderer = {
  name: string;
  h: (type: unknown, props: Record<string, unknown> | null, ...children: unknown[]) => unknown;
  Suspense: unknown;
  render: (element: unknown, options: { onError: (error: unknown) => string | undefined }) => Promise<ReadableStream<Uint8Array>>;
};
const renderers: Renderer[] = [
  {
    name: "production (Next's compiled React)",
    // Elements from React's production build too (the test runs with NODE_ENV=test, which
    // would load the development one; elements are plain objects either way).
    h: require("next/dist/compiled/react/cjs/react.production.js").createElement,
    Suspense: require("next/dist/compiled/react/cjs/react.production.js").Suspense,
    render: require("next/dist/compiled/react-dom/cjs/react-dom-server.edge.production.js").renderToReadableStream,
  },
  {
    name: "development",
    h: require("react").createElement,
    Suspense: require("react").Suspense,
    render: require("react-dom/server.edge").renderToReadableStream,
  },
];

/** Next's digest for its own errors; an ordinary error gets a hash, as Next gives it. */
const digestOf = (error: unknown) => getDigestForWellKnownError(error) ?? "2437159011";

/** What a part of the page does: render `text`, or throw before or after the shell was sent. */
type Part = { text: string; fails?: () => never; late?: boolean };

async function renderPage(r: Renderer, parts: Part[]): Promise<Uint8Array> {
  const component = (part: Part) =>
    part.late
      ? async () => {
          await new Promise((resolve) => setImmediate(resolve));
          if (part.fails) part.fails();
          return r.h("p", null, part.text);
        }
      : () => {
          if (part.fails) part.fails();
          return r.h("p", { title: part.text }, part.text);
        };
  const page = r.h(
    "html",
    null,
    r.h("body", null, r.h("h1", null, "Paid article"), ...parts.map((part, i) => r.h(r.Suspense, { key: i, fallback: r.h("p", null, "Loading…") }, r.h(component(part), null)))),
  );
  return new Uint8Array(await new Response(await r.render(page, { onError: digestOf })).arrayBuffer());
}

const HTML = "text/html; charset=utf-8";
const throwsNotFound = () => notFound();
const throwsRedirect = () => redirect("/elsewhere");
const throwsError = (): never => {
  throw new Error("the database went away");
};
const bailsOut = (): never => {
  throw new BailoutToCSRError("next/dynamic");
};

describe.each(renderers)("streamedRenderFailure, $name React", (r) => {
  it("finds notFound() thrown under a Suspense boundary, before and after the shell was sent, and answers it 404", async () => {
    for (const late of [false, true]) {
      const body = await renderPage(r, [{ text: "intro" }, { text: "body", fails: throwsNotFound, late }]);
      expect(streamedRenderFailure(HTML, body), `late ${late}`).toEqual({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" });
      const error = renderFailureError(streamedRenderFailure(HTML, body)!);
      expect([error.code, error.status]).toEqual(["not_found", 404]);
    }
  });

  it("finds a redirect() or an error there, answered 502 upstream_failed", async () => {
    for (const [fails, digest] of [
      [throwsRedirect, "NEXT_REDIRECT;replace;/elsewhere;307;"],
      [throwsError, "2437159011"],
    ] as const) {
      for (const late of [false, true]) {
        const failure = streamedRenderFailure(HTML, await renderPage(r, [{ text: "body", fails, late }]));
        expect(failure, `${digest} late ${late}`).toEqual({ digest });
        expect([renderFailureError(failure!).code, renderFailureError(failure!).status]).toEqual(["upstream_failed", 502]);
      }
    }
  });

  it("finds nothing in a complete render, boundaries resolved early or late, nor in an intended client-side render", async () => {
    expect(streamedRenderFailure(HTML, await renderPage(r, [{ text: "intro" }, { text: "body", late: true }]))).toBeNull();
    for (const late of [false, true]) expect(streamedRenderFailure(HTML, await renderPage(r, [{ text: "map", fails: bailsOut, late }]))).toBeNull();
    // A bailout does not hide a real failure after it.
    const both = await renderPage(r, [{ text: "map", fails: bailsOut }, { text: "body", fails: throwsNotFound, late: true }]);
    expect(streamedRenderFailure(HTML, both)).toEqual({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" });
  });

  it("never mistakes the page's own text for React's instructions, whatever it says (text and attributes)", async () => {
    const marks = fc.constantFrom("<!--$!-->", '$RX("B:0","NEXT_HTTP_ERROR_FALLBACK;404")', '<template data-rxi="" data-bid="B:0" data-dgst="x">', '<template data-dgst="x">', '"', "<", "&quot;");
    const text = fc.array(fc.oneof(marks, fc.string({ unit: "binary" })), { maxLength: 8 }).map((parts) => parts.join(""));
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), async (t, late) => {
        expect(streamedRenderFailure(HTML, await renderPage(r, [{ text: t }, { text: t, late }]))).toBeNull();
      }),
      { numRuns: 150 },
    );
  });
});

describe("streamedRenderFailure on bodies of any kind", () => {
  it("reads only HTML", () => {
    const marked = new TextEncoder().encode('<!--$!--><template data-dgst="NEXT_HTTP_ERROR_FALLBACK;404"></template>');
    expect(streamedRenderFailure(HTML, marked)).toEqual({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" });
    expect(streamedRenderFailure("TEXT/HTML", marked)).toEqual({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" });
    for (const type of [null, "application/json", "text/plain", "text/htmlx", "application/xhtml+xml"]) expect(streamedRenderFailure(type, marked), String(type)).toBeNull();
  });

  it("counts a mark without a readable digest as a failure, never as a success", () => {
    const cases: [string, string | null][] = [
      ["<!--$!--><template></template>", null],
      ['$RX("B:0")', null],
      ['$RX("B:0",null)', null],
      ['$RX("B:0","unterminated', null],
      ['<template data-rxi="" data-bid="B:0" data-dgst="NEXT_HTTP_ERROR_FALLBACK;403">', "NEXT_HTTP_ERROR_FALLBACK;403"],
      ['<!--$!--><template data-dgst="a&amp;b&quot;c"></template>', 'a&b"c'],
    ];
    for (const [html, digest] of cases) expect(streamedRenderFailure(HTML, new TextEncoder().encode(html)), html).toEqual({ digest });
    expect(renderFailureError({ digest: "NEXT_HTTP_ERROR_FALLBACK;403" }).status).toBe(403);
    expect(renderFailureError({ digest: "NEXT_HTTP_ERROR_FALLBACK;401" }).status).toBe(401);
    expect(renderFailureError({ digest: "NEXT_HTTP_ERROR_FALLBACK;418" }).status).toBe(502);
    expect(renderFailureError({ digest: null }).status).toBe(502);
  });

  it("never throws on arbitrary bytes, and finds a failure exactly where one of React's marks is", () => {
    const piece = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constantFrom("<!--$!-->", '$RX("', '<template data-rxi=""', "<template", "$RX(", "<!--$").map((s) => new TextEncoder().encode(s)));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        const body = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
        pieces.reduce((at, p) => (body.set(p, at), at + p.length), 0);
        const marked = ["<!--$!-->", '$RX("', '<template data-rxi=""'].some((m) => Buffer.from(body).includes(m));
        const failure = streamedRenderFailure(HTML, body);
        expect(failure !== null).toBe(marked);
      }),
      { numRuns: 2000 },
    );
  });
});
