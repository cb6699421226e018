/**
 * The health checks as a load balancer sees them: `next start` on a real PostgreSQL that is
 * stopped and started again, with the devnet's real facilitator behind a switchboard (and, for a
 * second instance, a facilitator address nothing listens on). /healthz answers whatever is priced
 * or blocked and without a database; /readyz says whether the instance can take paid requests,
 * and being the first to ask the facilitator changes nothing for the payments after it.
 */
import fs from "node:fs";
import { chromium } from "@playwright/test";
import { x402HTTPClient } from "@x402/core/client";
import { decodePaymentResponseHeader } from "@x402/core/http";
import type { Address, Hex } from "viem";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import type { Readiness } from "@/lib/gateway/health";
import { createPricedRoute, deletePricedRoute, setPricedRouteState } from "@/lib/routes/mutations";
import { createX402Client } from "@/scripts/agent-client";
import { balanceOf } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext, type NextServer } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { until } from "../support/until";
import { findPostgresBin, startPostgres, type TestPostgres } from "../support/postgres";
import { sessionCookie } from "../support/session";
import { startSwitchboard } from "../support/switchboard";

const pgBin = findPostgresBin();
if (!pgBin && process.env.CI === "true") throw new Error("CI=true: the health tests need PostgreSQL binaries (install postgresql)");

const readiness = async (server: NextServer) => {
  const res = await fetch(`${server.url}/readyz`);
  return { status: res.status, retryAfter: res.headers.get("retry-after"), cacheControl: res.headers.get("cache-control"), body: (await res.json()) as Readiness };
};
const liveness = async (server: NextServer) => {
  const res = await fetch(`${server.url}/healthz`);
  return { status: res.status, body: await res.json() };
};

describe.skipIf(!pgBin)("health checks (PostgreSQL)", () => {
  let devnet: Devnet;
  let postgres: TestPostgres;
  let db: Database;
  let app: NextServer;
  let other: NextServer | undefined;
  let fresh: NextServer | undefined;
  let switchboard: Awaited<ReturnType<typeof startSwitchboard>>;
  let appEnv: Record<string, string>;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-health-"));
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    postgres = await startPostgres(pgBin!);
    await prepareDatabase(parseDatabaseUrl(postgres.url), devnet.config);
    db = await openDatabase(parseDatabaseUrl(postgres.url));
    switchboard = await startSwitchboard(devnet.config.facilitatorUrl);
    appEnv = {
      ...devnetAppEnv(devnet.config),
      FACILITATOR_URL: switchboard.url,
      DATABASE_URL: postgres.url,
      AUTH_SECRET: "health-test-secret-0123456789abcdef01234567",
      // Route changes made here (another process) reach the app within this.
      ROUTE_REFRESH_MS: "200",
      // No reconciler: a journal entry written by the test stays until the test removes it.
      RECONCILE_INTERVAL_MS: "0",
      SETTLEMENT_JOURNAL_PATH: path.join(tmp, "journal.jsonl"),
    };
    app = await startNext({ mode: "start", port: await freePort(), env: appEnv });
  });

  afterAll(async () => {
    await other?.stop();
    await fresh?.stop();
    await app?.stop();
    await switchboard?.close();
    await db?.close();
    await devnet?.stop();
    await postgres?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("an instance with its database, routes and facilitator is ready; liveness is a plain ok", async () => {
    const ready = await readiness(app);
    expect(ready.status).toBe(200);
    expect(ready.cacheControl).toBe("no-store");
    expect(ready.body).toEqual({ status: "ready", checks: { database: "ok", routes: "ok", facilitator: "ok", journal: "empty" } });
    expect(await liveness(app)).toEqual({ status: 200, body: { status: "ok" } });
    const post = await fetch(`${app.url}/readyz`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  it("are answered even where a route charges or blocks every one-segment path", async () => {
    const option = { network: devnet.config.network, asset: devnet.config.asset.address, amount: "10000", payTo: devnet.config.payTo };
    const id = await createPricedRoute(db.prisma, { method: "GET", pathPattern: "/:page", paymentOptions: [option] }, "test");
    await until("the app charges /anything", async () => (await fetch(`${app.url}/anything`)).status === 402);
    expect((await liveness(app)).status).toBe(200);
    expect((await readiness(app)).body.status).toBe("ready");
    // Spellings an attacker would pick: only the health paths themselves pass unpriced (their RSC
    // form too, which Next answers 404: no page there); any detour through them prices (or
    // refuses) what it leads to.
    for (const [spelling, expected] of [
      ["//healthz", "ok"], ["/./healthz", "ok"], ["/x/../healthz", "ok"], ["/%2e/readyz", "ready"],
      ["/HEALTHZ", 402], ["/healthz.rsc", 404], ["/healthz%3F", 402], ["/healthz/../anything", 402], ["/readyz/%2E%2e/anything", 402],
      ["/healthz/..%2fanything", 400], ["/healthz%2F..%2Fanything", 400],
    ] as const) {
      const res = await fetch(`${app.url}${spelling}`);
      const text = await res.text();
      if (typeof expected === "number") expect(res.status, `${spelling}: ${text.slice(0, 200)}`).toBe(expected);
      else expect([res.status, JSON.parse(text).status], spelling).toEqual([200, expected]);
    }
    await setPricedRouteState(db.prisma, id, "blocked", "test");
    await until("the app blocks /anything", async () => (await fetch(`${app.url}/anything`)).status === 403);
    expect(await liveness(app)).toEqual({ status: 200, body: { status: "ok" } });
    expect((await readiness(app)).body.status).toBe("ready");
    await deletePricedRoute(db.prisma, id, "test");
  });

  it("settled payments waiting in the journal make the instance degraded, still serving (200)", async () => {
    fs.writeFileSync(appEnv.SETTLEMENT_JOURNAL_PATH!, `${JSON.stringify({ at: new Date().toISOString(), paymentId: "p1", outcome: "settled", transaction: `0x${"ab".repeat(32)}` })}\n`);
    const degraded = await readiness(app);
    expect(degraded.status).toBe(200);
    expect(degraded.body).toEqual({ status: "degraded", checks: { database: "ok", routes: "ok", facilitator: "ok", journal: "pending" } });
    fs.writeFileSync(appEnv.SETTLEMENT_JOURNAL_PATH!, ""); // replayed: the file is emptied
    expect((await readiness(app)).body.status).toBe("ready");
  });

  it("while the database is down the instance is not ready (503, Retry-After) and still live; ready again once it is back", async () => {
    postgres.halt();
    try {
      const down = await readiness(app);
      expect(down.status).toBe(503);
      expect(Number(down.retryAfter)).toBeGreaterThan(0);
      // The routes loaded before the outage still price requests; nothing can be claimed or recorded.
      expect(down.body).toEqual({ status: "not_ready", checks: { database: "unavailable", routes: "ok", facilitator: "ok", journal: "empty" } });
      expect(await liveness(app)).toEqual({ status: 200, body: { status: "ok" } });
      // A handler that needs the database says it is away: 503 with Retry-After, never a 500.
      const nonce = await fetch(`${app.url}/api/auth/nonce`, { method: "POST", headers: { origin: app.url } });
      expect(nonce.status).toBe(503);
      expect(Number(nonce.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await nonce.json()).error.code).toBe("database_unavailable");
    } finally {
      postgres.resume();
    }
    await until("the app is ready again", async () => (await readiness(app)).body.status === "ready");
  });

  it("a dashboard page opened while the database is down answers 503 with a page readable without JavaScript, and loads from its 'Try again' once the database is back", async () => {
    const cookie = await sessionCookie(appEnv.AUTH_SECRET!, devnet.config.payTo, app.url);
    const [name, value] = cookie.split(/=(.*)/s) as [string, string];
    const open = (p: string, headers: Record<string, string> = {}) => fetch(`${app.url}${p}`, { headers: { cookie, ...headers }, redirect: "manual" });
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
    postgres.halt();
    let resumed = false;
    try {
      // What a browser, or a client without JavaScript, gets when it opens the address: the answer
      // itself says it (Next's own answer to a failed render is a 500 with an empty shell).
      const down = await until("a dashboard page is answered 503", async () => {
        const res = await open("/dashboard/payments", { accept: "text/html" });
        return res.status === 503 ? res : undefined;
      });
      expect(Number(down.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(down.headers.get("content-type")).toMatch(/^text\/html/);
      expect(down.headers.get("cache-control")).toBe("no-store");
      const html = await down.text();
      expect(html).toContain("<h1>Dashboard briefly unavailable</h1>");
      expect(html).toContain("cannot reach its database just now");
      expect(html).not.toMatch(/postgres|prisma|127\.0\.0\.1|P10\d\d/i);
      // Every dashboard page (signed in or not, the sign-in page too) and HEAD alike.
      for (const p of ["/dashboard", "/dashboard/routes", "/dashboard/settings", "/dashboard/sign-in"]) {
        expect((await open(p, { accept: "text/html" })).status, p).toBe(503);
      }
      expect((await fetch(`${app.url}/dashboard`, { method: "HEAD", headers: { accept: "text/html" } })).status).toBe(503);
      // A client not asking for HTML (the CSV export, curl) gets the JSON every client reads.
      for (const p of ["/dashboard/payments/export", "/dashboard"]) {
        const res = await open(p);
        expect(res.status, p).toBe(503);
        expect(Number(res.headers.get("retry-after")), p).toBeGreaterThan(0);
        expect(((await res.json()) as { error: { code: string } }).error.code, p).toBe("database_unavailable");
      }
      // What buyers and agents read from the routes the instance holds still answers, with the
      // store's settings as last read: the store's front page and the discovery catalog.
      const home = await fetch(`${app.url}/`, { headers: { accept: "text/html" } });
      expect(home.status).toBe(200);
      expect(await home.text()).toContain("/api/demo/quote");
      const catalog = await fetch(`${app.url}/discovery/resources`);
      expect(catalog.status).toBe(200);
      expect(((await catalog.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);

      const context = await browser.newContext({ javaScriptEnabled: false });
      await context.addCookies([{ name, value, url: app.url }]);
      const page = await context.newPage();
      const answer = await page.goto(`${app.url}/dashboard/payments`);
      expect(answer?.status()).toBe(503);
      await page.getByRole("heading", { name: "Dashboard briefly unavailable" }).waitFor();
      await page.screenshot({ path: path.join("test-results", "integration", "dashboard-database-down-no-js.png"), fullPage: true });
      postgres.resume();
      resumed = true;
      await until("the database answers again", async () => (await readiness(app)).body.checks.database === "ok");
      await page.getByRole("link", { name: "Try again" }).click();
      await page.getByRole("heading", { name: "Payments", exact: true }).waitFor();
      expect(page.url()).toBe(`${app.url}/dashboard/payments`);
    } finally {
      if (!resumed) postgres.resume();
      await browser.close();
    }
  });

  it("a dashboard page reached from within the dashboard while the database is down says in words that it could not be loaded, within its navigation, and loads on 'Try again' once it is back", async () => {
    const [name, value] = (await sessionCookie(appEnv.AUTH_SECRET!, devnet.config.payTo, app.url)).split(/=(.*)/s) as [string, string];
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
    let resumed = true;
    try {
      const context = await browser.newContext();
      await context.addCookies([{ name, value, url: app.url }]);
      const page = await context.newPage();
      await page.goto(`${app.url}/dashboard/routes`);
      await page.getByRole("heading", { name: "Priced routes" }).waitFor();
      postgres.halt();
      resumed = false;
      // A link within the dashboard fetches the next page's server components, not a document.
      await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Payments" }).click();
      const alert = page.getByRole("alert").filter({ hasText: "This page could not be loaded" }); // (Next's route announcer is an alert too)
      const inNavigation = alert.getByRole("heading", { name: "This page could not be loaded" });
      // When the render fails before Next has sent anything, Next answers that fetch with a 500,
      // and its router then loads the address as a document instead, which the proxy answers
      // with its outage page. Which of the two happens is a race inside Next; either says it.
      const notice = page.getByRole("heading", { name: "Dashboard briefly unavailable" });
      await inNavigation.or(notice).waitFor();
      const asDocument = await notice.isVisible();
      if (!asDocument) {
        expect(await alert.textContent()).toContain("its database is unreachable just now");
        await page.getByRole("button", { name: "Sign out" }).waitFor();
        await page.screenshot({ path: path.join("test-results", "integration", "dashboard-database-down.png"), fullPage: true });
      }
      postgres.resume();
      resumed = true;
      await until("the database answers again", async () => (await readiness(app)).body.checks.database === "ok");
      if (asDocument) await page.getByRole("link", { name: "Try again" }).click();
      else await alert.getByRole("button", { name: "Try again" }).click();
      await page.getByRole("heading", { name: "Payments", exact: true }).waitFor();
      expect(page.url()).toBe(`${app.url}/dashboard/payments`);
      expect(await alert.count()).toBe(0);
    } finally {
      if (!resumed) postgres.resume();
      await browser.close();
    }
  });

  it("an instance started without its database is live and not ready; with the database back but no facilitator it is degraded", async () => {
    postgres.halt();
    let resumed = false;
    try {
      // The proxy answers every other request 503 while the priced routes cannot be known.
      other = await startNext({ mode: "start", port: await freePort(), env: { ...appEnv, FACILITATOR_URL: `http://127.0.0.1:${await freePort()}` }, probe: "listening" });
      expect(await liveness(other)).toEqual({ status: 200, body: { status: "ok" } });
      // Every other answer is a 503 with Retry-After (an outage, never a 500): priced or not, API or page.
      for (const p of ["/api/demo/quote", "/api/demo/health", "/.well-known/x402", "/openapi.json", "/llms.txt", "/", "/articles/welcome"]) {
        const res = await fetch(`${other.url}${p}`);
        expect(res.status, `${p}: ${(await res.text()).slice(0, 300)}`).toBe(503);
        expect(Number(res.headers.get("retry-after")), p).toBeGreaterThan(0);
      }
      // The dashboard and its sign-in pass whatever the routes are, and say the same themselves.
      const nonce = await fetch(`${other.url}/api/auth/nonce`, { method: "POST", headers: { origin: other.url } });
      expect(nonce.status).toBe(503);
      expect(((await nonce.json()) as { error: { code: string } }).error.code).toBe("database_unavailable");
      const dashboard = await fetch(`${other.url}/dashboard`, { headers: { accept: "text/html" }, redirect: "manual" });
      expect(dashboard.status).toBe(503);
      expect(await dashboard.text()).toContain("Dashboard briefly unavailable");
      // A person opening a page gets a page saying so, not JSON.
      const page = await fetch(`${other.url}/articles/welcome`, { headers: { accept: "text/html", "sec-fetch-dest": "document" } });
      expect(page.status).toBe(503);
      expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await page.text()).toContain("This site cannot answer just now. Nothing was charged.");
      const down = await readiness(other);
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ status: "not_ready", checks: { database: "unavailable", routes: "unavailable", facilitator: "unavailable", journal: "empty" } });
      postgres.resume();
      resumed = true;
      const degraded = await until("the second instance reads its database", async () => {
        const r = await readiness(other!);
        return r.body.checks.database === "ok" && r.body.checks.routes === "ok" ? r : null;
      });
      expect(degraded.status).toBe(200);
      expect(degraded.body).toEqual({ status: "degraded", checks: { database: "ok", routes: "ok", facilitator: "unavailable", journal: "empty" } });
      // Paid requests fail closed on their own: 503 with Retry-After, nothing charged.
      const quote = await fetch(`${other.url}/api/demo/quote`);
      expect(quote.status, `${await quote.text()}\n${other!.output().slice(-4000)}`).toBe(503);
      expect(quote.headers.get("retry-after")).toBeTruthy();
    } finally {
      if (!resumed) postgres.resume();
    }
  });

  it("an instance whose first call to the facilitator came from /readyz still reads a settle refusal as a refusal: 402 retryable, then served once, charged once", async () => {
    // Route handlers and the proxy are separate bundles sharing the process's x402 services: made
    // here by /readyz, their errors must still be recognized by the proxy.
    fresh = await startNext({ mode: "start", port: await freePort(), env: appEnv });
    expect((await readiness(fresh)).body.status).toBe("ready");
    const buyer = devnet.config.buyers[0]!;
    const balance = () => balanceOf(devnet.config.rpcUrl, devnet.config.asset.address as Address, buyer.address as Address);
    const before = await balance();
    const challenge = await fetch(`${fresh.url}/api/demo/quote`);
    const client = new x402HTTPClient(createX402Client(devnet.config, buyer.privateKey as Hex));
    const headers = client.encodePaymentSignatureHeader(await client.createPaymentPayload(client.getPaymentRequiredResponse((h) => challenge.headers.get(h), await challenge.json())));
    // A facilitator that refuses this settlement without submitting it, as hosted ones do: an HTTP
    // 400 whose body is the verdict (@x402/core throws it as a SettleError).
    switchboard.interceptNextSettle(async () => {
      const failure = { success: false, errorReason: "unexpected_settle_error", errorMessage: "try later", transaction: "", network: devnet.config.network, payer: buyer.address };
      return { kind: "answer", status: 400, text: JSON.stringify(failure) };
    });
    const refused = await fetch(`${fresh.url}/api/demo/quote`, { headers });
    const body = await refused.json();
    expect(refused.status, JSON.stringify(body)).toBe(402);
    expect(body.code).toBe("settlement_failed_retryable");
    expect(await balance()).toBe(before);
    // The same payment presented again is settled now and served; a third time it is used.
    const served = await fetch(`${fresh.url}/api/demo/quote`, { headers });
    expect(served.status).toBe(200);
    expect((await served.json()).text).toEqual(expect.any(String));
    const transaction = decodePaymentResponseHeader(served.headers.get("PAYMENT-RESPONSE")!).transaction;
    expect((await db.prisma.payment.findFirst({ where: { transaction } }))?.status).toBe("settled");
    expect((await fetch(`${fresh.url}/api/demo/quote`, { headers })).status).toBe(402);
    expect(await balance()).toBe(before - 10_000n);
  });
});
