/**
 * `npm run dev` as a developer runs it, on ports of the test's choosing: the devnet's RPC, Solana
 * RPC and facilitator bind where DEVNET_RPC_PORT, DEVNET_SVM_RPC_PORT and DEVNET_FACILITATOR_PORT
 * say (not 8545/8899/4020), the app where PORT says, and the first browser visit of a priced page
 * after "ready" gets the paywall page rather than a plain 402 (the paywall compiles before). The
 * test removes .next/dev first, as a fresh clone has none. Then README's sequence (stop, seed
 * demo payments, restart) is watched in Chromium for pages reloading themselves.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_OFFER_RECEIPT_KEY } from "@/scripts/devnet/config";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("npm run dev", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-dev-"));
  let child: ChildProcess;
  let output = "";
  const ports = { app: 0, rpc: 0, svm: 0, facilitator: 0 };

  const env = () =>
    ({
      ...process.env,
      NODE_ENV: undefined,
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(ports.app),
      DEVNET_RPC_PORT: String(ports.rpc),
      DEVNET_SVM_RPC_PORT: String(ports.svm),
      DEVNET_FACILITATOR_PORT: String(ports.facilitator),
      DEVNET_FILE: path.join(tmp, "devnet.json"),
      DATABASE_URL: `pglite:${path.join(tmp, "db")}`,
    }) as unknown as NodeJS.ProcessEnv;

  /** Starts `npm run dev` and waits for its "ready" text. */
  async function startDev(): Promise<void> {
    output = "";
    child = spawn("npm", ["run", "dev"], { cwd: ROOT, env: env(), stdio: ["ignore", "pipe", "pipe"], detached: true });
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const deadline = Date.now() + 200_000;
    while (!output.includes("Pay a route as an agent")) {
      if (child.exitCode !== null) throw new Error(`npm run dev exited (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`npm run dev not ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops it as a developer does (Ctrl-C), and waits until it is gone. */
  async function stopDev(): Promise<void> {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid!, "SIGINT");
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }

  beforeAll(async () => {
    fs.rmSync(path.join(ROOT, ".next/dev"), { recursive: true, force: true });
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    await startDev();
  });

  afterAll(async () => {
    await stopDev();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("binds the devnet and the app where the port variables say", async () => {
    const devnet = JSON.parse(fs.readFileSync(path.join(tmp, "devnet.json"), "utf8")) as { rpcUrl: string; facilitatorUrl: string; svm: { rpcUrl: string } };
    expect(devnet.rpcUrl).toBe(`http://127.0.0.1:${ports.rpc}`);
    expect(devnet.facilitatorUrl).toBe(`http://127.0.0.1:${ports.facilitator}`);
    expect(devnet.svm.rpcUrl).toBe(`http://127.0.0.1:${ports.svm}`);
    const chain = await fetch(devnet.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
    expect((await chain.json()).result).toMatch(/^0x/);
    expect((await fetch(`${devnet.facilitatorUrl}/supported`)).status).toBe(200);
    expect(output).toContain(`http://127.0.0.1:${ports.app}`);
    // Offers and receipts are signed out of the box, with the public development key.
    const listing = await (await fetch(`http://127.0.0.1:${ports.app}/.well-known/x402`)).json();
    expect(listing.offerReceipt).toMatchObject({ format: "eip712", signer: privateKeyToAccount(DEV_OFFER_RECEIPT_KEY).address });
  });

  it("meets the first browser visit of a priced page with the paywall", { timeout: 240_000 }, async () => {
    const res = await fetch(`http://127.0.0.1:${ports.app}/articles/deep-dive`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(402);
    const html = await res.text();
    expect(html).toContain('data-tollgate-lock="proxy"');
    expect(html).toContain("Deep dive: what a paid request really costs");
    // The warm-up's own first render succeeded too: no error on the developer's screen. (When the
    // paywall was a rewrite, Next sent it out again as an HTTP proxy request to localhost, and the
    // first one, made while the page compiled, failed with "Failed to proxy … socket hang up".)
    expect(output).not.toMatch(/Failed to proxy|could not be rendered/);
  });

  it("after stop → db:seed:payments → restart, as README says, a page does not reload itself", { timeout: 600_000 }, async () => {
    await stopDev();
    const seeded = spawnSync("npm", ["run", "db:seed:payments", "--", "20000"], { cwd: ROOT, env: env(), encoding: "utf8" });
    expect(seeded.status, seeded.stdout + seeded.stderr).toBe(0);
    await startDev();
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
    try {
      const page = await browser.newPage();
      // `next dev` compiles each page on its first visit: on a busy 2-core box that alone has
      // taken over 30 s (Playwright's default wait for a navigation).
      page.setDefaultNavigationTimeout(180_000);
      let loads = 0;
      page.on("load", () => loads++);
      await page.goto(`http://127.0.0.1:${ports.app}/articles/welcome`);
      await expect.poll(() => loads).toBe(1);
      // Watch it for a while: a reload loop shows as more loads (on a slow box, fewer, never more).
      await page.waitForTimeout(20_000);
      await page.goto(`http://127.0.0.1:${ports.app}/dashboard/sign-in`);
      await page.waitForTimeout(10_000);
      expect(loads).toBe(2);
    } finally {
      await browser.close();
    }
  });
});
