import { expect, type Page } from "@playwright/test";
import { expectAccessible } from "../accessibility";

/** The paywall as a visitor sees it. */
export class PaywallPage {
  constructor(readonly page: Page) {}

  /** Opens a URL and returns the HTTP status of the document. */
  async open(url: string): Promise<number> {
    const response = await this.page.goto(url);
    return response?.status() ?? 0;
  }

  get title() {
    return this.page.getByTestId("paywall-title");
  }

  async expectShown() {
    await expect(this.page.getByText("Payment required", { exact: true })).toBeVisible();
    await expect(this.title).toBeVisible();
  }

  async chooseOption(label: string | RegExp) {
    await this.page.getByRole("radio", { name: label }).check();
  }

  async connect(walletName = "Tollgate Test Wallet") {
    await this.page.getByRole("button", { name: "Connect wallet" }).click();
    // The wallet code loads on demand; the list appears once wagmi discovered the wallets.
    await expect(this.page.getByRole("button", { name: walletName })).toBeVisible();
    // Every wallet has an icon: its own, or a known one (Coinbase Wallet's SDK brings none).
    await expect(this.page.getByRole("button", { name: "Coinbase Wallet" }).locator("img")).toHaveAttribute("src", "/wallets/coinbase.svg");
    await expectAccessible(this.page, "the paywall's wallet list");
    await this.page.getByRole("button", { name: walletName }).click();
    await expect(this.page.getByTestId("paywall-account")).toBeVisible();
  }

  async switchNetworkIfAsked() {
    const button = this.page.getByRole("button", { name: /^Switch to / });
    if (await button.isVisible()) await button.click();
  }

  payButton() {
    return this.page.getByRole("button", { name: /^Pay / });
  }

  async pay() {
    await expect(this.payButton()).toBeEnabled();
    await this.payButton().click();
  }

  /** The paywall's own alert (Next's route announcer is an alert too). */
  alert() {
    return this.page.locator("main").getByRole("alert");
  }

  /** The unlocked article (the paywall repeats the title, so look inside <article>). */
  async expectArticle(title: string) {
    await expect(this.page.locator("article h1")).toHaveText(title);
  }

  /** Saves a screenshot of this state into the test's results, and checks the state with axe-core. */
  async screenshot(name: string, testInfo: { outputPath: (n: string) => string; attach: (n: string, o: { path: string; contentType: string }) => Promise<void> }) {
    await expectAccessible(this.page, name);
    const file = testInfo.outputPath(`${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    await testInfo.attach(name, { path: file, contentType: "image/png" });
  }
}
