import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { openPglite } from "./pglite";
import type { DatabaseTarget } from "./target";

/** A driver adapter factory plus the resources behind it, closed together. */
export type AdapterHandle = {
  factory: SqlMigrationAwareDriverAdapterFactory;
  close: () => Promise<void>;
};

/**
 * Opens the driver adapter for a target: node-postgres pool for PostgreSQL, in-process PGlite
 * (with its lock) otherwise. The caller owns the handle and must `close()` it.
 */
export async function openAdapter(target: DatabaseTarget): Promise<AdapterHandle> {
  if (target.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    return { factory: new PrismaPg(pool), close: () => pool.end() };
  }
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
