/**
 * Webhooks in real Chromium, as a merchant sets them up: add an endpoint pointing at a real local
 * receiver (which verifies every delivery with `standardwebhooks`, as the README's example does),
 * reveal the secret, send a test event and watch the delivery log, resend, rotate the secret, and
 * get a real payment's event.
 */
import type { Hex } from "viem";
import { createPayingFetch } from "@/scripts/agent-client";
import { testKey } from "@/scripts/devnet/chain";
import { expectAccessible, expectFitsPhone, PHONE } from "./accessibility";
import { expect, test } from "./fixtures";
import { DashboardPage } from "./pages/dashboard-page";
import { startWebhookReceiver } from "../support/webhook-receiver";

test("a merchant adds a webhook endpoint, sends a test event, resends it, rotates the secret and receives a payment's event", async ({ page, baseUrl, devnet, useWallet }, testInfo) => {
  test.setTimeout(120_000);
  const secrets: string[] = [];
  const receiver = await startWebhookReceiver(() => secrets);
  try {
    await useWallet(testKey(8));
    await new DashboardPage(page, baseUrl).signIn();
    await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Webhooks" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Webhooks");

    // A URL that cannot receive webhooks is refused with the reason.
    await page.getByLabel("Endpoint URL").fill("http://hooks.example.com/x");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByText(/The URL must be https:\/\//)).toBeVisible();

    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await page.getByLabel("Description (optional)").fill("Order fulfilment");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(receiver.url);

    // The secret: hidden until revealed, in Standard Webhooks form.
    await expect(page.getByTestId("webhook-secret")).not.toContainText(/whsec_[A-Za-z0-9+/]{10}/);
    await page.getByRole("button", { name: "Reveal" }).click();
    const secret = (await page.getByTestId("webhook-secret").textContent())!.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    secrets.push(secret);

    // A test event: delivered, logged with its answer, verified by the receiver.
    await page.getByRole("button", { name: "Send test event" }).click();
    await expect(page.getByRole("status")).toHaveText(/Test event queued/);
    const row = page.getByTestId("delivery-row").filter({ hasText: "webhook.test" });
    await expect(row.getByTestId("delivery-status")).toHaveText("delivered", { timeout: 30_000 });
    await expect(row.getByTestId("delivery-answer")).toContainText("200");
    await page.screenshot({ path: testInfo.outputPath("webhook-endpoint.png"), fullPage: true });
    await expectAccessible(page, "a webhook endpoint with its delivery log");
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ type: "webhook.test", verifiedWith: [secret] });
    const testEventId = receiver.received[0]!.id;
    await expect(row).toContainText(testEventId);

    // Resend: the same message id again (the receiver can tell it already has it).
    await row.getByRole("button", { name: /^Resend / }).click();
    await expect.poll(() => receiver.received.length, { timeout: 30_000 }).toBe(2);
    expect(receiver.received[1]!.id).toBe(testEventId);

    // Rotation: the new secret is shown; for 24 h deliveries carry both signatures.
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await expect(page.getByText(/The previous secret also signs deliveries until/)).toBeVisible();
    await expect(page.getByTestId("webhook-secret")).not.toHaveText(secret);
    const rotated = (await page.getByTestId("webhook-secret").textContent())!.trim();
    expect(rotated).toMatch(/^whsec_/);
    secrets.push(rotated);
    await page.getByRole("button", { name: "Send test event" }).click();
    await expect.poll(() => receiver.received.length, { timeout: 30_000 }).toBe(3);
    expect(receiver.received[2]!.verifiedWith.sort()).toEqual([secret, rotated].sort());

    // A real payment: its payment.settled event arrives, signed.
    const buyer = devnet.buyers[2]!;
    const paid = await createPayingFetch(devnet, buyer.privateKey as Hex)(`${baseUrl}/api/demo/quote`);
    expect(paid.status).toBe(200);
    await expect.poll(() => receiver.received.some((r) => r.type === "payment.settled" && r.body.data.payer.toLowerCase() === buyer.address.toLowerCase()), { timeout: 30_000 }).toBe(true);
    const settled = receiver.received.find((r) => r.type === "payment.settled")!;
    expect(settled.body.data).toMatchObject({ status: "settled", route: { method: "GET", path: "/api/demo/quote" }, amount: "10000" });
    await page.reload();
    await expect(page.getByTestId("delivery-row").filter({ hasText: "payment.settled" }).getByTestId("delivery-status")).toHaveText("delivered", { timeout: 30_000 });

    // On a phone: the endpoint with its delivery log, and the list, need no sideways scrolling.
    await page.setViewportSize(PHONE);
    await expect(page.getByTestId("delivery-row").first()).toBeVisible();
    await expectFitsPhone(page, "a webhook endpoint with its delivery log");
    await page.screenshot({ path: testInfo.outputPath("phone-webhook-endpoint.png"), fullPage: true });
    const endpointUrl = page.url();
    await page.goto(`${baseUrl}/dashboard/webhooks`);
    await expect(page.getByTestId("webhook-row")).toHaveCount(1);
    await expectFitsPhone(page, "the webhook endpoints");
    await page.screenshot({ path: testInfo.outputPath("phone-webhooks.png"), fullPage: true });
    await page.goto(endpointUrl);

    // Delete: gone from the list, nothing more sent.
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete" }).click();
    await expect(page).toHaveURL(`${baseUrl}/dashboard/webhooks`);
    await expect(page.getByTestId("webhook-row")).toHaveCount(0);
  } finally {
    await receiver.close();
  }
});
