// Plain JavaScript on purpose: `next start` compiles a next.config.ts with SWC at every boot,
// which loads its native binding (~25 MiB resident, plus its thread pool) into the server for
// nothing. Types still apply through the JSDoc annotation below.

/** @type {import("next").NextConfig} */
const nextConfig = {
  // Loaded from node_modules at run time: PGlite ships wasm + data files, and nothing may touch the
  // database while building.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "@prisma/schema-engine-wasm", "pg"],
  poweredByHeader: false,
  experimental: {
    // `next start` would load every page's and route's server code at boot, most of which a given
    // server never serves (the dashboard, the paywall's wallet code). Measured: ~10 MiB more
    // resident at idle and ~40 MiB more after paid load. Each is loaded on its first request instead.
    preloadEntriesOnStart: false,
  },
};

export default nextConfig;
