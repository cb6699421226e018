/**
 * The loopback (UPSTREAM_ORIGIN) carries the paywall render a browser gets for a priced page, and
 * every paid request to its handler. Here it runs through a TCP relay (the place a load balancer
 * takes when several instances share UPSTREAM_ORIGIN) that can reset a connection once a request
 * is on it: what a kept-alive connection the server closed as idle does to the next request sent
 * on it (nodejs/undici#3141). Real parts otherwise: the devnet with its facilitator, PGlite, the
 * built app under `next start`, the official paying client.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, parseAbiItem, type Address, type Hex } from "viem";
import { openDatabase } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { createPayingFetch } from "@/scripts/agent-client";
import { balanceOf } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext, type NextServer } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { assertThrowawayDatabase } from "../support/postgres";

const DEEP_DIVE = "/articles/deep-dive";
/** Text only the paid article holds (its calculator), never the paywall. */
const ARTICLE_ONLY = "calc-total";

/**
 * A TCP relay to `target`. While drops are pending, the next request bytes to arrive, on a new
 * connection or a kept-alive one, get that connection reset instead of passed on, and are counted.
 */
async function startRelay(port: number, target: number) {
  let pending = 0;
  let dropped = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    const upstream = net.connect(target, "127.0.0.1");
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.on("data", (chunk: Buffer) => {
      if (pending > 0) {
        pending--;
        dropped++;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    client.on("end", () => upstream.end());
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    /** Resets the connections of the next `n` requests (Infinity: all of them until `pass()`). */
    drop(n: number) {
      pending = n;
    },
    pass() {
      pending = 0;
    },
    dropped: () => dropped,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("a loopback that drops connections", () => {
  let devnet: Devnet;
  let app: NextServer;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-paywall-render-"));
  const databaseUrl = `pglite:${tmp}/db`;

  const balance = (owner: string) => balanceOf(devnet.config.rpcUrl, devnet.config.asset.address as Address, owner as Address);
  /** Buyer `i` pays for `path` with the official client. */
  const pay = (i: number, path: string, init?: RequestInit) => createPayingFetch(devnet.config, devnet.config.buyers[i]!.privateKey as Hex)(`${app.url}${path}`, init);
  /** A browser's request for the priced page. */
  const visit = () => fetch(`${app.url}${DEEP_DIVE}`, { headers: { accept: "text/html,application/xhtml+xml" } });

  beforeAll(async () => {
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    assertThrowawayDatabase(databaseUrl);
    await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet.config);
    const [appPort, relayPort] = [await freePort(), await freePort()];
    relay = await startRelay(relayPort, appPort);
    app = await startNext({
      mode: "start",
      port: appPort,
      env: { ...devnetAppEnv(devnet.config), DATABASE_URL: databaseUrl, AUTH_SECRET: "paywall-render-secret-0123456789abcdef0123", UPSTREAM_ORIGIN: `http://127.0.0.1:${relayPort}` },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await relay?.close();
    await devnet?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("renders the paywall when the loopback connections it drew were reset under the request", async () => {
    const first = await visit();
    expect(first.status).toBe(402);
    expect(await first.text()).toContain('data-testid="paywall-title"');

    relay.drop(2);
    const res = await visit();
    expect(res.status).toBe(402);
    const html = await res.text();
    expect(html).toContain('data-testid="paywall-title"');
    expect(html).not.toContain(ARTICLE_ONLY);
    // Both resets were met, and the third attempt rendered the page.
    expect(relay.dropped()).toBe(2);
  });

  it("when the paywall cannot be rendered, a visitor reads a 402 page that says so, with PAYMENT-REQUIRED and no content", async () => {
    relay.drop(Infinity);
    try {
      const before = relay.dropped();
      const res = await visit();
      expect(res.status).toBe(402);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.headers.get("cache-control")).toContain("no-store");
      const html = await res.text();
      expect(html).toContain("<h1>Payment required</h1>");
      expect(html).toContain("Nothing was charged");
      expect(html).not.toContain(ARTICLE_ONLY);
      expect(html).not.toContain('data-testid="paywall-title"');
      const required = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!);
      expect(required.resource.url).toBe(`${app.url}${DEEP_DIVE}`);
      expect(required.accepts.length).toBeGreaterThan(0);
      // Three attempts, no more: a render is asked again only while connections drop.
      expect(relay.dropped() - before).toBe(3);
    } finally {
      relay.pass();
    }
    // Once the loopback works again, so does the paywall.
    const again = await visit();
    expect(again.status).toBe(402);
    expect(await again.text()).toContain('data-testid="paywall-title"');
  });

  it("runs a paid GET again when its loopback connection was reset before any answer: served, charged once", async () => {
    const payer = devnet.config.buyers[0]!.address;
    const before = await balance(payer);
    const drops = relay.dropped();
    relay.drop(1);
    const res = await pay(0, "/api/demo/quote");
    expect(res.status).toBe(200);
    expect((await res.json()).text).toEqual(expect.any(String));
    expect(decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!).success).toBe(true);
    expect(relay.dropped() - drops).toBe(1);
    expect(await balance(payer)).toBe(before - 10_000n);
  });

  it("never runs a paid POST again (its handler may have run): 502, nothing charged; a new payment then goes through", async () => {
    const payer = devnet.config.buyers[1]!.address;
    const before = await balance(payer);
    const init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "One. Two. Three.", sentences: 1 }) };
    const drops = relay.dropped();
    relay.drop(1);
    const res = await pay(1, "/api/demo/summarize", init);
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe("upstream_unreachable");
    expect(relay.dropped() - drops).toBe(1);
    expect(await balance(payer)).toBe(before);
    const retried = await pay(1, "/api/demo/summarize", init);
    expect(retried.status).toBe(200);
    expect(await balance(payer)).toBe(before - 50_000n);
  });

  it("books what moved: the settled rows are the transfers to the merchant, amount for amount, and none is left pending", async () => {
    await app.stop(); // PGlite serves one process: read it once the app is gone
    const db = await openDatabase(parseDatabaseUrl(databaseUrl));
    try {
      const rows = await db.prisma.payment.findMany();
      expect(rows.filter((r) => r.status !== "settled")).toEqual([]);
      const logs = await createPublicClient({ transport: http(devnet.config.rpcUrl) }).getLogs({
        address: devnet.config.asset.address as Address,
        event: parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)"),
        args: { to: devnet.config.payTo as Address },
        fromBlock: 0n,
      });
      const byTx = (a: { transaction: string }, b: { transaction: string }) => a.transaction.localeCompare(b.transaction);
      const transfers = logs.map((l) => ({ transaction: l.transactionHash, amount: l.args.value!.toString() })).sort(byTx);
      expect(transfers).toHaveLength(2);
      expect(rows.map((r) => ({ transaction: r.transaction!, amount: r.amount.toFixed(0) })).sort(byTx)).toEqual(transfers);
    } finally {
      await db.close();
    }
  });
});
