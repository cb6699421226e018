/**
 * Database commands that work offline (the Prisma CLI's migrate commands need a downloaded engine):
 *   npm run db:migrate            apply pending migrations to DATABASE_URL (PGlite by default)
 *   npm run db:status             show the migration history's state
 *   npm run db:migration -- NAME  write a new migration from schema.prisma changes
 *   npm run db:seed:payments -- N write N realistic demo payments (default 100,000; dev only)
 */
import { applyMigrations, createMigration, migrationStatus } from "@/lib/database/migrations";
import { openDatabase } from "@/lib/database/client";
import { describeTarget, parseDatabaseUrl } from "@/lib/database/target";
import { seedPayments } from "@/lib/demo/seed-payments";

async function main() {
  const [command, arg] = process.argv.slice(2);
  const target = parseDatabaseUrl(process.env.DATABASE_URL);
  switch (command) {
    case "migrate": {
      const applied = await applyMigrations(target);
      console.log(applied.length ? `Applied ${applied.join(", ")} to ${describeTarget(target)}` : `${describeTarget(target)} is up to date`);
      return;
    }
    case "status": {
      const status = await migrationStatus(target);
      console.log(`${describeTarget(target)}:`);
      console.log(JSON.stringify(status, null, 2));
      if (status.history || status.failedMigrationNames.length || status.editedMigrationNames.length) process.exitCode = 1;
      return;
    }
    case "migration": {
      if (!arg) throw new Error("usage: npm run db:migration -- <name>");
      const dir = await createMigration(arg);
      console.log(dir ? `Wrote prisma/migrations/${dir}/migration.sql` : "schema.prisma matches the migrations: nothing to write");
      return;
    }
    case "seed-payments": {
      const count = Number(arg ?? 100_000);
      if (!Number.isInteger(count) || count <= 0) throw new Error("usage: npm run db:seed:payments -- <count>");
      const db = await openDatabase(target);
      try {
        const started = Date.now();
        const written = await seedPayments(db.prisma, count);
        console.log(`Wrote ${written.toLocaleString("en-US")} demo payments to ${describeTarget(target)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } finally {
        await db.close();
      }
      return;
    }
    default:
      throw new Error(`unknown command "${command}": migrate | status | migration <name> | seed-payments [count]`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof Error && error.cause) console.error("cause:", error.cause);
  process.exit(1);
});
