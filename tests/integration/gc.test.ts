/**
 * A paid, streamed API response survives garbage collection while its payment settles.
 *
 * The proxy runs the handler first (loopback fetch), then settles, then pipes the handler's body
 * to the buyer. Holding only the body stream and not its fetch Response let the Response be
 * collected during settlement, and undici cancels the body of a collected Response: under load
 * (4 of 900 paid requests at 20 in flight, once V8 had optimized the money path, whose optimized
 * code no longer kept the dead Response alive) the buyer was charged and got a 500 instead of the
 * content. Here the server runs optimized code from the first call and collects garbage every few
 * milliseconds (tests/support/gc-pressure.cjs), so every paid request meets a collection between
 * its handler's headers and its delivery: without the fix, about half of them got a 500.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { parseDatabaseUrl } from "@/lib/database/target";
import { createPayingFetch } from "@/scripts/agent-client";
import { balanceOf } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext, type NextServer } from "@/scripts/stack";
import { freePort } from "../support/ports";

describe("a paid streamed response under constant garbage collection", () => {
  let devnet: Devnet;
  let app: NextServer;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-gc-"));
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    const databaseUrl = `pglite:${tmp}/db`;
    await prepareDatabase(parseDatabaseUrl(databaseUrl), devnet.config);
    app = await startNext({
      mode: "start",
      port: await freePort(),
      env: {
        ...devnetAppEnv(devnet.config),
        DATABASE_URL: databaseUrl,
        AUTH_SECRET: "gc-test-secret-0123456789abcdef0123456789",
        NODE_OPTIONS: `--expose-gc --require ${path.resolve(import.meta.dirname, "../support/gc-pressure.cjs")}`,
      },
    });
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await devnet?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("serves every paid request its content, each charged once", async () => {
    const buyer = devnet.config.buyers[0]!;
    const pay = createPayingFetch(devnet.config, buyer.privateKey as Hex);
    const before = await balanceOf(devnet.config.rpcUrl, devnet.config.asset.address as Hex, buyer.address as Hex);
    const answers: { status: number; body: string }[] = [];
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        for (let i = 0; i < Number(process.env.GC_TEST_PER_WORKER ?? 4); i++) {
          const res = await pay(`${app.url}/api/demo/quote`);
          answers.push({ status: res.status, body: await res.text() });
        }
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    for (const a of answers) expect(JSON.parse(a.body)).toHaveProperty("text");
    const after = await balanceOf(devnet.config.rpcUrl, devnet.config.asset.address as Hex, buyer.address as Hex);
    expect(before - after).toBe(BigInt(answers.length) * 10_000n);
  }, 180_000);
});
