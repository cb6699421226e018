import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";

/**
 * Opens (creating if needed) a PGlite database in `dataDir`, guarded by a lock file.
 *
 * PGlite has no inter-process locking: two processes opening one directory corrupt it. The lock
 * file `<dataDir>.lock` holds the owner's pid; a lock left by a dead process is taken over, one
 * held by a live process (this one included) is refused.
 *
 * @returns the database and a `close()` that closes it and releases the lock.
 * @throws Error when another live process holds the lock.
 */
export async function openPglite(dataDir: string): Promise<{ pglite: PGlite; close: () => Promise<void> }> {
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const lockPath = `${dataDir}.lock`;
  acquireLock(lockPath);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dataDir);
  } catch (error) {
    releaseLock(lockPath);
    throw new Error(`Could not open PGlite at ${dataDir}`, { cause: error });
  }
  const release = () => releaseLock(lockPath);
  process.once("exit", release);
  return {
    pglite,
    close: async () => {
      await pglite.close();
      release();
      process.off("exit", release);
    },
  };
}

function acquireLock(lockPath: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(fs.readFileSync(lockPath, "utf8").trim());
      if (owner !== process.pid && !isAlive(owner)) {
        fs.rmSync(lockPath, { force: true });
        continue;
      }
      throw new Error(
        `The embedded database ${lockPath.slice(0, -".lock".length)} is in use by ${owner === process.pid ? "this process" : `process ${owner}`}. ` +
          "PGlite serves one process at a time: stop that process, or use PostgreSQL (DATABASE_URL=postgres://…).",
      );
    }
  }
  throw new Error(`Could not take the PGlite lock ${lockPath}`);
}

function releaseLock(lockPath: string): void {
  try {
    if (Number(fs.readFileSync(lockPath, "utf8").trim()) === process.pid) fs.rmSync(lockPath, { force: true });
  } catch {
    // Already gone: nothing to release.
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
