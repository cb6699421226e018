import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaClient } from "@/lib/generated/prisma/client";
import type { DatabaseTarget } from "./target";

/** A driver adapter factory plus the resources behind it, closed together. */
export type AdapterHandle = {
  factory: SqlMigrationAwareDriverAdapterFactory;
  close: () => Promise<void>;
};

/**
 * Opens the driver adapter for a target: node-postgres pool for PostgreSQL, in-process PGlite
 * (with its lock) otherwise. The caller owns the handle and must `close()` it.
 *
 * Each driver is imported only when its kind of database is opened: a server on PostgreSQL never
 * loads PGlite, nor one on PGlite node-postgres (a few MiB of heap each, in every module graph
 * that opens the database).
 */
export async function openAdapter(target: DatabaseTarget): Promise<AdapterHandle> {
  if (target.kind === "postgres") {
    const [{ PrismaPg }, { default: pg }] = await Promise.all([import("@prisma/adapter-pg"), import("pg")]);
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    return { factory: new PrismaPg(pool), close: () => pool.end() };
  }
  const [{ PrismaPGlite }, { openPglite }] = await Promise.all([import("pglite-prisma-adapter"), import("./pglite")]);
  const { pglite, close } = await openPglite(target.dataDir);
  return { factory: new PrismaPGlite(pglite), close };
}

/** A Prisma client together with the `close()` that also releases its driver. */
export type Database = { prisma: PrismaClient; close: () => Promise<void> };

/** Opens a Prisma client on the target. The caller must `close()` it (releases a PGlite lock). */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  const handle = await openAdapter(target);
  const prisma = new PrismaClient({ adapter: handle.factory });
  return {
    prisma,
    close: async () => {
      await prisma.$disconnect();
      await handle.close();
    },
  };
}
