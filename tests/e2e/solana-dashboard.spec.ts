/**
 * The merchant side of Solana in real Chromium: an agent pays on the local SVM, the merchant signs
 * in with Sign-In With Solana from a Wallet Standard wallet (key kept in Node), and finds the
 * payment in token units with its base58 payer and signature, without an explorer link (a local
 * SVM is on no public explorer).
 */
import { shortAddress } from "@/lib/paywall/format";
import { createSvmPayingFetch } from "@/scripts/agent-client";
import { expect, test } from "./fixtures";

test("a Solana payment shows in the dashboard of a merchant signed in with Solana", async ({ page, baseUrl, devnet, useSolanaWallet }, testInfo) => {
  const pay = await createSvmPayingFetch(devnet, 2);
  const paid = await pay(`${baseUrl}/api/demo/quote`);
  expect(paid.status).toBe(200);
  const buyer = devnet.svm.buyers[2]!.address;

  await useSolanaWallet("merchant");
  await page.goto(`${baseUrl}/dashboard`);
  await expect(page).toHaveURL(/\/dashboard\/sign-in$/);
  await page.getByRole("tab", { name: "Solana wallet" }).click();
  await page.getByRole("button", { name: "Tollgate Solana Test Wallet" }).click();
  await page.getByRole("button", { name: "Sign in with Solana" }).click();
  await expect(page.getByRole("heading", { name: "Revenue", level: 1 })).toBeVisible();

  await page.goto(`${baseUrl}/dashboard/payments?network=${encodeURIComponent(devnet.svm.network)}`);
  const row = page.getByTestId("payment-row").filter({ hasText: shortAddress(buyer) }).first();
  await expect(row).toContainText("0.01 USDC");
  await expect(row).toContainText("settled");
  const screenshot = testInfo.outputPath("dashboard-solana-payment.png");
  await page.screenshot({ path: screenshot, fullPage: true });
  await testInfo.attach("dashboard-solana-payment", { path: screenshot, contentType: "image/png" });

  await row.getByRole("link").first().click();
  await expect(page.getByText(buyer, { exact: true })).toBeVisible();
  await expect(page.getByText("Solana Devnet (solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1)")).toBeVisible();
  // The signature is shown, not linked to a public explorer.
  await expect(page.locator("a[href*='explorer.solana.com']")).toHaveCount(0);

  // Pricing a route on Solana: the cluster's USDC is offered, and a payTo without a token account
  // for it (the facilitator's fee payer has none) is a warning to confirm, not a silent failure.
  await page.goto(`${baseUrl}/dashboard/routes/new`);
  await page.getByLabel("Path pattern").fill("/api/demo/solana-only");
  const option = page.getByTestId("option-editor").first();
  await option.getByLabel("Network").selectOption(devnet.svm.network);
  await expect(option.getByLabel("Token", { exact: true })).toContainText("USDC");
  await option.getByLabel(/^Price/).fill("0.01");
  await option.getByLabel("Pay to").fill(devnet.svm.feePayer);
  await page.getByRole("button", { name: "Create route" }).click();
  await expect(option).toContainText("has no USDC token account yet");
  await page.getByRole("button", { name: "Save anyway" }).click();
  await expect(page).toHaveURL(/\/dashboard\/routes$/);
  await expect(page.getByText("/api/demo/solana-only")).toBeVisible();
});
