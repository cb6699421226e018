import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { upsertPricedRoute } from "@/lib/routes/mutations";
import { startDevnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { assertThrowawayDatabase } from "../support/postgres";
import { startRpcOutage } from "../support/rpc-proxy";

const E2E_AUTH_SECRET = "e2e-auth-secret-0123456789abcdef0123456789";
/** The key the app signs offers and receipts with (OFFER_RECEIPT_PRIVATE_KEY): visitors' receipts are signed. */
const E2E_OFFER_RECEIPT_KEY = `0x${"e2".repeat(32)}`;
/** The store's ERC-8021 builder code (BUILDER_CODE): the paywall's payments credit it on chain. */
const E2E_BUILDER_CODE = "tollgate_e2e";

/**
 * Boots what the browser tests pay against: a devnet (anvil + tokens + facilitator), a throwaway
 * PGlite, and the production build under `next start`. Tests find them through E2E_* variables;
 * the server's output goes to E2E_SERVER_LOG, which a failing test prints (fixtures.ts).
 */
export default async function globalSetup() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-e2e-"));
  const devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
  const databaseUrl = `pglite:${tmp}/db`;
  assertThrowawayDatabase(databaseUrl);
  await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet.config);
  // The test pages (app/(test-pages)/, in the build `npm test` makes), priced at 0.01 USDC: the
  // streamed page, and a file sold as a page.
  const db = await openDatabase(parseDatabaseUrl(databaseUrl));
  const usdc = devnet.config.assets[0]!;
  const paymentOptions = [{ network: devnet.config.network, asset: usdc.address, amount: "10000", payTo: devnet.config.payTo, extra: { name: usdc.name, version: usdc.version } }];
  await upsertPricedRoute(db.prisma, { kind: "page", method: "GET", pathPattern: "/test-pages/streamed/:outcome", description: "A streamed test page", paymentOptions });
  await upsertPricedRoute(db.prisma, { kind: "page", method: "GET", pathPattern: "/test-pages/file", description: "A test file", paymentOptions });
  await db.close();
  const serverLog = path.join(tmp, "next-server.log");
  // Each network's RPC setting lists a provider in an outage first (README "RPC endpoints"): every
  // chain read, the browser's (balances, the Solana transaction's blockhash) and the server's,
  // goes on to the devnet's own endpoint.
  const outage = await startRpcOutage();
  const app = await startNext({
    mode: "start",
    logFile: serverLog,
    port: await freePort(),
    env: { ...devnetAppEnv(devnet.config, { leadingRpcUrls: [outage.url] }), DATABASE_URL: databaseUrl, AUTH_SECRET: E2E_AUTH_SECRET, OFFER_RECEIPT_PRIVATE_KEY: E2E_OFFER_RECEIPT_KEY, BUILDER_CODE: E2E_BUILDER_CODE },
  });
  process.env.E2E_AUTH_SECRET = E2E_AUTH_SECRET;
  process.env.E2E_OFFER_RECEIPT_KEY = E2E_OFFER_RECEIPT_KEY;
  process.env.E2E_BUILDER_CODE = E2E_BUILDER_CODE;
  process.env.E2E_BASE_URL = app.url;
  process.env.E2E_SERVER_LOG = serverLog;
  process.env.E2E_DEVNET = JSON.stringify(devnet.config);
  return async () => {
    await app.stop();
    outage.close();
    await devnet.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
}
