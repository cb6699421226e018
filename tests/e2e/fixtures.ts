import fs from "node:fs";
import { test as base, type TestInfo } from "@playwright/test";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { splBalance } from "@/scripts/agent-client";
import { balanceOf, testKey } from "@/scripts/devnet/chain";
import { devnetFileSchema, type DevnetFile } from "@/scripts/devnet/config";
import { PaywallPage } from "./pages/paywall-page";
import { installSolanaTestWallet, type SolanaWalletControls } from "./solana-wallet";
import { installTestWallet, type WalletControls } from "./wallet";
import { sessionCookie } from "../support/session";

type Fixtures = {
  baseUrl: string;
  devnet: DevnetFile;
  paywall: PaywallPage;
  /** Installs the test wallet for a buyer key (before the first navigation). */
  useWallet: (privateKey: Hex, startChainId?: number) => Promise<WalletControls>;
  /** Reads a token balance on the devnet, in atomic units. */
  balance: (asset: string, owner: string) => Promise<bigint>;
  /** Installs the Solana test wallet for the local SVM's buyer `index`, or its merchant (before the first navigation). */
  useSolanaWallet: (who: number | "merchant" | { secretKey: string }) => Promise<SolanaWalletControls>;
  /** Reads a buyer's or the merchant's test USDC balance on the local SVM, in atomic units. */
  splBalance: (owner: string) => Promise<bigint>;
  /**
   * Signs the browser context in as the devnet merchant (anvil account 8) with a session cookie
   * signed like the app signs them (the sign-in flow itself is tested in dashboard.spec.ts).
   * @returns the cookie as a `name=value` header, for API requests too.
   */
  signInMerchant: () => Promise<string>;
  /** (Automatic) On a failure: what the server logged during the test, printed and attached. */
  serverLog: void;
};

/** Whether the test ended other than expected (failed, timed out). */
const failed = (testInfo: TestInfo) => testInfo.status !== testInfo.expectedStatus;

export const test = base.extend<Fixtures>({
  baseUrl: async ({}, use) => use(process.env.E2E_BASE_URL!),
  devnet: async ({}, use) => use(devnetFileSchema.parse(JSON.parse(process.env.E2E_DEVNET!))),
  paywall: async ({ page }, use, testInfo) => {
    await use(new PaywallPage(page));
    if (!failed(testInfo) || page.isClosed()) return;
    // What the browser showed when the test failed, in words (the screenshot is attached too).
    const shown = await page.locator("body").innerText({ timeout: 2_000 }).catch((e: unknown) => `(unreadable: ${String(e)})`);
    console.log(`[e2e] page at failure: ${page.url()}\n${shown.slice(0, 2_000)}`);
  },
  useWallet: async ({ page, devnet }, use) =>
    use((privateKey, startChainId = devnet.chainId) => installTestWallet(page, { privateKey, rpcUrl: devnet.rpcUrl, startChainId })),
  balance: async ({ devnet }, use) => use((asset, owner) => balanceOf(devnet.rpcUrl, asset as Address, owner as Address)),
  useSolanaWallet: async ({ page, devnet }, use) =>
    use((who) =>
      installSolanaTestWallet(page, typeof who === "object" ? who.secretKey : who === "merchant" ? devnet.svm.merchantSecretKey : devnet.svm.buyers[who]!.secretKey),
    ),
  splBalance: async ({ devnet }, use) => use((owner) => splBalance(devnet.svm.rpcUrl, devnet.svm.mint.address, owner)),
  signInMerchant: async ({ context, baseUrl }, use) =>
    use(async () => {
      const cookie = await sessionCookie(process.env.E2E_AUTH_SECRET!, privateKeyToAccount(testKey(8)).address, baseUrl);
      const split = cookie.indexOf("=");
      await context.addCookies([{ name: cookie.slice(0, split), value: cookie.slice(split + 1), url: baseUrl }]);
      return cookie;
    }),
  serverLog: [
    async ({}, use, testInfo) => {
      const file = process.env.E2E_SERVER_LOG;
      const start = file && fs.existsSync(file) ? fs.statSync(file).size : 0;
      await use();
      if (!file || !failed(testInfo) || !fs.existsSync(file)) return;
      const logged = fs.readFileSync(file).subarray(start).toString("utf8");
      await testInfo.attach("server-log", { body: logged, contentType: "text/plain" });
      console.log(`[e2e] the server logged during this test:\n${logged.slice(-6_000) || "(nothing)"}`);
    },
    { auto: true },
  ],
});

export { expect } from "@playwright/test";
