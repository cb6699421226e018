import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { seedDemoRoutes } from "@/lib/demo/seed";
import { openDatabase } from "@/lib/database/client";
import { applyMigrations } from "@/lib/database/migrations";
import type { DatabaseTarget } from "@/lib/database/target";
import type { DevnetFile } from "./devnet/config";

const ROOT = path.resolve(import.meta.dirname, "..");

/**
 * Migrates the database and writes the demo routes priced in the devnet's test tokens. Opens and
 * closes the database (so a PGlite lock is free again for the app afterwards).
 */
export async function prepareDatabase(target: DatabaseTarget, devnet: DevnetFile): Promise<string[]> {
  const applied = await applyMigrations(target, ROOT);
  const db = await openDatabase(target);
  try {
    const [usdc, eurc] = devnet.assets.map((a) => ({ address: a.address, eip712: { name: a.name, version: a.version } }));
    await seedDemoRoutes(db.prisma, {
      network: devnet.network,
      asset: usdc!,
      altAsset: eurc!,
      payTo: devnet.payTo,
      svm: { network: devnet.svm.network, mint: devnet.svm.mint.address, payTo: devnet.svm.payTo },
    });
  } finally {
    await db.close();
  }
  return applied;
}

/**
 * The app's environment for a devnet: its facilitator, and its chain named and reachable for the
 * paywall (viem would otherwise describe chain 84532 as the real Base Sepolia).
 *
 * @param leadingRpcUrls RPC endpoints listed before the devnet's own on both networks, so tried
 *   first (tests play providers in an outage with them); none by default.
 */
export function devnetAppEnv(devnet: DevnetFile, { leadingRpcUrls = [] }: { leadingRpcUrls?: string[] } = {}): Record<string, string> {
  const rpc = (own: string) => (leadingRpcUrls.length > 0 ? [...leadingRpcUrls, own] : own);
  return {
    FACILITATOR_URL: devnet.facilitatorUrl,
    EVM_CHAINS: JSON.stringify({ [devnet.chainId]: { rpcUrl: rpc(devnet.rpcUrl), name: "Local devnet", tokens: devnet.assets.map((a) => a.address) } }),
    // The local SVM runs under Solana devnet's id: Tollgate reads it through the local RPC.
    SOLANA_RPC_URLS: JSON.stringify({ [devnet.svm.network]: rpc(devnet.svm.rpcUrl) }),
    // The devnet's merchant (anvil account 8, and its Solana wallet) may sign in to the dashboard.
    ADMIN_ADDRESSES: `${devnet.payTo},${devnet.svm.payTo}`,
  };
}

/** A running Next server. `stop()` ends it (and its children) and waits. */
export type NextServer = { url: string; process: ChildProcess; stop: () => Promise<void>; kill: () => Promise<void>; output: () => string };

/**
 * Starts `next dev` or `next start` (needs a prior `next build`) on 127.0.0.1:`port` and waits
 * until it serves /api/demo/health.
 *
 * @param env extra environment (FACILITATOR_URL, DATABASE_URL, …) on top of this process's; under
 *   `start`, PUBLIC_URL defaults to the server's own http://127.0.0.1:`port`.
 * @throws Error with the server's output when it exits or is not ready within `timeoutMs`.
 */
export async function startNext({
  mode,
  port,
  env,
  timeoutMs = 120_000,
  inheritOutput = false,
  probe = "health",
  logFile,
}: {
  mode: "dev" | "start";
  port: number;
  env: Record<string, string | undefined>;
  timeoutMs?: number;
  inheritOutput?: boolean;
  /**
   * How readiness is seen: "health" (a 200 from /api/demo/health, through the proxy), or
   * "listening" (any answer to /favicon.ico, which the proxy never sees: no request reaches the app's code).
   */
  probe?: "health" | "listening";
  /** A file the server's output is also appended to as it comes (for a test to read what the server logged). */
  logFile?: string;
}): Promise<NextServer> {
  const nextBin = path.join(ROOT, "node_modules/next/dist/bin/next");
  // NODE_ENV is next's to choose (development for dev, production for start): a test runner's
  // NODE_ENV=test must not leak into the server under test.
  const inherited: Record<string, string | undefined> = { ...process.env };
  delete inherited.NODE_ENV;
  const child = spawn(process.execPath, [nextBin, mode, "-H", "127.0.0.1", "-p", String(port)], {
    cwd: ROOT,
    // `next start` runs in production mode, where PUBLIC_URL is required: a local server's public
    // origin is the address it listens on unless the caller says otherwise.
    env: { ...inherited, NEXT_TELEMETRY_DISABLED: "1", PORT: String(port), ...(mode === "start" ? { PUBLIC_URL: `http://127.0.0.1:${port}` } : {}), ...env } as unknown as NodeJS.ProcessEnv,
    stdio: inheritOutput ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const log = logFile ? fs.createWriteStream(logFile, { flags: "a" }) : null;
  const collect = (d: Buffer) => {
    output += d;
    log?.write(d);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  child.once("exit", () => log?.end());
  const url = `http://127.0.0.1:${port}`;
  /** Sends `signal` to the server's process group, SIGKILL after `graceMs`, and waits for it to exit. */
  const terminate = async (signal: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode) return;
    const exited = new Promise((r) => child.once("exit", r));
    const send = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        child.kill(sig); // no group (or already gone)
      }
    };
    send(signal);
    const timer = setTimeout(() => send("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const stop = () => terminate("SIGTERM", 5_000);
  /** A crash: SIGKILL, no graceful shutdown (requests in flight die with the process). */
  const kill = () => terminate("SIGKILL", 0);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next ${mode} exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}${probe === "health" ? "/api/demo/health" : "/favicon.ico"}`);
      if (res.ok || probe === "listening") return { url, process: child, stop, kill, output: () => output };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`next ${mode} not ready after ${timeoutMs} ms:\n${output}`);
}
