import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openPglite } from "@/lib/database/pglite";

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-lock-"));
  dirs.push(d);
  return path.join(d, "db");
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("openPglite lock", () => {
  it("refuses a second open while the first holds the directory, and frees it on close", async () => {
    const dir = tempDir();
    const first = await openPglite(dir);
    await expect(openPglite(dir)).rejects.toThrow(/in use by this process/);
    await first.pglite.query("create table t (x int)");
    await first.close();
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
    const second = await openPglite(dir);
    expect((await second.pglite.query("select count(*)::int as n from t")).rows).toEqual([{ n: 0 }]);
    await second.close();
  });

  it("refuses a directory locked by another live process and takes over a dead one's lock", async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      fs.writeFileSync(`${dir}.lock`, String(child.pid));
      await expect(openPglite(dir)).rejects.toThrow(new RegExp(`in use by process ${child.pid}`));
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill();
      await exited;
    }
    const db = await openPglite(dir);
    expect(fs.readFileSync(`${dir}.lock`, "utf8")).toBe(String(process.pid));
    await db.close();
  });
});
