/**
 * `npm run bench:paywall`: first-load JavaScript of Tollgate's paywall page against the EVM
 * paywall of @x402/paywall (the official one), both measured in this run, bytes and gzip.
 *
 * - Tollgate: the built app serves the 402 paywall for /articles/deep-dive; every script it
 *   references (and inline script) is fetched and counted, as a browser's first load would.
 *   Chunks loaded later on demand (the Solana wallet code, wallet SDKs) are not first-load.
 * - @x402/paywall: its `evmPaywall.generateHtml` for the same PaymentRequired; the page is
 *   self-contained, so its inline scripts are its first-load JavaScript.
 *
 * The official package is fetched from the npm registry at its pinned version with `npm pack`
 * (its Algorand dependencies are not installable here, and it needs none to render HTML).
 * Goal: Tollgate's gzip size at most a third of the official one.
 *
 * For the full picture it also loads the paywall in Chromium, clicks "Connect wallet" and counts
 * every script downloaded by the time the wallet list shows (the on-demand wallet code included).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired } from "@x402/core/types";
import { parseDatabaseUrl } from "@/lib/database/target";
import { startDevnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext } from "@/scripts/stack";
import { freePort } from "@/tests/support/ports";

const OFFICIAL = "@x402/paywall@2.12.0";
const root = path.resolve(import.meta.dirname, "..");
const cacheDir = path.join(root, ".cache/bench");

type Size = { bytes: number; gzip: number; files: number };
const add = (a: Size, code: string): Size => ({ bytes: a.bytes + Buffer.byteLength(code), gzip: a.gzip + gzipSync(code, { level: 9 }).length, files: a.files + 1 });
const empty = (): Size => ({ bytes: 0, gzip: 0, files: 0 });
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** Extracts the pinned official package under .cache (once) and returns its EVM module path. */
function officialPaywallModule(): string {
  const dir = path.join(cacheDir, "node_modules/@x402/paywall");
  const entry = path.join(dir, "dist/esm/evm/index.js");
  if (!fs.existsSync(entry)) {
    fs.mkdirSync(dir, { recursive: true });
    const tgz = execFileSync("npm", ["pack", OFFICIAL, "--silent", "--pack-destination", cacheDir], { cwd: cacheDir, encoding: "utf8" }).trim().split("\n").at(-1)!;
    execFileSync("tar", ["xzf", path.join(cacheDir, tgz), "-C", dir, "--strip-components=1"]);
  }
  return entry;
}

function scriptsOf(html: string): { srcs: string[]; inline: string[] } {
  const srcs = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"[^>]*>/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!).filter((s) => s.trim());
  return { srcs, inline };
}

if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) {
  execFileSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit" });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-bench-"));
const devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
const databaseUrl = `pglite:${tmp}/db`;
await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet.config);
const app = await startNext({
  mode: "start",
  port: await freePort(),
  env: { ...devnetAppEnv(devnet.config), DATABASE_URL: databaseUrl, AUTH_SECRET: "bench-grant-secret-0123456789abcdef012345" },
});

try {
  const res = await fetch(`${app.url}/articles/deep-dive`, { headers: { accept: "text/html" } });
  if (res.status !== 402) throw new Error(`expected the paywall (402), got ${res.status}`);
  const paymentRequired: PaymentRequired = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!);
  const ours = scriptsOf(await res.text());
  let external = empty();
  for (const src of ours.srcs) {
    const js = await fetch(new URL(src, app.url)).then((r) => r.text());
    external = add(external, js);
  }
  const inline = ours.inline.reduce(add, empty());

  const { evmPaywall } = (await import(officialPaywallModule())) as {
    evmPaywall: { generateHtml(req: unknown, pr: unknown, cfg: Record<string, unknown>): string };
  };
  const officialHtml = evmPaywall.generateHtml(paymentRequired.accepts[0], paymentRequired, { testnet: true, appName: "Tollgate" });
  const official = scriptsOf(officialHtml).inline.reduce(add, empty());

  // Everything a visitor has downloaded once the wallet list is open.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  let connected = empty();
  try {
    const page = await browser.newPage();
    const bodies: Promise<string>[] = [];
    page.on("response", (r) => {
      if (r.request().resourceType() === "script") bodies.push(r.text());
    });
    await page.goto(`${app.url}/articles/deep-dive`);
    await page.getByRole("button", { name: "Connect wallet" }).click();
    await page.getByText("Choose a wallet").waitFor();
    connected = (await Promise.all(bodies)).reduce(add, inline);
  } finally {
    await browser.close();
  }

  const total = { bytes: external.bytes + inline.bytes, gzip: external.gzip + inline.gzip };
  const ratio = total.gzip / official.gzip;
  console.log(`\nPaywall first-load JavaScript (gzip -9 per file)`);
  console.log(`  Tollgate paywall    ${kb(total.bytes).padStart(10)} raw  ${kb(total.gzip).padStart(9)} gzip   (${external.files} files ${kb(external.gzip)} + inline data ${kb(inline.gzip)})`);
  console.log(`  ${OFFICIAL.padEnd(19)} ${kb(official.bytes).padStart(10)} raw  ${kb(official.gzip).padStart(9)} gzip   (baseline, same run)`);
  console.log(`  ratio               ${ratio.toFixed(2)}x baseline (gzip)   goal ≤ 0.33: ${ratio <= 1 / 3 ? "met" : "NOT met"}`);
  console.log(`  after "Connect wallet" (wallet code loaded on demand): ${kb(connected.gzip)} gzip, ${(connected.gzip / official.gzip).toFixed(2)}x baseline`);
} finally {
  await app.stop();
  await devnet.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
