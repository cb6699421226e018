import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./ports";

/**
 * A throwaway PostgreSQL cluster on 127.0.0.1 owned by one test run. `halt()` shuts the server
 * down (data kept) and `resume()` starts it again on the same port: a database outage on cue.
 */
export type TestPostgres = { url: string; stop: () => Promise<void>; halt: () => void; resume: () => void };

/** The PostgreSQL binaries directory (PG_BIN, else the newest /usr/lib/postgresql/N/bin), or null. */
export function findPostgresBin(): string | null {
  if (process.env.PG_BIN) return fs.existsSync(path.join(process.env.PG_BIN, "initdb")) ? process.env.PG_BIN : null;
  const base = "/usr/lib/postgresql";
  if (!fs.existsSync(base)) return null;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, "bin/initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], "bin") : null;
}

/**
 * Starts a fresh cluster in a temp directory on a free port (initdb + pg_ctl; as the `postgres`
 * user when running as root, since PostgreSQL refuses root), creates database `tollgate_test`,
 * and returns its URL. `stop()` shuts it down and deletes the directory.
 */
export async function startPostgres(bin: string): Promise<TestPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-pg-"));
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = path.join(bin, cmd);
    const result = asRoot
      ? spawnSync("runuser", ["-u", "postgres", "--", full, ...args], { encoding: "utf8" })
      : spawnSync(full, args, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${cmd} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  if (asRoot) execFileSync("chown", ["postgres:postgres", dir]);
  const data = path.join(dir, "data");
  const port = await freePort();
  run("initdb", ["-D", data, "-U", "tollgate", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const start = () => run("pg_ctl", ["-D", data, "-l", path.join(dir, "log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`, "start"]);
  start();
  const admin = new pg.Client({ connectionString: `postgres://tollgate@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query("CREATE DATABASE tollgate_test");
  await admin.end();
  return {
    url: `postgres://tollgate@127.0.0.1:${port}/tollgate_test`,
    halt: () => run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]),
    resume: start,
    stop: async () => {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Refuses any database URL that is not a local throwaway: tests must never touch real data. */
export function assertThrowawayDatabase(url: string): void {
  if (url.startsWith("pglite:")) {
    if (!path.resolve(url.slice(7)).startsWith(os.tmpdir())) throw new Error(`refusing PGlite outside the temp dir: ${url}`);
    return;
  }
  const u = new URL(url);
  if (u.hostname !== "127.0.0.1" || !u.pathname.endsWith("_test")) throw new Error(`refusing a non-throwaway database: ${u.hostname}${u.pathname}`);
}

/** One database a suite runs on: PGlite always, PostgreSQL when its binaries are here. */
export type DatabaseLeg = { name: "PGlite" | "PostgreSQL"; skip: boolean };

/**
 * The two databases the money-path suites run on, for `describe.each(databaseLegs())`. Without
 * PostgreSQL binaries (PG_BIN, else /usr/lib/postgresql) its leg is skipped with a notice, and
 * under CI=true that is an error: the PostgreSQL leg must never be skipped silently there.
 * @throws when CI=true and no PostgreSQL binaries are found.
 */
export function databaseLegs(): DatabaseLeg[] {
  const bin = findPostgresBin();
  if (!bin) {
    if (process.env.CI === "true") throw new Error("CI=true: the PostgreSQL leg must run, but no PostgreSQL binaries were found (install postgresql)");
    console.warn("\nNOTICE: no PostgreSQL binaries found (set PG_BIN); the PostgreSQL leg of the integration tests is SKIPPED.\n");
  }
  return [
    { name: "PGlite", skip: false },
    { name: "PostgreSQL", skip: !bin },
  ];
}

/** A throwaway database: its URL (`postgres://…_test` or `pglite:<temp dir>`) and how to delete it. */
export type TestDatabase = { url: string; stop: () => Promise<void> };

/**
 * Starts an empty throwaway database for one leg: a fresh PostgreSQL cluster, or a PGlite
 * directory under the temp dir named after `label`. The URL has passed assertThrowawayDatabase;
 * `stop()` shuts the server down (PostgreSQL) and deletes the data.
 * @throws when the leg is PostgreSQL and no binaries are found, or the cluster fails to start.
 */
export async function startTestDatabase(leg: DatabaseLeg["name"], label: string): Promise<TestDatabase> {
  if (leg === "PostgreSQL") {
    const bin = findPostgresBin();
    if (!bin) throw new Error("no PostgreSQL binaries found (set PG_BIN)");
    const postgres = await startPostgres(bin);
    assertThrowawayDatabase(postgres.url);
    return postgres;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tollgate-${label}-`));
  const url = `pglite:${dir}/db`;
  assertThrowawayDatabase(url);
  return { url, stop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}
