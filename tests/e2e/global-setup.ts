import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseDatabaseUrl } from "@/lib/database/target";
import { startDevnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext } from "@/scripts/stack";
import { freePort } from "../support/ports";
import { assertThrowawayDatabase } from "../support/postgres";

const E2E_AUTH_SECRET = "e2e-auth-secret-0123456789abcdef0123456789";

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
  const serverLog = path.join(tmp, "next-server.log");
  const app = await startNext({
    mode: "start",
    logFile: serverLog,
    port: await freePort(),
    env: { ...devnetAppEnv(devnet.config), DATABASE_URL: databaseUrl, AUTH_SECRET: E2E_AUTH_SECRET },
  });
  process.env.E2E_AUTH_SECRET = E2E_AUTH_SECRET;
  process.env.E2E_BASE_URL = app.url;
  process.env.E2E_SERVER_LOG = serverLog;
  process.env.E2E_DEVNET = JSON.stringify(devnet.config);
  return async () => {
    await app.stop();
    await devnet.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
}
