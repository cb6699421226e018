import path from "node:path";

/** Where Tollgate's data lives: embedded PGlite in a directory, or a PostgreSQL server. */
export type DatabaseTarget =
  | { kind: "pglite"; dataDir: string }
  | { kind: "postgres"; url: string };

/** The embedded database's directory when DATABASE_URL is unset. */
export const DEFAULT_PGLITE_DIR = ".data/pglite";

/**
 * Reads a DATABASE_URL value into a target.
 *
 * - unset or empty → PGlite in `.data/pglite` (relative to the working directory)
 * - `pglite:<dir>` → PGlite in `<dir>`
 * - `postgres://…` / `postgresql://…` → PostgreSQL through node-postgres
 *
 * @throws Error when the URL has any other scheme.
 */
export function parseDatabaseUrl(url: string | undefined, cwd = process.cwd()): DatabaseTarget {
  if (!url) return { kind: "pglite", dataDir: path.resolve(cwd, DEFAULT_PGLITE_DIR) };
  if (url.startsWith("pglite:")) {
    const dir = url.slice("pglite:".length).replace(/^\/\/(?=\/)/, "");
    if (!dir) throw new Error("DATABASE_URL pglite:<dir> needs a directory");
    return { kind: "pglite", dataDir: path.resolve(cwd, dir) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  throw new Error(`DATABASE_URL must be unset, pglite:<dir> or postgres://…; got "${url.split(":")[0]}:…"`);
}

/** A description of the target that is safe to print (no password). */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === "pglite") return `PGlite at ${target.dataDir}`;
  const u = new URL(target.url);
  return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
}
