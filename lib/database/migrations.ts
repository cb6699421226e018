import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type {
  DiagnoseMigrationHistoryOutput,
  MigrationList,
  SchemaEngine,
} from "@prisma/schema-engine-wasm";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { openAdapter } from "./client";
import type { DatabaseTarget } from "./target";

/**
 * Offline migrations for Prisma 7: the official schema engine compiled to wasm
 * (@prisma/schema-engine-wasm), driven over a driver adapter. The native engine the Prisma CLI
 * would use needs a download this project cannot rely on. The engine writes the standard
 * `_prisma_migrations` table (under an advisory lock on PostgreSQL), so `prisma migrate deploy`
 * stays interchangeable with `applyMigrations` below.
 */

const SCHEMA_FILE = "prisma/schema.prisma";
const MIGRATIONS_DIR = "prisma/migrations";
const NO_FILTER = { externalTables: [], externalEnums: [] };

type WasmGlue = typeof import("@prisma/schema-engine-wasm/schema_engine_bg") & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
};

let enginePromise: Promise<typeof SchemaEngine> | undefined;

/** Loads the wasm engine once. Node 20 cannot `import` a .wasm file, so it is instantiated here. */
function loadEngine(): Promise<typeof SchemaEngine> {
  enginePromise ??= (async () => {
    const gluePath = fileURLToPath(import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
    const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as WasmGlue;
    const bytes = fs.readFileSync(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": glue });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue.SchemaEngine;
  })();
  return enginePromise;
}

type Adapter = Awaited<ReturnType<SqlMigrationAwareDriverAdapterFactory["connect"]>>;

/**
 * @prisma/adapter-pg runs a script by splitting it on every ";", which breaks any migration that
 * defines a function ($$ … ; … $$). Postgres itself runs a whole multi-statement script in one
 * simple-protocol query, as the native engine and `prisma migrate deploy` send it; do the same.
 */
function wholeScripts(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  const wrap = async (pending: Promise<Adapter>): Promise<Adapter> => {
    const adapter = await pending;
    const driver = (adapter as Adapter & { underlyingDriver?: () => { query(sql: string): Promise<unknown> } }).underlyingDriver?.();
    if (!driver) return adapter;
    return new Proxy(adapter, {
      get(target, prop, receiver) {
        if (prop === "executeScript") return async (script: string) => void (await driver.query(script));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => wrap(factory.connect()),
    connectToShadowDb: () => wrap(factory.connectToShadowDb()),
  };
}

/** Reads prisma/migrations into the engine's MigrationList shape. */
export function readMigrationsList(root = process.cwd()): MigrationList {
  const baseDir = path.join(root, MIGRATIONS_DIR);
  const lockPath = path.join(baseDir, "migration_lock.toml");
  const dirs = fs.existsSync(baseDir)
    ? fs
        .readdirSync(baseDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => {
      const file = path.join(baseDir, name, "migration.sql");
      return {
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: fs.existsSync(file)
            ? { tag: "ok" as const, value: fs.readFileSync(file, "utf8") }
            : { tag: "error" as const, value: `missing ${file}` },
        },
      };
    }),
  };
}

function schemaFiles(root: string) {
  const file = path.join(root, SCHEMA_FILE);
  return [{ path: file, content: fs.readFileSync(file, "utf8") }];
}

/**
 * Runs `fn` with a schema engine connected to `factory`, then frees the engine. The engine's
 * log lines go to `log` (silent by default).
 */
async function withEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  root: string,
  fn: (engine: SchemaEngine) => Promise<T>,
  log: (line: string) => void = () => {},
): Promise<T> {
  const Engine = await loadEngine();
  const datamodels = schemaFiles(root).map((f) => [f.path, f.content] as [string, string]);
  const engine = await Engine.new({ datamodels }, log, bindMigrationAwareSqlAdapterFactory(factory.adapterName === "@prisma/adapter-pg" ? wholeScripts(factory) : factory));
  try {
    return await fn(engine);
  } finally {
    engine.free();
  }
}

/**
 * Applies every pending migration in prisma/migrations to the target (what `prisma migrate
 * deploy` does).
 *
 * @returns names of the migrations applied now (empty when already up to date).
 * @throws Error when a migration fails or the history was edited; the database then needs
 *   attention (see `migrationStatus`).
 */
export async function applyMigrations(target: DatabaseTarget, root = process.cwd()): Promise<string[]> {
  const handle = await openAdapter(target);
  try {
    return await withEngine(handle.factory, root, async (engine) => {
      const out = await engine.applyMigrations({ migrationsList: readMigrationsList(root), filters: NO_FILTER });
      return out.appliedMigrationNames;
    });
  } finally {
    await handle.close();
  }
}

/** What the migration history of the target looks like relative to prisma/migrations. */
export async function migrationStatus(target: DatabaseTarget, root = process.cwd()): Promise<DiagnoseMigrationHistoryOutput> {
  const handle = await openAdapter(target);
  try {
    return await withEngine(handle.factory, root, (engine) =>
      engine.diagnoseMigrationHistory({ migrationsList: readMigrationsList(root), optInToShadowDatabase: false, filters: NO_FILTER }),
    );
  } finally {
    await handle.close();
  }
}

/**
 * The SQL that takes a database built from prisma/migrations to prisma/schema.prisma, or null
 * when they already agree. Computed against a throw-away in-memory PGlite, never a real server.
 */
export async function diffSchemaAgainstMigrations(root = process.cwd()): Promise<string | null> {
  const scratch = new PGlite();
  try {
    return await withEngine(new PrismaPGlite(scratch), root, async (engine) => {
      const result = await engine.diff({
        from: { tag: "migrations", ...readMigrationsList(root) },
        to: { tag: "schemaDatamodel", files: schemaFiles(root) },
        script: true,
        exitCode: true,
        filters: NO_FILTER,
      });
      return result.exitCode === 2 ? (result.stdout ?? "") : null;
    });
  } finally {
    await scratch.close();
  }
}

/**
 * Writes a new migration `prisma/migrations/<timestamp>_<name>/migration.sql` holding the diff
 * between the existing migrations and the schema (`prisma migrate dev --create-only`, offline).
 *
 * @returns the new directory's name, or null when the schema has no changes.
 */
export async function createMigration(name: string, root = process.cwd()): Promise<string | null> {
  const lock = path.join(root, MIGRATIONS_DIR, "migration_lock.toml");
  if (!fs.existsSync(lock)) {
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
  }
  const sql = await diffSchemaAgainstMigrations(root);
  if (sql === null) return null;
  const stamp = new Date().toISOString().replace(/[-:TZ.]/g, "").slice(0, 14);
  const dirName = `${stamp}_${name.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}`;
  const dir = path.join(root, MIGRATIONS_DIR, dirName);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "migration.sql"), sql);
  return dirName;
}
