/**
 * Store settings as a merchant sets them, and as a visitor then meets them on the paywall: who
 * sells, the logo, the accent, the support link, the page's own teaser and the recipient.
 */
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { expectAccessible } from "./accessibility";
import { expect, test } from "./fixtures";

test("store settings show on the paywall: seller, logo, accent, support link, teaser and recipient", async ({ page, context, baseUrl, devnet, signInMerchant }, testInfo) => {
  // Before any settings: the paywall names the site by its host.
  expect((await page.goto(`${baseUrl}/articles/deep-dive`))?.status()).toBe(402);
  await expect(page.getByTestId("paywall-store")).toContainText(`Sold by ${new URL(baseUrl).host}`);

  await signInMerchant();
  await page.goto(`${baseUrl}/dashboard/settings`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Store settings");
  // What agents are told, from the server's environment (tests/e2e/global-setup.ts sets both).
  await expect(page.getByTestId("agent-settings-receipts")).toHaveText(new RegExp(`^On \\(EIP-712\\), signed by\\s*${privateKeyToAccount(process.env.E2E_OFFER_RECEIPT_KEY as Hex).address}$`));
  await expect(page.getByTestId("agent-settings-builder-code")).toContainText(`${process.env.E2E_BUILDER_CODE}: every x402 v2 payment on an EVM network credits this app on chain`);

  // A link a buyer could be hurt by is refused, with the reason.
  await page.getByLabel("Logo URL (optional)").fill("javascript:alert(1)");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Enter an https:// link or a path on this site")).toBeVisible();

  await page.getByLabel("Store name").fill("The Reading Room");
  await page.getByLabel("Logo URL (optional)").fill("/icon.svg");
  await page.getByLabel("Accent colour", { exact: true }).fill("#0f766e");
  await page.getByLabel("Support link (optional)").fill("mailto:help@reading-room.example");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status")).toHaveText(/Saved/);
  await expectAccessible(page, "store settings");
  await page.screenshot({ path: testInfo.outputPath("store-settings.png"), fullPage: true });

  // A visitor: a browser context of its own (no merchant session).
  const visitorContext = await context.browser()!.newContext();
  const visitor = await visitorContext.newPage();
  try {
    expect((await visitor.goto(`${baseUrl}/articles/deep-dive`))?.status()).toBe(402);
    const store = visitor.getByTestId("paywall-store");
    await expect(store).toContainText("Sold by The Reading Room");
    await expect(store.locator("img")).toHaveAttribute("src", "/icon.svg");
    await expect(store.getByRole("link", { name: "← Back to The Reading Room" })).toHaveAttribute("href", "/");
    await expect(visitor.getByTestId("paywall-title")).toHaveText("Deep dive: what a paid request really costs");
    await expect(visitor.getByTestId("paywall-teaser")).toHaveText("Gas, facilitators and the economics of two-cent pages. · 6 min read");
    await expect(visitor.getByTestId("paywall-recipient")).toContainText(`Paid to ${devnet.payTo.slice(0, 6)}…${devnet.payTo.slice(-4)}`);
    await expect(visitor.getByRole("link", { name: "Contact The Reading Room" })).toHaveAttribute("href", "mailto:help@reading-room.example");
    await expect(visitor.locator("[style*='background-color']").first()).toHaveCSS("background-color", "rgb(15, 118, 110)");
    await expectAccessible(visitor, "the paywall with store settings");
    await visitor.screenshot({ path: testInfo.outputPath("paywall-store.png"), fullPage: true });
  } finally {
    await visitorContext.close();
  }

  // New page routes start with the store's default access window.
  await page.getByLabel("Default access window for new pages (hours)").fill("48");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status")).toHaveText(/Saved/);
  await page.goto(`${baseUrl}/dashboard/routes/new`);
  await page.getByRole("radio", { name: "Page (browser paywall)" }).check();
  await expect(page.getByLabel("Access after payment (hours)")).toHaveValue("48");
});
