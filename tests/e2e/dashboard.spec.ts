/**
 * The merchant dashboard in real Chromium: Sign-In With Ethereum from the injected test wallet
 * (the devnet's merchant, anvil account 8), a route priced from the UI and paid by the official
 * agent client, and the payment found, filtered, opened and exported. Plus: every dashboard page,
 * export and server action refuses anonymous callers and signed-in non-merchants.
 */
import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { createPayingFetch } from "@/scripts/agent-client";
import { testKey } from "@/scripts/devnet/chain";
import { expectAccessible, expectFitsPhone, PHONE } from "./accessibility";
import { expect, test } from "./fixtures";
import { sessionCookie as signedSessionCookie } from "../support/session";
import { DashboardPage } from "./pages/dashboard-page";

const MERCHANT_KEY = testKey(8);

/** A session cookie for `address`, signed like the app signs them. */
const sessionCookie = (address: string) => signedSessionCookie(process.env.E2E_AUTH_SECRET!, address, process.env.E2E_BASE_URL!);

test("a merchant signs in, prices a route, and finds, filters, opens and exports its payment", async ({ page, baseUrl, devnet, useWallet, balance }, testInfo) => {
  await useWallet(MERCHANT_KEY);
  const dashboard = new DashboardPage(page, baseUrl);
  await dashboard.signIn();
  await expect(page.getByTestId("merchant-address")).toHaveText(/^0x2361…/);

  // A fresh form shows no error before anything is typed; the pattern preview reacts as the merchant types.
  await page.goto(`${baseUrl}/dashboard/routes/new`);
  await expect(page.getByTestId("pattern-preview").locator(".text-red-800")).toHaveCount(0);
  await page.getByLabel("Path pattern").fill("/api/items/:id");
  await expect(page.getByTestId("pattern-preview")).toContainText("/api/items/id-1");
  await page.getByLabel("Path pattern").fill("api/no-slash");
  await expect(page.getByTestId("pattern-preview").locator(".text-red-800")).toBeVisible();
  // Tokens are named by issuer or source; the MIME type is a choice; the preview shows what buyers will see.
  await expect(page.getByTestId("option-editor").first().getByLabel("Token", { exact: true }).locator("option").first()).toHaveText(/^USDC — .*(issued by|from) /);
  await page.getByLabel("MIME type (what the route returns)").selectOption("other");
  await page.getByLabel("Other MIME type").fill("application/vnd.example+json");
  await page.getByLabel("Description (shown to buyers)").fill("Item lookup");
  await page.getByTestId("option-editor").first().getByLabel(/^Price/).fill("0.05");
  await expect(page.getByTestId("buyer-preview")).toContainText("Item lookup");
  await expect(page.getByTestId("buyer-preview")).toContainText("0.05 USDC on Local devnet");

  await dashboard.createRoute({ method: "GET", path: "/api/demo/time", description: "Server time", price: "0.02", payTo: devnet.payTo, token: "USDC", prefilledPayTo: devnet.payTo });
  const row = page.getByTestId("route-row").filter({ hasText: "GET /api/demo/time" });
  await expect(row).toContainText("0.02 USDC");
  await page.screenshot({ path: testInfo.outputPath("dashboard-routes.png"), fullPage: true });

  // The price applies to the very next request: an agent pays it.
  const buyer = devnet.buyers[3]!;
  const before = await balance(devnet.asset.address, buyer.address);
  const paid = await createPayingFetch(devnet, buyer.privateKey as Hex)(`${baseUrl}/api/demo/time`);
  expect(paid.status).toBe(200);
  expect((await paid.json()).zones.UTC).toBeTruthy();
  expect(await balance(devnet.asset.address, buyer.address)).toBe(before - 20_000n);
  // The routes list counts it, and the count opens the route's settled payments.
  await page.goto(`${baseUrl}/dashboard/routes`);
  const paidCount = row.getByTestId("route-paid");
  await expect(paidCount).toHaveText("1");
  await paidCount.click();
  await expect(page.getByLabel("Status")).toHaveValue("settled");
  await expect(page.getByTestId("payment-row")).toHaveCount(1);

  // Payments: filter to the route, see the one payment, open it.
  await page.goto(`${baseUrl}/dashboard/payments`);
  await page.getByLabel("Route").selectOption({ label: "GET /api/demo/time" });
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByTestId("payment-row")).toHaveCount(1);
  await expect(page.getByTestId("payments-range")).toHaveText("1–1 of 1");
  await expect(page.getByTestId("payment-row")).toContainText("0.02 USDC");
  await expect(page.getByTestId("payment-row")).toContainText(`${buyer.address.slice(0, 6)}…${buyer.address.slice(-4)}`);
  await expect(page.getByTestId("payment-totals")).toContainText("Settled: 0.02 USDC");
  await page.screenshot({ path: testInfo.outputPath("dashboard-payments.png"), fullPage: true });
  await page.getByTestId("payment-row").getByRole("link").click();
  // Titled by what happened, not by a database id; the route is a link.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("0.02 USDC paid for /api/demo/time");
  await expect(page.getByTestId("payment-detail").getByRole("link", { name: /GET \/api\/demo\/time/ })).toBeVisible();
  await expect(page.getByTestId("payment-detail")).toContainText("GET /api/demo/time");
  await expect(page.getByTestId("payment-detail")).toContainText(buyer.address);
  await expect(page.getByTestId("payment-detail")).toContainText("20000 atomic units");

  // CSV of the filtered set: a header and exactly this payment.
  await page.goBack();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  const csv = fs.readFileSync((await download.path())!, "utf8").trim().split("\n");
  expect(csv[0]).toBe("id,created_at_utc,status,route,method,resource,payer,network,asset,symbol,amount_atomic,amount,transaction,error_reason,x402_version");
  expect(csv).toHaveLength(2);
  const cells = csv[1]!.split(",");
  expect(cells.slice(2, 5)).toEqual(["settled", "GET /api/demo/time", "GET"]);
  expect(cells.slice(6, 12)).toEqual([buyer.address, devnet.network, devnet.asset.address, "USDC", "20000", "0.02"]);

  // A second currency: a download priced in EURC, paid by an agent.
  await dashboard.createRoute({ method: "GET", path: "/api/demo/download", description: "A generated file", price: "0.03", payTo: devnet.payTo, token: "EURC" });
  const eurcPaid = await createPayingFetch(devnet, buyer.privateKey as Hex)(`${baseUrl}/api/demo/download?mib=1`);
  expect(eurcPaid.status).toBe(200);
  await eurcPaid.arrayBuffer();

  // Revenue: money is never mixed. Each asset has its own KPI line and its own chart, its axis labelled.
  await page.goto(`${baseUrl}/dashboard`);
  await expect(page.getByTestId("kpi-today")).toContainText("USDC");
  await expect(page.getByTestId("kpi-today")).toContainText("0.03 EURC");
  await expect(page.getByTestId("kpi-count")).not.toHaveText("0");
  await expect(page.getByTestId("kpi-failed")).toHaveText(/^\d+$/);
  const usdcChart = page.locator('[data-testid="revenue-chart"][data-unit="USDC"]');
  const eurcChart = page.locator('[data-testid="revenue-chart"][data-unit="EURC"]');
  await expect(usdcChart.locator("svg .recharts-bar-rectangle").first()).toBeVisible();
  await expect(eurcChart.locator("svg .recharts-bar-rectangle").first()).toBeVisible();
  await expect(eurcChart).toContainText("GET /api/demo/download");
  await expect(usdcChart).not.toContainText("GET /api/demo/download");
  await page.getByRole("link", { name: "network / asset" }).click();
  await expect(usdcChart).toContainText("USDC · Local devnet");
  await expect(eurcChart).toContainText("EURC · Local devnet");
  await page.screenshot({ path: testInfo.outputPath("dashboard-revenue.png"), fullPage: true });
  // The Failed and Not yet resolved figures open the lists they count.
  for (const [testid, status] of [["kpi-failed", "failed"], ["kpi-open", "open"]] as const) {
    await page.goto(`${baseUrl}/dashboard`);
    const figure = await page.getByTestId(testid).innerText();
    await page.getByTestId(testid).click();
    await expect(page.getByLabel("Status")).toHaveValue(status);
    await expect(page.getByTestId("payment-totals").locator("strong").first()).toHaveText(figure);
  }

  // Sign out ends the session.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/dashboard\/sign-in$/);
  await page.goto(`${baseUrl}/dashboard/payments`);
  await expect(page).toHaveURL(/\/dashboard\/sign-in$/);
});

test("every dashboard page, export and action refuses anonymous callers and non-merchants", async ({ request, baseUrl }) => {
  const merchant = await sessionCookie(privateKeyToAccount(MERCHANT_KEY).address);
  const stranger = await sessionCookie(privateKeyToAccount(testKey(7)).address);
  const routesHtml = await (await request.get(`${baseUrl}/dashboard/routes`, { headers: { cookie: merchant } })).text();
  const routeId = /\/dashboard\/routes\/([a-z0-9]{20,})"/.exec(routesHtml)?.[1];
  expect(routeId).toBeTruthy();
  const paymentsHtml = await (await request.get(`${baseUrl}/dashboard/payments`, { headers: { cookie: merchant } })).text();
  const paymentId = /\/dashboard\/payments\/([a-z0-9]{20,})"/.exec(paymentsHtml)?.[1] ?? "missing";

  const pages = ["/dashboard", "/dashboard/payments", `/dashboard/payments/${paymentId}`, "/dashboard/routes", "/dashboard/routes/new", `/dashboard/routes/${routeId}`, "/dashboard/webhooks", "/dashboard/webhooks/any-endpoint"];
  for (const cookie of [undefined, stranger]) {
    for (const p of pages) {
      const res = await request.get(`${baseUrl}${p}`, { headers: cookie ? { cookie } : {}, maxRedirects: 0 });
      expect([p, res.status(), res.headers().location]).toEqual([p, 307, "/dashboard/sign-in"]);
    }
    const csv = await request.get(`${baseUrl}/dashboard/payments/export`, { headers: cookie ? { cookie } : {}, maxRedirects: 0 });
    expect(csv.status()).toBe(401);
    expect(await csv.text()).not.toContain("0x");
  }

  // The JSON sign-in endpoints refuse cross-site requests (CSRF), and a garbage sign-in gets 400.
  for (const endpoint of ["/api/auth/nonce", "/api/auth/sign-in"]) {
    const res = await request.post(`${baseUrl}${endpoint}`, { headers: { origin: "https://evil.example" }, data: {} });
    expect([endpoint, res.status()]).toEqual([endpoint, 403]);
  }
  const garbage = await request.post(`${baseUrl}/api/auth/sign-in`, { headers: { origin: baseUrl }, data: { kind: "evm", message: "hello", signature: "nope" } });
  expect(garbage.status()).toBe(400);

  // Server actions, called the way the browser calls them, by their ids from the build's manifest.
  const manifest = JSON.parse(fs.readFileSync(path.resolve(".next/server/server-reference-manifest.json"), "utf8")) as { node: Record<string, { filename: string; exportedName: string }> };
  const actions = Object.entries(manifest.node).filter(([, a]) => a.filename === "lib/routes/actions.ts" || a.filename === "lib/webhooks/actions.ts");
  expect(actions.map(([, a]) => a.exportedName).sort()).toEqual([
    "deleteEndpointAction",
    "deleteRouteAction",
    "resendDeliveryAction",
    "rotateSecretAction",
    "saveEndpointAction",
    "saveRouteAction",
    "sendTestEventAction",
    "setEndpointEnabledAction",
    "setRouteStateAction",
  ]);
  const args: Record<string, unknown[]> = {
    deleteRouteAction: [routeId],
    setRouteStateAction: [routeId, "free"],
    saveRouteAction: [routeId, { method: "GET", pathPattern: "/hijack", kind: "api", description: "", mimeType: "application/json", accessWindowHours: 1, state: "charging", options: [] }],
    saveEndpointAction: [null, { url: "https://evil.example/hijack", description: "", events: ["payment.settled"] }],
    setEndpointEnabledAction: ["any-endpoint", false],
    deleteEndpointAction: ["any-endpoint"],
    rotateSecretAction: ["any-endpoint"],
    sendTestEventAction: ["any-endpoint"],
    resendDeliveryAction: ["any-endpoint", "any-delivery"],
  };
  const call = (ctx: APIRequestContext, id: string, body: unknown[], cookie?: string) =>
    ctx.post(`${baseUrl}/dashboard/routes`, {
      headers: { "next-action": id, "content-type": "text/plain;charset=UTF-8", accept: "text/x-component", origin: baseUrl, ...(cookie ? { cookie } : {}) },
      data: JSON.stringify(body),
    });
  for (const cookie of [undefined, stranger]) {
    for (const [id, action] of actions) {
      const res = await call(request, id, args[action.exportedName]!, cookie);
      expect([action.exportedName, await res.text()]).toEqual([action.exportedName, expect.stringContaining('"code":"unauthorized"')]);
    }
  }
  // Nothing changed: the route is still there and charging, and no route was created.
  const after = await (await request.get(`${baseUrl}/dashboard/routes`, { headers: { cookie: merchant } })).text();
  expect(after).toContain(`/dashboard/routes/${routeId}`);
  expect(after).not.toContain("/hijack");
  expect(await (await request.get(`${baseUrl}/dashboard/webhooks`, { headers: { cookie: merchant } })).text()).not.toContain("evil.example");
  const discovery = await (await request.get(`${baseUrl}/.well-known/x402`)).json();
  expect(discovery.resources.length).toBeGreaterThanOrEqual(4);
});

test("route states: making a charging route free or blocked asks first naming the consequence, and every change lands in its history", async ({ page, baseUrl, request, useWallet }, testInfo) => {
  await useWallet(MERCHANT_KEY);
  await new DashboardPage(page, baseUrl).signIn();
  await page.goto(`${baseUrl}/dashboard/routes`);
  const row = page.getByTestId("route-row").filter({ hasText: "POST /api/demo/summarize" });
  const unpaid = () => request.post(`${baseUrl}/api/demo/summarize`, { data: { text: "One. Two." } });
  await expect(row.getByTestId("route-state")).toHaveText("charging");

  // Dismissed: still charging.
  let asked = "";
  page.once("dialog", (dialog) => {
    asked = dialog.message();
    void dialog.dismiss();
  });
  await row.getByRole("button", { name: /^Make free / }).click();
  expect(asked).toMatch(/Make POST \/api\/demo\/summarize free\? .*everyone gets it free/);
  await expect(row.getByTestId("route-state")).toHaveText("charging");
  expect((await unpaid()).status()).toBe(402);

  // Confirmed: free, served without payment.
  page.once("dialog", (dialog) => void dialog.accept());
  await row.getByRole("button", { name: /^Make free / }).click();
  await expect(row.getByTestId("route-state")).toHaveText("free");
  await expect.poll(async () => (await unpaid()).status()).toBe(200);

  // Blocked: asks, then nobody is served, not even with a payment header.
  page.once("dialog", (dialog) => {
    asked = dialog.message();
    void dialog.accept();
  });
  await row.getByRole("button", { name: /^Block / }).click();
  expect(asked).toMatch(/Block POST \/api\/demo\/summarize\? .*nobody can get it/);
  await expect(row.getByTestId("route-state")).toHaveText("blocked");
  await expect.poll(async () => (await unpaid()).status()).toBe(403);
  const refused = await request.post(`${baseUrl}/api/demo/summarize`, { data: { text: "x" }, headers: { "payment-signature": "e30=" } });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.code).toBe("forbidden");
  await page.screenshot({ path: testInfo.outputPath("route-states.png"), fullPage: true });

  // Back to charging: no question (buyers pay again).
  await row.getByRole("button", { name: /^Charge / }).click();
  await expect(row.getByTestId("route-state")).toHaveText("charging");
  await expect.poll(async () => (await unpaid()).status()).toBe(402);

  // The route's history: who changed what, newest first.
  await row.getByRole("link", { name: "POST /api/demo/summarize" }).click();
  const entries = page.getByTestId("route-history-entry");
  await expect(entries).toHaveCount(3);
  await expect(entries.nth(0)).toContainText("state: blocked → charging");
  await expect(entries.nth(1)).toContainText("state: free → blocked");
  await expect(entries.nth(2)).toContainText("state: charging → free");
  await expect(entries.nth(0)).toContainText("0x2361…1E8f changed the state");
  await page.screenshot({ path: testInfo.outputPath("route-history.png"), fullPage: true });
  await expectAccessible(page, "a route's history");
  await page.setViewportSize(PHONE);
  await expect(entries).toHaveCount(3);
  await expectFitsPhone(page, "a route's editor and history");
  await page.screenshot({ path: testInfo.outputPath("phone-route-history.png"), fullPage: true });
});
