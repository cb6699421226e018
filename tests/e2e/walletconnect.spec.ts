/**
 * WalletConnect on the paywall, as a visitor with a phone wallet uses it: the QR code appears, the
 * phone pairs from it, approves, signs, and the article opens — paid once, on chain.
 *
 * WalletConnect's relay (a cloud service) cannot be reached from this offline machine, so the
 * relay is a local stand-in (tests/support/walletconnect-relay.ts) that only routes encrypted
 * envelopes; both ends are real WalletConnect clients. This needs its own app instance, started
 * with NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID and WALLETCONNECT_RELAY_URL, on its own database.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { parseDatabaseUrl } from "@/lib/database/target";
import { devnetAppEnv, prepareDatabase, startNext, type NextServer } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { startWalletConnectRelay, type WalletConnectRelay } from "../support/walletconnect-relay";
import { startWalletConnectWallet } from "../support/walletconnect-wallet";
import { expect, test } from "./fixtures";

let relay: WalletConnectRelay;
let app: NextServer;
let tmp: string;

test.beforeAll(async ({ devnet }) => {
  test.setTimeout(180_000);
  relay = await startWalletConnectRelay();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-e2e-wc-"));
  const databaseUrl = `pglite:${tmp}/db`;
  await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet);
  app = await startNext({
    mode: "start",
    port: await freePort(),
    env: {
      ...devnetAppEnv(devnet),
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: "e2e-walletconnect-secret-0123456789abcdef01",
      NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: "tollgate-e2e",
      WALLETCONNECT_RELAY_URL: relay.url,
    },
  });
});

test.afterAll(async () => {
  await app?.stop();
  await relay?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("a visitor scans the WalletConnect QR code with a phone wallet and pays", async ({ page, devnet, paywall, balance }, testInfo) => {
  test.setTimeout(120_000);
  const buyer = devnet.buyers[1]!;
  const phone = await startWalletConnectWallet({ relayUrl: relay.url, account: privateKeyToAccount(buyer.privateKey as Hex), chainId: devnet.chainId });
  try {
    expect(await paywall.open(`${app.url}/articles/deep-dive`)).toBe(402);
    await paywall.expectShown();
    await page.getByRole("button", { name: "Connect wallet" }).click();
    const option = page.getByRole("button", { name: "WalletConnect" });
    await expect(option.locator("img")).toHaveAttribute("src", "/wallets/walletconnect.svg");
    await option.click();

    // The QR code: a WalletConnect pairing URI on the configured relay's protocol.
    const qr = page.locator("wui-qr-code");
    await expect(qr).toBeVisible({ timeout: 30_000 });
    const uri = (await qr.getAttribute("uri"))!;
    expect(uri).toMatch(/^wc:[0-9a-f]{64}@2\?.*relay-protocol=irn.*symKey=[0-9a-f]{64}/);
    await expect.poll(() => relay.proposedPairingTopics).toContain(uri.slice(3, 67));
    await page.screenshot({ path: testInfo.outputPath("walletconnect-qr.png"), fullPage: true });

    // The phone scans it and approves: the paywall shows the account.
    await phone.pair(uri);
    await expect(page.getByTestId("paywall-account")).toBeVisible({ timeout: 30_000 });
    await paywall.switchNetworkIfAsked();

    const before = await balance(devnet.asset.address, buyer.address);
    await paywall.pay();
    await paywall.expectArticle("Deep dive: what a paid request really costs");
    expect(phone.requests).toContain("eth_signTypedData_v4");
    expect(await balance(devnet.asset.address, buyer.address)).toBe(before - 20_000n);
    await page.screenshot({ path: testInfo.outputPath("walletconnect-paid.png"), fullPage: true });
  } finally {
    await phone.close();
  }
});
