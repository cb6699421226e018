/**
 * The error boundary (lib/errors.ts) with real errors: Prisma's own, from a PostgreSQL address
 * nothing listens on and from a real (PGlite) database refusing a duplicate; and a TollgateError
 * made by another copy of the module, as another Next bundle makes one.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { openDatabase, type Database } from "@/lib/database/client";
import { applyMigrations } from "@/lib/database/migrations";
import { databaseUnreachable, errorResponse, TollgateError } from "@/lib/errors";
import { freePort } from "../support/ports";

const opened: Database[] = [];
let tmp: string | undefined;
afterAll(async () => {
  for (const db of opened) await db.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** What `run` throws. */
async function thrown(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("errorResponse", () => {
  it("answers a database out of reach with 503 database_unavailable and Retry-After, naming nothing internal", async () => {
    const port = await freePort(); // nothing listens there
    const db = await openDatabase({ kind: "postgres", url: `postgres://tollgate@127.0.0.1:${port}/tollgate` });
    opened.push(db);
    // A model query (Prisma's P1001) and a raw one (P2010, naming the driver's DatabaseNotReachable).
    for (const error of [await thrown(() => db.prisma.siwxNonce.findFirst()), await thrown(() => db.prisma.$queryRaw`SELECT 1`)]) {
      expect(databaseUnreachable(error)).toBe(true);
      const response = errorResponse(error, "test");
      expect(response.status).toBe(503);
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      const text = await response.text();
      expect(JSON.parse(text).error.code).toBe("database_unavailable");
      expect(text).not.toContain(String(port));
    }
  });

  it("answers any other database error as what it is, a bug: 500 internal", async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-errors-"));
    const target = { kind: "pglite" as const, dataDir: path.join(tmp, "db") };
    await applyMigrations(target);
    const db = await openDatabase(target);
    opened.push(db);
    await db.prisma.siwxNonce.create({ data: { nonce: "n-1" } });
    const duplicate = await thrown(() => db.prisma.siwxNonce.create({ data: { nonce: "n-1" } }));
    expect(databaseUnreachable(duplicate)).toBe(false);
    const response = errorResponse(duplicate, "test");
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: "internal", message: "Internal error" } });
  });

  it("does not take an error that only claims a code for Prisma's", () => {
    expect(databaseUnreachable({ code: "P1001" })).toBe(false);
    expect(databaseUnreachable(Object.assign(new Error("x"), { code: "P1001" }))).toBe(false);
    expect(databaseUnreachable(null)).toBe(false);
    expect(databaseUnreachable("P1001")).toBe(false);
  });

  it("keeps the code and status of a TollgateError made by another copy of the module (another bundle)", async () => {
    vi.resetModules();
    const other = await import("@/lib/errors");
    expect(other.TollgateError).not.toBe(TollgateError);
    const foreign = new other.TollgateError("facilitator_unavailable", "The payment facilitator is unavailable; try again shortly");
    expect(foreign instanceof TollgateError).toBe(true);
    const response = errorResponse(foreign, "test");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { code: "facilitator_unavailable", message: "The payment facilitator is unavailable; try again shortly" } });
    expect(new Error("plain") instanceof TollgateError).toBe(false);
    expect({ code: "facilitator_unavailable", status: 503 } instanceof TollgateError).toBe(false);
  });
});
