import { expect, type Page } from "@playwright/test";

/** The merchant dashboard as a merchant uses it. */
export class DashboardPage {
  constructor(readonly page: Page, readonly baseUrl: string) {}

  async signIn(walletName = "Tollgate Test Wallet") {
    await this.page.goto(`${this.baseUrl}/dashboard`);
    await expect(this.page).toHaveURL(/\/dashboard\/sign-in$/);
    await this.page.getByRole("button", { name: walletName }).click();
    await this.page.getByRole("button", { name: /^Sign in as / }).click();
    await expect(this.page.getByRole("heading", { name: "Revenue", level: 1 })).toBeVisible();
  }

  /** Creates a route in the editor; with `prefilledPayTo`, first checks "Pay to" came filled with it. */
  async createRoute(r: { method: string; path: string; description: string; price: string; payTo: string; token: string; prefilledPayTo?: string }) {
    await this.page.goto(`${this.baseUrl}/dashboard/routes/new`);
    await this.page.getByLabel("Method").selectOption(r.method);
    await this.page.getByLabel("Path pattern").fill(r.path);
    await this.page.getByLabel("Description (shown to buyers)").fill(r.description);
    const option = this.page.getByTestId("option-editor").first();
    const tokenSelect = option.getByLabel("Token", { exact: true });
    const value = await tokenSelect.locator("option", { hasText: new RegExp(`^${r.token} `) }).first().getAttribute("value");
    await tokenSelect.selectOption(value!);
    await option.getByLabel(/^Price/).fill(r.price);
    if (r.prefilledPayTo) await expect(option.getByLabel("Pay to")).toHaveValue(r.prefilledPayTo);
    await option.getByLabel("Pay to").fill(r.payTo);
    await this.page.getByRole("button", { name: "Create route" }).click();
    await expect(this.page).toHaveURL(/\/dashboard\/routes$/);
  }
}
