/**
 * `npm run dev`: everything a developer needs, with no other setup.
 *   1. the local x402 network (anvil + test USDC/EURC + facilitator; reused if `npm run devnet` runs),
 *   2. the database migrated (PGlite in .data/pglite unless DATABASE_URL says otherwise),
 *   3. the demo routes seeded, priced in the devnet's test tokens,
 *   4. `next dev` on http://127.0.0.1:$PORT (3000), signing offers and receipts with a public
 *      development key (DEV_OFFER_RECEIPT_KEY) unless OFFER_RECEIPT_PRIVATE_KEY is set, and
 *      declaring the builder code DEV_BUILDER_CODE unless BUILDER_CODE is set.
 * Ctrl-C stops all of it.
 */
import fs from "node:fs";
import { describeTarget, parseDatabaseUrl } from "@/lib/database/target";
import { startDevnet, type Devnet } from "./devnet/index";
import { DEV_BUILDER_CODE, DEV_OFFER_RECEIPT_KEY, DEVNET_FILE, readDevnetFile, type DevnetFile } from "./devnet/config";
import { devnetAppEnv, prepareDatabase, startNext } from "./stack";

const port = Number(process.env.PORT ?? 3000);

/** A devnet started by `npm run devnet` that still answers, if any. */
async function runningDevnet(): Promise<DevnetFile | undefined> {
  if (!fs.existsSync(DEVNET_FILE)) return undefined;
  try {
    const file = readDevnetFile();
    process.kill(file.pid, 0);
    const res = await fetch(`${file.facilitatorUrl}/supported`);
    return res.ok ? file : undefined;
  } catch {
    return undefined;
  }
}

let devnet: Devnet | undefined;
let config = await runningDevnet();
if (config) {
  console.log(`Using the running local network (pid ${config.pid}).`);
} else {
  devnet = await startDevnet({
    rpcPort: Number(process.env.DEVNET_RPC_PORT ?? 8545),
    facilitatorPort: Number(process.env.DEVNET_FACILITATOR_PORT ?? 4020),
    svmRpcPort: Number(process.env.DEVNET_SVM_RPC_PORT ?? 8899),
  });
  config = devnet.config;
}

const target = parseDatabaseUrl(process.env.DATABASE_URL);
const applied = await prepareDatabase(target, config);
console.log(`Database: ${describeTarget(target)}${applied.length ? ` (applied ${applied.join(", ")})` : ""}; demo routes seeded.`);

const next = await startNext({
  mode: "dev",
  port,
  // The devnet's settings are defaults: anything set in the environment wins. Offers and receipts
  // are signed with a public development key, so agents and the paywall show them from the start;
  // settlements credit a development builder code (`npm run agent` prints it).
  env: Object.fromEntries(Object.entries({ ...devnetAppEnv(config), OFFER_RECEIPT_PRIVATE_KEY: DEV_OFFER_RECEIPT_KEY, BUILDER_CODE: DEV_BUILDER_CODE }).filter(([name]) => !process.env[name])),
  inheritOutput: true,
});

// `next dev` compiles a page on its first request (the paywall's took 30 s on a cold 2-core box),
// and the proxy's call that renders the paywall gives up after UPSTREAM_TIMEOUT_MS: the first
// visitor of a priced page would wait, or get the plain 402 page. Compile the paywall (and a
// priced page) before saying "ready".
await warmUp(`${next.url}/articles/deep-dive`);

console.log(`
  Tollgate     ${next.url}
  dashboard    ${next.url}/dashboard (sign in as the devnet merchant: anvil account 8, or Solana ${config.svm.payTo})
  discovery    ${next.url}/.well-known/x402
  articles     ${next.url}/articles/welcome (free), /articles/deep-dive and /articles/field-notes (paid)
  network      ${DEVNET_FILE}
               ${config.network} at ${config.rpcUrl}, USDC ${config.asset.address}
               ${config.svm.network} (local SVM) at ${config.svm.rpcUrl}, USDC ${config.svm.mint.address}
  facilitator  ${config.facilitatorUrl}

  See what agents can buy:
    npm run discover -- ${next.url}

  Pay a route as an agent:
    npm run agent -- ${next.url}/api/demo/quote
    npm run agent -- ${next.url}/api/demo/quote --network solana
    npm run agent -- ${next.url}/api/demo/summarize --method POST --data '{"text":"Tollgate sells API calls. Agents pay per request. Settlement happens after the handler succeeded."}'
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await next.stop();
  await devnet?.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
next.process.once("exit", (code) => {
  if (!stopping) {
    console.error(`next dev exited (${code})`);
    void shutdown();
  }
});

/** Requests a priced page as a browser until the paywall answers (at most 4 tries); any other answer ends it. */
async function warmUp(url: string): Promise<void> {
  process.stdout.write("Compiling the paywall…\n");
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const res = await fetch(url, { headers: { accept: "text/html" } });
      const html = await res.text();
      if (res.status !== 402 || html.includes("data-tollgate-lock")) return;
    } catch {
      // not answering yet
    }
  }
}
