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
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPostgresBin } from "../support/postgres";
import { startPostgresStack, type Stack } from "../support/stack";

const pgBin = findPostgresBin();
if (!pgBin && process.env.CI === "true") throw new Error("CI=true: the GC test needs PostgreSQL binaries (install postgresql)");

describe.skipIf(!pgBin)("a paid streamed response under constant garbage collection (PostgreSQL)", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startPostgresStack(pgBin!, async () => ({
      AUTH_SECRET: "gc-test-secret-0123456789abcdef0123456789",
      NODE_OPTIONS: `--expose-gc --require ${path.resolve(import.meta.dirname, "../support/gc-pressure.cjs")}`,
    }));
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("serves every paid request its content, each charged once", async () => {
    const buyer = stack.buyer(0);
    const before = await stack.balance(buyer.address);
    const answers: { status: number; body: string }[] = [];
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        for (let i = 0; i < Number(process.env.GC_TEST_PER_WORKER ?? 4); i++) {
          const res = await stack.pay(0);
          answers.push({ status: res.status, body: await res.text() });
        }
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    for (const a of answers) expect(JSON.parse(a.body)).toHaveProperty("text");
    const after = await stack.balance(buyer.address);
    expect(before - after).toBe(BigInt(answers.length) * 10_000n);
  }, 180_000);
});
