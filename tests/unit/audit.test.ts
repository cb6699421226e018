/**
 * The reconciler (lib/settlement/reconciler.ts: open payments, the audit of settled ones) when a
 * network's RPC does not answer, on a real PGlite with the real migrations. The RPC is a local HTTP server that
 * answers every call 500 (a chain node that is down behind its load balancer): what the audit does
 * with a real answer is exercised against anvil and the local Solana in ledger.test.ts and
 * solana.test.ts.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordSettled, recordUnknown } from "@/lib/payments/mutations";
import { reconcileOnce } from "@/lib/settlement/reconciler";
import { settlingPayment } from "../support/payments";
import { usePglite } from "../support/pglite";

const database = usePglite("audit");
let server: http.Server;
let calls = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    calls++;
    req.resume().on("end", () => res.writeHead(500, { "content-type": "text/plain" }).end("node down"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Base Sepolia (84532), the support rows' network, read through the dead node.
  vi.stubEnv("EVM_CHAINS", JSON.stringify({ "84532": { rpcUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } }));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((resolve) => server.close(resolve));
});

/** Waits until the clock is past every given row's `checkedAt` (ms precision), so that olderThanMs 0 takes them all. */
async function pastCheckedAt(ids: string[]): Promise<void> {
  const latest = Math.max(...(await database().prisma.payment.findMany({ where: { id: { in: ids } } })).map((r) => (r.checkedAt ?? r.updatedAt).getTime()));
  while (Date.now() <= latest) await new Promise((r) => setTimeout(r, 1));
}

describe("the reconciler with a network whose RPC does not answer", () => {
  it("asks a network whose RPC does not answer once per pass, not once per payment, and leaves its payments settled and unconfirmed", async () => {
    const db = database().prisma;
    const route = await db.pricedRoute.create({ data: { method: "GET", pathPattern: "/api/items/:id" } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const nonce = `0x${(i + 1).toString(16).padStart(64, "0")}`;
      const id = await settlingPayment(db, route.id, { onchainRef: { kind: "eip3009", from: "0x1111111111111111111111111111111111111111", nonce, validBefore: "9999999999" } });
      await recordSettled(db, id, { transaction: `0x${(i + 1).toString(16).padStart(64, "b")}` });
      ids.push(id);
    }
    await pastCheckedAt(ids);

    const summary = await reconcileOnce(db, { olderThanMs: 0, scanOrphans: false });
    expect(summary.decisions.filter((d) => d.startsWith("audit of eip155:84532"))).toEqual(["audit of eip155:84532: its RPC did not answer; settled payments there are audited on a later pass"]);
    expect(summary).toMatchObject({ confirmed: 0, disproved: 0 });
    // One receipt read, with viem's one retry: not five rows' worth of timeouts.
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(2);
    const rows = await db.payment.findMany({ where: { id: { in: ids } } });
    expect(rows.map((r) => [r.status, r.confirmedAt])).toEqual(ids.map(() => ["settled", null]));
  });

  it("asks it once per pass for the open payments too, and then audits none there", async () => {
    const db = database().prisma;
    const route = await db.pricedRoute.create({ data: { method: "GET", pathPattern: "/api/open/:id" } });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const nonce = `0x${(i + 100).toString(16).padStart(64, "0")}`;
      const id = await settlingPayment(db, route.id, { onchainRef: { kind: "eip3009", from: "0x1111111111111111111111111111111111111111", nonce, validBefore: "9999999999" } });
      await recordUnknown(db, id, "facilitator_unavailable: settle timed out");
      ids.push(id);
    }
    await pastCheckedAt(ids);
    calls = 0;
    const summary = await reconcileOnce(db, { olderThanMs: 0, scanOrphans: false });
    expect(summary.decisions.filter((d) => d.includes("wait for the next pass"))).toHaveLength(1);
    expect(summary.decisions.filter((d) => d.startsWith("audit of"))).toEqual([]);
    expect(summary).toMatchObject({ checked: 1, unresolved: 1, settled: 0, failed: 0 });
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(2);
    expect((await db.payment.findMany({ where: { id: { in: ids } } })).map((r) => r.status)).toEqual(ids.map(() => "unknown"));
  });
});
