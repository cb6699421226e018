/**
 * The proxy's route table against a real (PGlite) database whose queries are counted: no query
 * per request in steady state, one cheap revision check per ROUTE_REFRESH_MS, a reload only when
 * the revision moved, and an immediate reload after an in-process change.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/lib/database/client";
import { applyMigrations } from "@/lib/database/migrations";
import { seedDemoRoutes } from "@/lib/demo/seed";
import { upsertPricedRoute } from "@/lib/routes/mutations";

const REFRESH_MS = 300;
let tmp: string;
let db: Database;
let queries: string[] = [];
let cache: typeof import("@/lib/gateway/route-cache");

const asset = { address: "0x1111111111111111111111111111111111111111", eip712: { name: "USD Coin", version: "2" } };
const payTo = "0x3333333333333333333333333333333333333333";

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-cache-"));
  const target = { kind: "pglite" as const, dataDir: path.join(tmp, "db") };
  await applyMigrations(target);
  db = await openDatabase(target);
  await seedDemoRoutes(db.prisma, { network: "eip155:84532", asset, altAsset: asset, payTo });
  process.env.ROUTE_REFRESH_MS = String(REFRESH_MS);
  process.env.FACILITATOR_URL = "http://127.0.0.1:9";
  // The app's database handle (lib/db.ts keeps it on globalThis), with every model query recorded.
  const counted = db.prisma.$extends({
    query: { $allModels: { async $allOperations({ model, operation, args, query }) { queries.push(`${model}.${operation}`); return query(args); } } },
  });
  (globalThis as { __tollgateDb?: Promise<unknown> }).__tollgateDb = Promise.resolve({ prisma: counted, close: async () => {} });
  cache = await import("@/lib/gateway/route-cache");
});

afterAll(async () => {
  delete (globalThis as { __tollgateDb?: unknown }).__tollgateDb;
  await db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const priceOfQuote = async () => (await cache.getRouteSnapshot()).table.match("GET", "/api/demo/quote")!.paymentOptions[0]!.amount;

describe("route table cache", () => {
  it("loads once, then answers thousands of lookups without a query", async () => {
    expect(await priceOfQuote()).toBe("10000");
    const afterLoad = queries.length;
    expect(afterLoad).toBeGreaterThan(0);
    for (let i = 0; i < 5000; i++) (await cache.getRouteSnapshot()).table.match("GET", i % 2 ? "/api/demo/quote" : "/articles/deep-dive");
    expect(queries.length).toBe(afterLoad);
  });

  it("checks only the revision once per refresh interval while nothing changed", async () => {
    await sleep(REFRESH_MS + 50);
    queries = [];
    for (let i = 0; i < 100; i++) await cache.getRouteSnapshot();
    await sleep(50); // the background check
    expect(queries).toEqual(["RouteTableRevision.findUnique"]);
  });

  it("picks up a change made elsewhere within one refresh interval", async () => {
    await upsertPricedRoute(db.prisma, { method: "GET", pathPattern: "/api/demo/quote", paymentOptions: [{ network: "eip155:84532", asset: asset.address, amount: "20000", payTo }] });
    expect(await priceOfQuote()).toBe("10000"); // still within the interval: the old table, no query
    await sleep(REFRESH_MS + 50);
    await cache.getRouteSnapshot(); // starts the background check
    await sleep(100);
    expect(await priceOfQuote()).toBe("20000");
  });

  it("applies an in-process change on the very next lookup", async () => {
    await upsertPricedRoute(db.prisma, { method: "GET", pathPattern: "/api/demo/quote", paymentOptions: [{ network: "eip155:84532", asset: asset.address, amount: "30000", payTo }] });
    cache.invalidateRoutes();
    expect(await priceOfQuote()).toBe("30000");
  });
});
