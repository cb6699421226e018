/**
 * The browser paywall in real Chromium against the real local chain, facilitator and built app.
 * The wallet is an injected EIP-6963 provider whose key stays in Node (tests/e2e/wallet.ts).
 * Screenshots of each paywall state are attached to the test results.
 */
import fs from "node:fs";
import type { Download, Page } from "@playwright/test";
import { verifyReceiptSignatureEIP712 } from "@x402/extensions/offer-receipt";
import { parseBuilderCodeSuffixFromCalldata } from "@x402/extensions/builder-code";
import { createPublicClient, http, parseAbiItem, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createKeyPairSignerFromPrivateKeyBytes, getAddressEncoder, getBase58Decoder } from "@solana/kit";
import { formatAmount } from "@/lib/paywall/format";
import { createPayingFetch } from "@/scripts/agent-client";
import { testKey } from "@/scripts/devnet/chain";
import { expect, test } from "./fixtures";

const DEEP_DIVE = "/articles/deep-dive";
const FIELD_NOTES = "/articles/field-notes";

test("a visitor pays for an article, reads it hydrated, and is never charged twice", async ({ page, context, baseUrl, devnet, paywall, useWallet, balance }, testInfo) => {
  const buyer = devnet.buyers[0]!;
  const usdc = devnet.asset.address;
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  // The wallet starts on Ethereum mainnet: the paywall must ask to switch.
  const wallet = await useWallet(buyer.privateKey as Hex, 1);

  expect(await paywall.open(`${baseUrl}${DEEP_DIVE}`)).toBe(402);
  await paywall.expectShown();
  await expect(paywall.title).toHaveText("Deep dive: what a paid request really costs");
  // Payable on the EVM devnet (picked first) or on the local Solana.
  await expect(page.getByRole("radio")).toHaveCount(2);
  await expect(page.getByRole("radio", { name: "0.02 USDC on Local devnet" })).toBeChecked();
  await expect(page.getByRole("radio", { name: "0.02 USDC on Solana Devnet" })).toBeVisible();
  // A dollar stablecoin's price also reads in dollars.
  await expect(page.locator("label", { hasText: "0.02 USDC on Local devnet" })).toContainText("≈ $0.02");
  await paywall.screenshot("paywall-initial", testInfo);

  // Help for a visitor without a wallet: what to install, and test funds on a test network.
  await page.getByText("New to wallets?").click();
  const help = page.getByTestId("wallet-help");
  await expect(help.getByRole("link", { name: "MetaMask" })).toBeVisible();
  await expect(help.getByRole("link", { name: "Get test USDC from a faucet" })).toHaveAttribute("href", "https://faucet.circle.com");
  await paywall.screenshot("paywall-wallet-help", testInfo);

  await paywall.connect();
  await expect(page.getByRole("button", { name: "Switch to Local devnet" })).toBeVisible();
  await paywall.screenshot("paywall-wrong-network", testInfo);
  await paywall.switchNetworkIfAsked();
  await expect(page.getByTestId("paywall-balance")).toHaveText(/Your balance: 1000 USDC|Your balance: \d+(\.\d+)? USDC/);
  await paywall.screenshot("paywall-ready", testInfo);

  const before = await balance(usdc, buyer.address);
  const chain = createPublicClient({ transport: http(devnet.rpcUrl) });
  const blockBefore = await chain.getBlockNumber();
  await paywall.pay();
  await paywall.expectArticle("Deep dive: what a paid request really costs");
  expect(wallet.signatures).toBe(1);
  expect(await balance(usdc, buyer.address)).toBe(before - 20_000n);
  // The paywall's client echoed the store's builder code (BUILDER_CODE): the settlement credits it on chain.
  const [transfer] = await chain.getLogs({ address: usdc as Address, event: parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)"), args: { from: buyer.address as Address }, fromBlock: blockBefore });
  expect(parseBuilderCodeSuffixFromCalldata((await chain.getTransaction({ hash: transfer!.transactionHash })).input)).toEqual({ a: process.env.E2E_BUILDER_CODE });
  // The receipt: amount, network, the settlement's transaction, until when the page stays open.
  const banner = page.getByTestId("receipt-banner");
  await expect(banner).toContainText("Paid 0.02 USDC on Local devnet");
  await expect(banner).toContainText(/Transaction 0x[0-9a-f]{6}…[0-9a-f]{6}/);
  await expect(banner).toContainText("Access until");
  await paywall.screenshot("article-unlocked", testInfo);

  // Hydrated: the calculator reacts.
  await expect(page.getByTestId("calc-total")).toHaveText("Total: $2.00 a month");
  await page.getByRole("button", { name: "+100 requests" }).click();
  await expect(page.getByTestId("calc-total")).toHaveText("Total: $4.00 a month");

  // Reload within the access window: the page, no new signature, no charge.
  const reload = await page.reload();
  expect(reload?.status()).toBe(200);
  await paywall.expectArticle("Deep dive: what a paid request really costs");
  expect(wallet.signatures).toBe(1);
  expect(await balance(usdc, buyer.address)).toBe(before - 20_000n);

  // The page's own list of articles says what the others cost.
  await expect(page.locator("aside li", { hasText: "Field notes" }).getByTestId("article-price")).toContainText("USDC on Local devnet");
  await expect(page.locator("aside li", { hasText: "Welcome" }).getByTestId("article-price")).toHaveText("Free");

  // The Coinbase Wallet SDK's COOP check (a HEAD of this page) no longer meets a 402.
  expect(consoleErrors.filter((e) => e.includes("Cross-Origin-Opener-Policy"))).toEqual([]);

  // The banner shows once, right after paying.
  await expect(page.getByTestId("receipt-banner")).toHaveCount(0);

  // A grant for one page does not open another; the wallet reconnects there by itself.
  expect(await paywall.open(`${baseUrl}${FIELD_NOTES}`)).toBe(402);
  await paywall.expectShown();
  await expect(page.getByTestId("paywall-account")).toBeVisible();
  await expect(page.getByRole("button", { name: "Connect wallet" })).toHaveCount(0);
  await paywall.screenshot("paywall-wallet-reconnected", testInfo);

  // The store's front page says what is unlocked, and the receipts page lists the payment.
  await page.goto(baseUrl);
  const deepDive = page.getByTestId("article-item").filter({ hasText: "Deep dive" });
  await expect(deepDive.getByTestId("article-price")).toContainText("0.02 USDC on Local devnet");
  await expect(deepDive.getByTestId("unlocked-badge")).toContainText("Unlocked until");
  await expect(page.getByTestId("article-item").filter({ hasText: "Field notes" }).getByTestId("unlocked-badge")).toHaveCount(0);
  await expect(page.getByTestId("article-item").filter({ hasText: "Welcome" }).getByTestId("article-price")).toHaveText("Free");
  await page.getByRole("link", { name: "Your receipts" }).click();
  const receipt = page.getByTestId("receipt");
  await expect(receipt).toHaveCount(1);
  await expect(receipt).toContainText("Deep dive: what a paid request really costs");
  await expect(receipt).toContainText("0.02 USDC on Local devnet");
  await expect(receipt).toContainText("open until");
  await paywall.screenshot("receipts", testInfo);
  // The store signs receipts (OFFER_RECEIPT_PRIVATE_KEY): the browser kept the one it was sent, and
  // what the visitor downloads checks out with @x402/extensions' verifier alone.
  const downloading = page.waitForEvent("download");
  await receipt.getByRole("link", { name: "Download signed receipt" }).click();
  const signedReceipt = JSON.parse(fs.readFileSync((await (await downloading).path())!, "utf8"));
  const verified = await verifyReceiptSignatureEIP712(signedReceipt);
  expect(verified.signer).toBe(privateKeyToAccount(process.env.E2E_OFFER_RECEIPT_KEY as Hex).address);
  expect(verified.payload).toMatchObject({ payer: buyer.address, resourceUrl: `${baseUrl}${DEEP_DIVE}`, network: devnet.network });

  // A tampered grant shows the paywall again.
  const [grant] = (await context.cookies(`${baseUrl}${DEEP_DIVE}`)).filter((c) => c.name.startsWith("tg_grant_"));
  expect(grant).toBeDefined();
  expect(grant!.httpOnly).toBe(true);
  expect(grant!.sameSite).toBe("Lax");
  // One character of the signature changed: not the last, whose low bits base64url decoders
  // ignore (changing only those leaves the same signature, which rightly still verifies).
  const at = grant!.value.length - 5;
  const swapped = grant!.value[at] === "A" ? "B" : "A";
  await context.addCookies([{ ...grant!, value: grant!.value.slice(0, at) + swapped + grant!.value.slice(at + 1) }]);
  expect(await paywall.open(`${baseUrl}${DEEP_DIVE}`)).toBe(402);
  await paywall.expectShown();
  expect(await balance(usdc, buyer.address)).toBe(before - 20_000n);
});

test("declining the signature is explained and costs nothing", async ({ page, baseUrl, devnet, paywall, useWallet, balance }, testInfo) => {
  const buyer = devnet.buyers[1]!;
  const wallet = await useWallet(buyer.privateKey as Hex);
  wallet.rejectSignatures = true;
  const before = await balance(devnet.asset.address, buyer.address);

  expect(await paywall.open(`${baseUrl}${DEEP_DIVE}`)).toBe(402);
  await paywall.connect();
  await paywall.pay();
  await expect(paywall.alert()).toContainText("Signature declined");
  await expect(paywall.alert()).toContainText("Nothing was paid");
  await expect(page.getByRole("button", { name: "Try again" })).toBeVisible();
  await paywall.screenshot("paywall-signature-declined", testInfo);
  expect(await balance(devnet.asset.address, buyer.address)).toBe(before);

  // Trying again with a willing wallet works.
  wallet.rejectSignatures = false;
  await page.getByRole("button", { name: "Try again" }).click();
  await paywall.pay();
  await paywall.expectArticle("Deep dive: what a paid request really costs");
  expect(await balance(devnet.asset.address, buyer.address)).toBe(before - 20_000n);
});

test("a page that fails after its paywall was paid is explained and costs nothing: a streamed page's not-found", async ({ page, baseUrl, devnet, paywall, useWallet, balance }, testInfo) => {
  const buyer = devnet.buyers[1]!;
  await useWallet(buyer.privateKey as Hex);
  const before = await balance(devnet.asset.address, buyer.address);
  // A test page (app/(test-pages)/) that sends its 200 before calling notFound() under its loading boundary.
  expect(await paywall.open(`${baseUrl}/test-pages/streamed/missing`)).toBe(402);
  await paywall.connect();
  await paywall.pay();
  await expect(paywall.alert()).toContainText("Page not found");
  await expect(paywall.alert()).toContainText("you were not charged");
  await paywall.screenshot("paywall-page-not-found", testInfo);
  expect(await balance(devnet.asset.address, buyer.address)).toBe(before);
  await expect(page.getByText("STREAMED-TEST-PAGE-CONTENT")).toHaveCount(0);
});

test("a visitor buys a file sold as a page: it downloads, the paywall says so, and downloading again is free", async ({ page, baseUrl, devnet, paywall, useWallet, balance }, testInfo) => {
  const buyer = devnet.buyers[2]!;
  await useWallet(buyer.privateKey as Hex);
  const before = await balance(devnet.asset.address, buyer.address);
  // A test route (app/(test-pages)/) answering a text file as an attachment.
  expect(await paywall.open(`${baseUrl}/test-pages/file`)).toBe(402);
  await paywall.connect();
  const download = page.waitForEvent("download");
  await paywall.pay();
  const file = await download;
  expect(file.suggestedFilename()).toBe("test-file.txt");
  expect(await readDownload(file)).toBe("TEST-FILE-CONTENT\n");
  await expect(page.getByTestId("paywall-downloaded")).toContainText("Paid: your download has started");
  await paywall.screenshot("paywall-download-started", testInfo);
  expect(await balance(devnet.asset.address, buyer.address)).toBe(before - 10_000n);
  // The paywall stays, so it shows the balance after the payment.
  await expect(page.getByTestId("paywall-balance")).toHaveText(`Your balance: ${formatAmount(before - 10_000n, 6)} USDC`);
  // Again, through the grant: the same file, no second payment.
  const again = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download it again" }).click();
  expect(await readDownload(await again)).toBe("TEST-FILE-CONTENT\n");
  expect(await balance(devnet.asset.address, buyer.address)).toBe(before - 10_000n);
});

/** The text of a finished download. */
async function readDownload(download: Download): Promise<string> {
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Answers the first `count` payment submissions (requests carrying PAYMENT-SIGNATURE) to `url`
 * with `answer`, without reaching the server; later ones go through.
 * @returns the PAYMENT-SIGNATURE of every submission, in order, as they happen.
 */
async function answerFirstPayments(page: Page, url: string, count: number, answer: { status: number; headers: Record<string, string>; body: string }): Promise<string[]> {
  const sent: string[] = [];
  await page.route(url, async (route) => {
    const signature = route.request().headers()["payment-signature"];
    if (!signature) return route.continue();
    sent.push(signature);
    return sent.length <= count ? route.fulfill(answer) : route.continue();
  });
  return sent;
}

test("a payment whose settlement is pending is checked again with the same signature, also after a reload: never signed or charged twice", async ({ page, baseUrl, devnet, paywall, useWallet, balance }, testInfo) => {
  const buyer = devnet.buyers[3]!;
  const wallet = await useWallet(buyer.privateKey as Hex);
  const before = await balance(devnet.asset.address, buyer.address);
  // The server's answer while a settlement is pending (a facilitator timeout), given by the browser
  // route instead of a fault between the server and its facilitator, which this stack does not
  // wire in (the server side runs on real parts in ledger.test.ts): the first four submissions are
  // answered 503 settlement_pending without reaching the server; later ones go through.
  const sent = await answerFirstPayments(page, `${baseUrl}${DEEP_DIVE}`, 4, {
    status: 503,
    headers: { "content-type": "application/json", "retry-after": "1" },
    body: JSON.stringify({ error: { code: "settlement_pending", message: "The payment's settlement is not confirmed yet; nothing more will be charged. Send the same payment again shortly to receive the resource." } }),
  });

  expect(await paywall.open(`${baseUrl}${DEEP_DIVE}`)).toBe(402);
  await paywall.connect();
  await paywall.pay();
  // Checked again by itself (three times), then the visitor is told, and cannot pay a second time.
  await expect(paywall.alert()).toContainText("Confirming your payment");
  await expect(paywall.alert()).toContainText("do not pay again");
  await expect(paywall.alert()).not.toContainText("Nothing was");
  await expect(page.getByRole("button", { name: /^Pay / })).toBeDisabled();
  await paywall.screenshot("paywall-settlement-pending", testInfo);
  expect(sent).toHaveLength(4);
  // A reload keeps the pending payment: offered again, still no second payment.
  await page.reload();
  await paywall.expectShown();
  await expect(paywall.alert()).toContainText("Confirming your payment");
  expect(sent).toHaveLength(4);
  await page.getByRole("button", { name: "Check again" }).click();
  await paywall.expectArticle("Deep dive: what a paid request really costs");
  expect(sent).toHaveLength(5);
  expect(new Set(sent).size).toBe(1);
  expect(wallet.signatures).toBe(1);
  expect(await balance(devnet.asset.address, buyer.address)).toBe(before - 20_000n);
});

test("a payment refused while it can still settle is sent again by 'Try again', also after a reload and from another tab: never signed twice", async ({ page, baseUrl, devnet, paywall, useWallet, balance }, testInfo) => {
  const buyer = devnet.buyers[3]!;
  const wallet = await useWallet(buyer.privateKey as Hex);
  const before = await balance(devnet.asset.address, buyer.address);
  // The server's answer when the facilitator refused the settlement while the chain shows the
  // payment still usable (here: the wallet was short when it settled), given by the browser route
  // as in the pending test above (the server side runs on real parts in paid-api.test.ts, where
  // the same payment is settled once the wallet is funded again). Later submissions go through.
  const sent = await answerFirstPayments(page, `${baseUrl}${DEEP_DIVE}`, 1, {
    status: 402,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      x402Version: 1,
      error: "Settlement failed: invalid_exact_evm_insufficient_balance. Nothing was charged; this payment can still be settled: send the same payment again instead of signing a new one",
      accepts: [],
      code: "settlement_failed_retryable",
    }),
  });

  expect(await paywall.open(`${baseUrl}${DEEP_DIVE}`)).toBe(402);
  await paywall.connect();
  await paywall.pay();
  await expect(paywall.alert()).toContainText("Insufficient balance");
  await expect(paywall.alert()).toContainText("Add funds if needed, then try again: the same payment is sent again");
  await paywall.screenshot("paywall-settlement-failed-retryable", testInfo);
  expect(await balance(devnet.asset.address, buyer.address)).toBe(before);
  // A reload keeps the payment: offered again, no second signature.
  await page.reload();
  await paywall.expectShown();
  await expect(paywall.alert()).toContainText("Your payment was not completed");
  await paywall.screenshot("paywall-unfinished-payment", testInfo);
  // So does another tab of the same page (a visitor who opened the article twice).
  const other = await page.context().newPage();
  expect((await other.goto(`${baseUrl}${DEEP_DIVE}`))?.status()).toBe(402);
  await expect(other.locator("main").getByRole("alert")).toContainText("Your payment was not completed");
  await expect(other.getByRole("button", { name: "Try again" })).toBeVisible();
  await page.getByRole("button", { name: "Try again" }).click();
  await paywall.expectArticle("Deep dive: what a paid request really costs");
  // The other tab hears the payment was served (storage event), reloads, and shows the article.
  await expect(other.locator("article h1")).toHaveText("Deep dive: what a paid request really costs");
  expect(sent).toHaveLength(2);
  expect(new Set(sent).size).toBe(1);
  expect(wallet.signatures).toBe(1);
  expect(await balance(devnet.asset.address, buyer.address)).toBe(before - 20_000n);
});

test("a wallet without enough balance is told so before signing", async ({ page, baseUrl, devnet, paywall, useWallet }, testInfo) => {
  const wallet = await useWallet(testKey(6)); // funded with ETH only, no test tokens
  expect(await paywall.open(`${baseUrl}${DEEP_DIVE}`)).toBe(402);
  await paywall.connect();
  await expect(paywall.alert()).toContainText("Insufficient balance");
  await expect(paywall.alert()).toContainText("You have 0 USDC and the price is 0.02 USDC");
  await expect(paywall.payButton()).toHaveCount(0);
  await paywall.screenshot("paywall-insufficient-balance", testInfo);
  expect(wallet.signatures).toBe(0);
});

test("two payment options: the chooser pays with the one picked", async ({ page, baseUrl, devnet, paywall, useWallet, balance }, testInfo) => {
  const buyer = devnet.buyers[2]!;
  const [usdc, eurc] = devnet.assets;
  await useWallet(buyer.privateKey as Hex);
  expect(await paywall.open(`${baseUrl}${FIELD_NOTES}`)).toBe(402);
  await expect(page.getByRole("radio")).toHaveCount(2);
  await expect(page.getByRole("radio", { name: "0.01 USDC on Local devnet" })).toBeChecked();
  // No exchange rate is guessed for a euro stablecoin.
  await expect(page.locator("label", { hasText: "0.01 EURC on Local devnet" })).not.toContainText("$");
  await paywall.chooseOption("0.01 EURC on Local devnet");
  await paywall.screenshot("paywall-chooser", testInfo);

  const [usdcBefore, eurcBefore] = [await balance(usdc!.address, buyer.address), await balance(eurc!.address, buyer.address)];
  await paywall.connect();
  await expect(page.getByTestId("paywall-balance")).toContainText("EURC");
  await expect(paywall.payButton()).toHaveText("Pay 0.01 EURC");
  await paywall.pay();
  await paywall.expectArticle("Field notes from running a paywall");
  expect(await balance(eurc!.address, buyer.address)).toBe(eurcBefore - 10_000n);
  expect(await balance(usdc!.address, buyer.address)).toBe(usdcBefore);

  await page.getByRole("checkbox", { name: "Replays are refused" }).check();
  await expect(page.getByTestId("checklist-count")).toHaveText("(1 of 5 done)");
});

test("works on a phone-sized screen and by keyboard", async ({ page, baseUrl, devnet, paywall, useWallet }, testInfo) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await useWallet(devnet.buyers[3]!.privateKey as Hex);
  expect(await paywall.open(`${baseUrl}${FIELD_NOTES}`)).toBe(402);
  const connect = page.getByRole("button", { name: "Connect wallet" });
  await expect(connect).toBeInViewport();
  const box = await connect.boundingBox();
  expect(box!.width).toBeLessThanOrEqual(375);
  await paywall.screenshot("paywall-phone", testInfo);

  // Keyboard only: move to the second option, then to Connect wallet, and open the wallet list.
  await page.getByRole("radio", { name: "0.01 USDC on Local devnet" }).focus();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("radio", { name: "0.01 EURC on Local devnet" })).toBeChecked();
  await connect.focus();
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Tollgate Test Wallet" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("paywall-account")).toBeVisible();
  await expect(paywall.payButton()).toHaveText("Pay 0.01 EURC");
});

test("a visitor who opens a priced API's address reads what it is and what a call costs; the same address fetched by a script gets the x402 JSON", async ({ page, baseUrl }) => {
  const res = await page.goto(`${baseUrl}/api/demo/quote`);
  expect(res?.status()).toBe(402);
  expect(res?.headers()["payment-required"]).toBeTruthy();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("GET /api/demo/quote");
  await expect(page.getByText("A quotation of the minute")).toBeVisible();
  await expect(page.getByText("Each call costs 0.01 USDC on Local devnet or 0.01 USDC on Solana Devnet.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Priced APIs, for agents" })).toHaveAttribute("href", "/llms.txt");
  // A script on the page fetching the same address gets the JSON 402 an x402 client reads.
  const scripted = await page.evaluate(async () => {
    const r = await fetch("/api/demo/quote", { headers: { accept: "text/html, application/json" } });
    return { status: r.status, type: r.headers.get("content-type"), code: (await r.json()).code };
  });
  expect(scripted).toEqual({ status: 402, type: "application/json", code: "payment_required" });
});

test("agents without Accept: text/html get the plain x402 402 and can pay it", async ({ request, baseUrl, devnet, balance }) => {
  const res = await request.get(`${baseUrl}${DEEP_DIVE}`, { headers: { accept: "application/json" } });
  expect(res.status()).toBe(402);
  expect(res.headers()["payment-required"]).toBeTruthy();
  expect((await res.json()).accepts.map((a: { maxAmountRequired: string }) => a.maxAmountRequired)).toEqual(["20000", "20000"]);

  const buyer = devnet.buyers[4]!;
  const before = await balance(devnet.asset.address, buyer.address);
  const paid = await createPayingFetch(devnet, buyer.privateKey as Hex)(`${baseUrl}${DEEP_DIVE}`);
  expect(paid.status).toBe(200);
  expect(await paid.text()).toContain("Deep dive: what a paid request really costs");
  expect(paid.headers.get("set-cookie")).toMatch(/^tg_grant_[\w-]{16}=[\w-]+\.[\w-]+\.[\w-]+; Path=\/articles\/deep-dive; Max-Age=86400; HttpOnly; SameSite=Lax; Secure$/);
  expect(await balance(devnet.asset.address, buyer.address)).toBe(before - 20_000n);
  expect(privateKeyToAccount(buyer.privateKey as Hex).address).toBe(buyer.address);
});

test("a visitor pays an article on Solana with a Wallet Standard wallet, and is never charged twice", async ({ page, baseUrl, devnet, paywall, useSolanaWallet, splBalance }, testInfo) => {
  const buyer = devnet.svm.buyers[0]!;
  const wallet = await useSolanaWallet(0);
  expect(await paywall.open(`${baseUrl}${DEEP_DIVE}`)).toBe(402);
  await paywall.chooseOption("0.02 USDC on Solana Devnet");
  await page.getByRole("button", { name: "Tollgate Solana Test Wallet" }).click();
  await expect(page.getByTestId("paywall-account")).toBeVisible();
  await expect(page.getByTestId("paywall-balance")).toHaveText(/Your balance: \d+(\.\d+)? USDC/);
  await paywall.screenshot("paywall-solana-ready", testInfo);

  const [before, merchantBefore] = [await splBalance(buyer.address), await splBalance(devnet.svm.payTo)];
  await paywall.pay();
  await paywall.expectArticle("Deep dive: what a paid request really costs");
  expect(wallet.signatures).toBe(1);
  expect(await splBalance(buyer.address)).toBe(before - 20_000n);
  expect(await splBalance(devnet.svm.payTo)).toBe(merchantBefore + 20_000n);
  await expect(page.getByTestId("calc-total")).toHaveText("Total: $2.00 a month"); // hydrated

  const reload = await page.reload();
  expect(reload?.status()).toBe(200);
  await paywall.expectArticle("Deep dive: what a paid request really costs");
  expect(wallet.signatures).toBe(1);
  expect(await splBalance(buyer.address)).toBe(before - 20_000n);
  await paywall.screenshot("article-unlocked-solana", testInfo);
});

test("on Solana, a declined signature is explained and costs nothing", async ({ page, baseUrl, devnet, paywall, useSolanaWallet, splBalance }) => {
  const buyer = devnet.svm.buyers[1]!;
  const wallet = await useSolanaWallet(1);
  wallet.rejectSignatures = true;
  const before = await splBalance(buyer.address);
  expect(await paywall.open(`${baseUrl}${DEEP_DIVE}`)).toBe(402);
  await paywall.chooseOption("0.02 USDC on Solana Devnet");
  await page.getByRole("button", { name: "Tollgate Solana Test Wallet" }).click();
  await paywall.pay();
  await expect(paywall.alert()).toContainText("Nothing was paid");
  expect(await splBalance(buyer.address)).toBe(before);
  // The paywall remembers the visitor's choice of network and token.
  expect(await paywall.open(`${baseUrl}${DEEP_DIVE}`)).toBe(402);
  await expect(page.getByRole("radio", { name: "0.02 USDC on Solana Devnet" })).toBeChecked();
});

test("an empty Solana wallet is told so before signing", async ({ page, baseUrl, paywall, useSolanaWallet }, testInfo) => {
  // A fresh keypair: no SOL, no token account for the mint.
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const signer = await createKeyPairSignerFromPrivateKeyBytes(seed, true);
  const secretKey = getBase58Decoder().decode(new Uint8Array([...seed, ...getAddressEncoder().encode(signer.address)]));
  const wallet = await useSolanaWallet({ secretKey });
  expect(await paywall.open(`${baseUrl}${DEEP_DIVE}`)).toBe(402);
  await paywall.chooseOption("0.02 USDC on Solana Devnet");
  await page.getByRole("button", { name: "Tollgate Solana Test Wallet" }).click();
  await expect(paywall.alert()).toContainText("Insufficient balance");
  await expect(paywall.alert()).toContainText("You have 0 USDC and the price is 0.02 USDC");
  await expect(paywall.payButton()).toHaveCount(0);
  await paywall.screenshot("paywall-solana-insufficient", testInfo);
  expect(wallet.signatures).toBe(0);
});
