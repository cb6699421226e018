/**
 * Every dashboard page, the sign-in page, the home page, the 404 and a blocked page, checked with
 * axe-core: no serious or critical WCAG 2.1 AA violation. (The paywall's states are checked where
 * paywall.spec.ts drives them.)
 */
import { expectAccessible, expectFitsPhone, PHONE } from "./accessibility";
import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";

test("public pages: home, sign-in, 404", async ({ page, baseUrl }) => {
  for (const [path, status] of [["/", 200], ["/dashboard/sign-in", 200], ["/no-such-page", 404], ["/articles/welcome", 200]] as const) {
    const res = await page.goto(`${baseUrl}${path}`);
    expect(res?.status()).toBe(status);
    await expectAccessible(page, path);
  }
});

test("public pages fit the smallest phones (320 px): home, a paywall with two options, receipts, a paid API's page", async ({ page, baseUrl }) => {
  await page.setViewportSize({ width: 320, height: PHONE.height });
  for (const path of ["/", "/articles/field-notes", "/receipts", "/api/demo/quote"]) {
    const res = await page.goto(`${baseUrl}${path}`);
    expect(res?.status(), path).toBe(path.startsWith("/api/") || path.startsWith("/articles/field") ? 402 : 200);
    await expectFitsPhone(page, `${path} at 320 px`);
  }
});

/** Every dashboard page's path, with one route and one payment (when the seed has them) opened. */
async function dashboardPages(request: APIRequestContext, baseUrl: string, cookie: string): Promise<string[]> {
  const linked = async (list: string, kind: string) => {
    const html = await (await request.get(`${baseUrl}${list}`, { headers: { cookie } })).text();
    return new RegExp(`/dashboard/${kind}/([a-z0-9]{20,})"`).exec(html)?.[1];
  };
  const [routeId, paymentId] = await Promise.all([linked("/dashboard/routes", "routes"), linked("/dashboard/payments", "payments")]);
  const pages = ["/dashboard", "/dashboard/payments", "/dashboard/routes", "/dashboard/routes/new", "/dashboard/webhooks", "/dashboard/settings"];
  if (routeId) pages.push(`/dashboard/routes/${routeId}`);
  if (paymentId) pages.push(`/dashboard/payments/${paymentId}`);
  return pages;
}

test("every dashboard page", async ({ page, baseUrl, request, signInMerchant }) => {
  const cookie = await signInMerchant();
  for (const path of await dashboardPages(request, baseUrl, cookie)) {
    const res = await page.goto(`${baseUrl}${path}`);
    expect(res?.status(), path).toBe(200);
    await expectAccessible(page, path);
    // The navigation marks the section this page belongs to, and only it.
    const section = { payments: "Payments", routes: "Routes", webhooks: "Webhooks", settings: "Settings" }[path.split("/")[2] ?? ""] ?? "Revenue";
    const nav = page.getByRole("navigation", { name: "Dashboard" });
    await expect(nav.locator('[aria-current="page"]'), path).toHaveText([section]);
  }
});

test("every dashboard page fits a phone: priority columns, no sideways scrolling", async ({ page, baseUrl, request, signInMerchant }, testInfo) => {
  const cookie = await signInMerchant();
  await page.setViewportSize(PHONE);
  for (const path of await dashboardPages(request, baseUrl, cookie)) {
    await page.goto(`${baseUrl}${path}`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectFitsPhone(page, path);
    await page.screenshot({ path: testInfo.outputPath(`phone-${path.slice(1).replaceAll("/", "-")}.png`), fullPage: true });
  }
  // The smallest phones still in use (320 px): the navigation wraps rather than running off the side.
  await page.setViewportSize({ width: 320, height: PHONE.height });
  await page.goto(`${baseUrl}/dashboard/payments`);
  await expectFitsPhone(page, "/dashboard/payments at 320 px");
  await page.screenshot({ path: testInfo.outputPath("phone-320-dashboard-payments.png"), fullPage: true });
});
