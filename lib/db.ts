import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { openDatabase, type Database } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { env } from "@/lib/env";
import { TollgateError } from "@/lib/errors";

const globalForDb = globalThis as typeof globalThis & { __tollgateDb?: Promise<Database> };

/**
 * The app's Prisma client, opened once per process on first use (never at build time) and shared
 * by the proxy and route handlers through globalThis. PGlite takes its lock here.
 *
 * @throws TollgateError `database_unavailable` (503) when the database cannot be opened; the next
 *   call tries again.
 */
export async function getDb(): Promise<PrismaClient> {
  globalForDb.__tollgateDb ??= openDatabase(parseDatabaseUrl(env().databaseUrl));
  try {
    return (await globalForDb.__tollgateDb).prisma;
  } catch (cause) {
    globalForDb.__tollgateDb = undefined;
    throw new TollgateError("database_unavailable", "The database is unavailable", { cause });
  }
}
