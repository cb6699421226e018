import type { Address, Hex } from "viem";
import { openDatabase, type Database } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { createPayingFetch } from "@/scripts/agent-client";
import { balanceOf } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext, type NextServer } from "@/scripts/stack";
import { freePort } from "./ports";
import { startPostgres, type TestPostgres } from "./postgres";

/** A devnet, a PostgreSQL cluster and the built app on it, with the helpers every test here uses. */
export type Stack = {
  devnet: Devnet;
  app: NextServer;
  /** The app's whole environment (to start another instance like it). */
  env: Record<string, string>;
  db: Database;
  buyer: (i: number) => { address: string; privateKey: string };
  balance: (owner: string) => Promise<bigint>;
  /** Buyer `i` pays for the quote with the official client (at `origin`, default the app). */
  pay: (i: number, origin?: string) => Promise<Response>;
  stop: () => Promise<void>;
};

/**
 * Starts a devnet, a PostgreSQL cluster and the app under `next start` with the devnet's settings
 * plus what `appEnv` returns (it may start parts of its own against the devnet first).
 */
export async function startPostgresStack(pgBin: string, appEnv: (devnet: Devnet) => Promise<Record<string, string>>): Promise<Stack> {
  const devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
  const postgres: TestPostgres = await startPostgres(pgBin);
  await prepareDatabase(parseDatabaseUrl(postgres.url), devnet.config);
  const env = { ...devnetAppEnv(devnet.config), DATABASE_URL: postgres.url, ...(await appEnv(devnet)) };
  const app = await startNext({ mode: "start", port: await freePort(), env });
  const db = await openDatabase(parseDatabaseUrl(postgres.url));
  const buyer = (i: number) => devnet.config.buyers[i]!;
  return {
    devnet,
    app,
    env,
    db,
    buyer,
    balance: (owner) => balanceOf(devnet.config.rpcUrl, devnet.config.asset.address as Address, owner as Address),
    pay: (i, origin = app.url) => createPayingFetch(devnet.config, buyer(i).privateKey as Hex)(`${origin}/api/demo/quote`),
    stop: async () => {
      await db.close();
      await app.stop();
      await devnet.stop();
      await postgres.stop();
    },
  };
}

