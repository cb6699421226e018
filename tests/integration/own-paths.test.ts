/**
 * The dashboard and its sign-in are the merchant's whatever the routes say: `next start` on a real
 * PostgreSQL with the devnet's real facilitator, a route that charges (then blocks) every path,
 * and the merchant signing in with a real SIWE signature and undoing that route from the
 * dashboard in real Chromium. No detour through a dashboard path reaches priced content free.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { createPricedRoute, deletePricedRoute, setPricedRouteState } from "@/lib/routes/mutations";
import { ACCOUNTS, testKey } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext, type NextServer } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { findPostgresBin, startPostgres, type TestPostgres } from "../support/postgres";
import { until } from "../support/until";

const pgBin = findPostgresBin();
if (!pgBin && process.env.CI === "true") throw new Error("CI=true: these tests need PostgreSQL binaries (install postgresql)");

describe.skipIf(!pgBin)("Tollgate's own paths under a route for every path (PostgreSQL)", () => {
  let devnet: Devnet;
  let postgres: TestPostgres;
  let db: Database;
  let app: NextServer;
  let tmp: string;
  const merchant = privateKeyToAccount(testKey(ACCOUNTS.merchant));

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-own-paths-"));
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    expect(merchant.address.toLowerCase()).toBe(devnet.config.payTo.toLowerCase());
    postgres = await startPostgres(pgBin!);
    await prepareDatabase(parseDatabaseUrl(postgres.url), devnet.config);
    db = await openDatabase(parseDatabaseUrl(postgres.url));
    app = await startNext({
      mode: "start",
      port: await freePort(),
      env: {
        ...devnetAppEnv(devnet.config),
        DATABASE_URL: postgres.url,
        AUTH_SECRET: "own-paths-test-secret-0123456789abcdef0123",
        // Route changes made here (another process) reach the app within this.
        ROUTE_REFRESH_MS: "200",
        RECONCILE_INTERVAL_MS: "0",
        SETTLEMENT_JOURNAL_PATH: path.join(tmp, "journal.jsonl"),
      },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await db?.close();
    await devnet?.stop();
    await postgres?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Signs the merchant in as the dashboard's sign-in page does (nonce, SIWE message, signature): the session cookie. */
  const signIn = async (): Promise<string> => {
    const nonceRes = await fetch(`${app.url}/api/auth/nonce`, { method: "POST", headers: { origin: app.url } });
    expect(nonceRes.status).toBe(200);
    const { nonce } = (await nonceRes.json()) as { nonce: string };
    const url = new URL(app.url);
    const message = createSiweMessage({ address: merchant.address, chainId: devnet.config.chainId, domain: url.host, nonce, uri: app.url, version: "1", issuedAt: new Date() });
    const res = await fetch(`${app.url}/api/auth/sign-in`, {
      method: "POST",
      headers: { origin: app.url, "content-type": "application/json" },
      body: JSON.stringify({ kind: "evm", message, signature: await merchant.signMessage({ message }) }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const cookie = res.headers.get("set-cookie");
    expect(cookie).toBeTruthy();
    return cookie!.split(";")[0]!;
  };

  const get = (p: string, headers: Record<string, string> = {}) => fetch(`${app.url}${p}`, { headers: { accept: "text/html", ...headers }, redirect: "manual" });

  /** Every dashboard page a signed-in merchant opens is the dashboard itself (200), never a paywall or a refusal. */
  const expectDashboard = async (cookie: string) => {
    for (const [p, heading] of [["/dashboard", "Revenue"], ["/dashboard/payments", "Payments"], ["/dashboard/routes", "Priced routes"], ["/dashboard/settings", "Store settings"]] as const) {
      const res = await get(p, { cookie, "sec-fetch-dest": "document" });
      const html = await res.text();
      expect(res.status, `${p}: ${html.slice(0, 200)}`).toBe(200);
      expect(html, p).toContain(`>${heading}</h1>`);
      expect(res.headers.get("payment-required"), p).toBeNull();
    }
    const csv = await fetch(`${app.url}/dashboard/payments/export`, { headers: { cookie } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
  };

  it("a route charging every path charges for the site's pages and handlers but not for the dashboard and its sign-in, under no spelling that leads elsewhere", async () => {
    const option = { network: devnet.config.network, asset: devnet.config.asset.address, amount: "10000", payTo: devnet.config.payTo };
    const id = await createPricedRoute(db.prisma, { method: "*", pathPattern: "/*", paymentOptions: [option] }, "test");
    try {
      await until("the app charges every path", async () => (await fetch(`${app.url}/api/demo/health`)).status === 402);
      expect((await get("/articles/welcome")).status).toBe(402);
      // The sign-in handlers answer, unpriced, and the session opens the dashboard.
      const cookie = await signIn();
      await expectDashboard(cookie);
      // Unsigned, the dashboard sends the visitor to its sign-in page, which is no paywall either.
      const anonymous = await get("/dashboard/payments");
      expect(anonymous.status).toBe(307);
      expect(new URL(anonymous.headers.get("location")!, app.url).pathname).toBe("/dashboard/sign-in");
      expect((await get("/dashboard/sign-in")).status).toBe(200);
      // No spelling that passes through a dashboard path reaches anything else free: each is
      // redirected to its canonical form or priced, and the router is case-sensitive, so
      // /Dashboard is no dashboard page and pays like any other path. (/dashboard.rsc is the
      // dashboard's own RSC form, which Next answers 404 here: not priced, nothing else served.)
      for (const spelling of ["/dashboard/../articles/welcome", "/dashboard/%2e%2e/articles/welcome", "/dashboard/./../api/demo/health", "/Dashboard", "/DASHBOARD/payments", "/dashboards", "/dashboard.rsc", "/api/auth/nonce/../../demo/health", "/api/auth/other", "/API/auth/nonce"]) {
        const res = await get(spelling);
        const text = await res.text();
        if (res.status === 308) {
          const canonical = new URL(res.headers.get("location")!, app.url).pathname;
          expect(canonical.startsWith("/dashboard"), `${spelling} → ${canonical}`).toBe(false);
          expect((await get(canonical)).status, `${spelling} → ${canonical}`).toBe(402);
        } else if (spelling === "/dashboard.rsc") {
          expect(res.status, text.slice(0, 200)).toBe(404);
        } else {
          expect([402, 400], `${spelling}: ${res.status} ${text.slice(0, 200)}`).toContain(res.status);
        }
      }
    } finally {
      await deletePricedRoute(db.prisma, id, "test");
    }
    await until("the app serves /articles/welcome free again", async () => (await get("/articles/welcome")).status === 200);
  });

  it("a merchant who blocked every path signs in and unblocks it from the dashboard in a real browser", async () => {
    const option = { network: devnet.config.network, asset: devnet.config.asset.address, amount: "10000", payTo: devnet.config.payTo };
    const id = await createPricedRoute(db.prisma, { method: "*", pathPattern: "/*", paymentOptions: [option] }, "test");
    await setPricedRouteState(db.prisma, id, "blocked", "test");
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
    try {
      await until("the app blocks every path", async () => (await get("/articles/welcome")).status === 403);
      expect((await fetch(`${app.url}/api/demo/health`)).status).toBe(403);
      const cookie = await signIn();
      await expectDashboard(cookie);
      const [name, value] = cookie.split(/=(.*)/s) as [string, string];
      const context = await browser.newContext();
      await context.addCookies([{ name, value, url: app.url }]);
      const page = await context.newPage();
      await page.goto(`${app.url}/dashboard`);
      await page.getByRole("heading", { name: "Revenue", exact: true }).waitFor();
      // Within the dashboard (client-side navigation, then a server action) while every path is blocked.
      await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Routes" }).click();
      await page.getByRole("heading", { name: "Priced routes" }).waitFor();
      // (Charging again asks nothing: buyers only start paying.)
      await page.getByRole("button", { name: "Charge * /*" }).click();
      await until("the route charges again", async () => (await db.prisma.pricedRoute.findUnique({ where: { id } }))?.state === "charging");
      await until("the app charges every path", async () => (await get("/articles/welcome")).status === 402);
      await page.getByRole("button", { name: "Make free * /*" }).waitFor();
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: "Delete * /*" }).click();
      await until("the route is deleted", async () => (await db.prisma.pricedRoute.findUnique({ where: { id } })) === null);
      await until("the app serves /articles/welcome free again", async () => (await get("/articles/welcome")).status === 200);
    } finally {
      await browser.close();
      await db.prisma.pricedRoute.deleteMany({ where: { id } });
    }
  });
});
