// Plain JavaScript on purpose: `next start` compiles a next.config.ts with SWC at every boot,
// which loads its native binding (~25 MiB resident, plus its thread pool) into the server for
// nothing. Types still apply through the JSDoc annotation below.

/** @type {import("next").NextConfig} */
const nextConfig = {
  // Loaded from node_modules at run time: PGlite ships wasm + data files, and nothing may touch the
  // database while building. @x402/core: one copy per process. The proxy, the route handlers and
  // the pages are separate bundles sharing one set of x402 services (lib/gateway/x402-server.ts);
  // bundled, each had its own VerifyError and SettleError, and a refusal thrown by services another
  // bundle made was read by the proxy as no verdict at all.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "@prisma/schema-engine-wasm", "pg", "undici", "@x402/core"],
  poweredByHeader: false,
  // `npm test` builds with TOLLGATE_TEST_PAGES=1, which adds the test pages (`*.test-page.tsx`,
  // app/(test-pages)/): pages that fail the ways a merchant's page can, for the integration tests
  // to price. A production build (`npm run build`) has none of them.
  pageExtensions: process.env.TOLLGATE_TEST_PAGES === "1" ? ["test-page.tsx", "tsx", "ts", "jsx", "js"] : ["tsx", "ts", "jsx", "js"],
  // Security headers on every answer, the proxy's own (402s, paywall pages) included. No page may
  // be framed by another site (clickjacking); the dashboard by none at all, and its links send no
  // Referer outside it (a payment's page names its id). `nosniff` keeps a browser from reading a
  // handler's bytes as another type than the one it declared.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "Content-Security-Policy", value: "frame-ancestors 'self'" },
          { key: "X-Frame-Options", value: "SAMEORIGIN" },
        ],
      },
      {
        source: "/dashboard/:path*",
        headers: [
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
  async rewrites() {
    return {
      beforeFiles: [
        // Next-Router-State-Tree is Next's client router state: encodeURIComponent(JSON) of an
        // array whose first item is a segment (a string, or an array starting with one), at most
        // 40,000 characters (next/dist/server/app-render/parse-and-validate-flight-
        // router-state.js). Next answers any other value with a 500 from its renderer, and strips
        // the header before the proxy runs. lib/gateway/request-guard.ts refuses every value
        // Next cannot parse (400) before Next sees the request, once instrumentation.ts has
        // installed it; this rewrite covers the moment before that, for values not of that shape
        // (app/api/bad-router-state). An empty value (`has` never matches one), or JSON of the
        // right shape that is no router state, is the guard's alone (README, "Hostile input").
        {
          source: "/:path*",
          has: [{ type: "header", key: "next-router-state-tree", value: "(?!%5B(?:%5B)?%22[A-Za-z0-9%._~*'()!-]{0,39980}%5D$).*" }],
          destination: "/api/bad-router-state",
        },
      ],
    };
  },
  experimental: {
    // `next start` would load every page's and route's server code at boot, most of which a given
    // server never serves (the dashboard, the paywall's wallet code). Measured: ~10 MiB more
    // resident at idle and ~40 MiB more after paid load. Each is loaded on its first request instead.
    preloadEntriesOnStart: false,
    // The most of a request body Next hands its proxy and then the handler; past it, Next cuts the
    // body short and only logs a warning. lib/gateway/request-guard.ts answers a body over
    // MAX_REQUEST_BODY_BYTES (lib/env.ts; an invalid value fails there on first use, so this only
    // needs to agree with it when valid) with 413 before Next sees more. Next's cut sits one
    // socket read (64 KiB) above it: a body Next cut (one arriving before the guard is installed)
    // is then still longer than the limit, and the proxy refuses it (lib/gateway/request-body.ts).
    proxyClientMaxBodySize: (Number(process.env.MAX_REQUEST_BODY_BYTES) || 10 * 1024 * 1024) + 64 * 1024,
  },
};

export default nextConfig;
