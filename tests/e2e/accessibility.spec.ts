/**
 * Every dashboard page, the sign-in page, the home page, the 404 and a blocked page, checked with
 * axe-core: no serious or critical WCAG 2.1 AA violation. (The paywall's states are checked where
 * paywall.spec.ts drives them.)
 */
import { expectAccessible } from "./accessibility";
import { expect, test } from "./fixtures";

test("public pages: home, sign-in, 404", async ({ page, baseUrl }) => {
  for (const [path, status] of [["/", 200], ["/dashboard/sign-in", 200], ["/no-such-page", 404], ["/articles/welcome", 200]] as const) {
    const res = await page.goto(`${baseUrl}${path}`);
    expect(res?.status()).toBe(status);
    await expectAccessible(page, path);
  }
});

test("every dashboard page", async ({ page, baseUrl, request, signInMerchant }) => {
  const cookie = await signInMerchant();
  const html = await (await request.get(`${baseUrl}/dashboard/routes`, { headers: { cookie } })).text();
  const routeId = /\/dashboard\/routes\/([a-z0-9]{20,})"/.exec(html)?.[1];
  const paymentsHtml = await (await request.get(`${baseUrl}/dashboard/payments`, { headers: { cookie } })).text();
  const paymentId = /\/dashboard\/payments\/([a-z0-9]{20,})"/.exec(paymentsHtml)?.[1];
  const pages = ["/dashboard", "/dashboard/payments", "/dashboard/routes", "/dashboard/routes/new", "/dashboard/webhooks", "/dashboard/settings"];
  if (routeId) pages.push(`/dashboard/routes/${routeId}`);
  if (paymentId) pages.push(`/dashboard/payments/${paymentId}`);
  for (const path of pages) {
    const res = await page.goto(`${baseUrl}${path}`);
    expect(res?.status(), path).toBe(200);
    await expectAccessible(page, path);
  }
});

test("dashboard tables fit a phone: priority columns, no sideways scrolling", async ({ page, baseUrl, signInMerchant }, testInfo) => {
  await signInMerchant();
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ["/dashboard/payments", "/dashboard/routes"]) {
    await page.goto(`${baseUrl}${path}`);
    const table = page.locator("table").first();
    await expect(table).toBeVisible();
    const overflow = await table.evaluate((t) => t.parentElement!.scrollWidth - t.parentElement!.clientWidth);
    expect(overflow, `${path} scrolls sideways on a phone`).toBeLessThanOrEqual(1);
    await expectAccessible(page, `${path} on a phone`);
    await page.screenshot({ path: testInfo.outputPath(`phone-${path.split("/").pop()}.png`), fullPage: true });
  }
});
