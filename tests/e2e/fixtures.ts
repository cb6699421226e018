import { test as base } from "@playwright/test";
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
};

export const test = base.extend<Fixtures>({
  baseUrl: async ({}, use) => use(process.env.E2E_BASE_URL!),
  devnet: async ({}, use) => use(devnetFileSchema.parse(JSON.parse(process.env.E2E_DEVNET!))),
  paywall: async ({ page }, use) => use(new PaywallPage(page)),
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
});

export { expect } from "@playwright/test";
