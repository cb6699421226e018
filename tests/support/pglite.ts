import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { openDatabase, type Database } from "@/lib/database/client";
import { applyMigrations } from "@/lib/database/migrations";

/**
 * A fresh, migrated PGlite database for the calling test file: opened before its tests (in a
 * temp dir named after `name`), closed and removed after them.
 *
 * @returns a getter for the open database (valid inside tests and hooks, not at import time).
 */
export function usePglite(name: string): () => Database {
  let db: Database | undefined;
  let tmp: string | undefined;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), `tollgate-${name}-`));
    const target = { kind: "pglite" as const, dataDir: path.join(tmp, "db") };
    await applyMigrations(target);
    db = await openDatabase(target);
  });
  afterAll(async () => {
    await db?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
  return () => {
    if (!db) throw new Error("usePglite: the database opens in beforeAll");
    return db;
  };
}
