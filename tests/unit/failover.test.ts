import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { HTTPFacilitatorClient } from "@x402/core/http";
import { SettleError, VerifyError } from "@x402/core/types";
import { describe, expect, it } from "vitest";
import { connectionDropped, FailoverFacilitatorClient, neverSent, ReconnectingFacilitatorClient, settledByOf } from "@/lib/x402/failover";

const refused = () => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }) });
const reset = () => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
const ok = { success: true, transaction: "0xabc", network: "eip155:84532" } as const;

/** A facilitator client whose answers the test scripts (the real ones cannot refuse or reset on cue here). */
function scripted(settle: () => Promise<unknown>, verify: () => Promise<unknown> = async () => ({ isValid: true })) {
  const calls = { settle: 0, verify: 0 };
  return {
    calls,
    client: {
      settle: async () => (calls.settle++, (await settle()) as never),
      verify: async () => (calls.verify++, (await verify()) as never),
      getSupported: async () => ({ kinds: [], extensions: [], signers: {} }) as never,
    },
  };
}

describe("FailoverFacilitatorClient", () => {
  it("tells errors of the connect phase from those after the request was sent", () => {
    expect(neverSent(refused())).toBe(true);
    expect(neverSent(Object.assign(new AggregateError([Object.assign(new Error("a"), { code: "ECONNREFUSED" })]), { code: "ECONNREFUSED" }))).toBe(true);
    expect(neverSent(reset())).toBe(false);
    expect(neverSent(new Error("Facilitator settle failed (500): boom"))).toBe(false);
    expect(neverSent(new DOMException("timed out", "TimeoutError"))).toBe(false);
  });

  it("settles through the fallback only when the primary was never reached, and says which settled", async () => {
    const fallback = scripted(async () => ({ ...ok }));
    const down = new FailoverFacilitatorClient(scripted(async () => Promise.reject(refused())).client, fallback.client, () => {});
    const viaFallback = await down.settle({} as never, {} as never);
    expect(settledByOf(viaFallback)).toBe("fallback");
    for (const failure of [reset(), new Error("Facilitator settle failed (502): bad gateway"), new DOMException("timed out", "TimeoutError")]) {
      const reached = new FailoverFacilitatorClient(scripted(async () => Promise.reject(failure)).client, fallback.client, () => {});
      await expect(reached.settle({} as never, {} as never)).rejects.toBe(failure);
    }
    const verdict = new SettleError(400, { success: false, errorReason: "invalid_exact_evm_payload_authorization_nonce_used", transaction: "", network: "eip155:84532" } as never);
    await expect(new FailoverFacilitatorClient(scripted(async () => Promise.reject(verdict)).client, fallback.client, () => {}).settle({} as never, {} as never)).rejects.toBe(verdict);
    expect(fallback.calls.settle).toBe(1);
    const up = new FailoverFacilitatorClient(scripted(async () => ({ ...ok })).client, fallback.client, () => {});
    expect(settledByOf(await up.settle({} as never, {} as never))).toBe("primary");
  });

  it("verifies through the fallback on any failure without a verdict, never on a verdict", async () => {
    const fallback = scripted(async () => ok, async () => ({ isValid: true, payer: "0x1" }));
    const broken = new FailoverFacilitatorClient(scripted(async () => ok, async () => Promise.reject(new Error("Facilitator verify failed (500): x"))).client, fallback.client, () => {});
    expect(await broken.verify({} as never, {} as never)).toEqual({ isValid: true, payer: "0x1" });
    const verdict = new VerifyError(400, { isValid: false, invalidReason: "invalid_signature" } as never);
    const refusing = new FailoverFacilitatorClient(scripted(async () => ok, async () => Promise.reject(verdict)).client, fallback.client, () => {});
    await expect(refusing.verify({} as never, {} as never)).rejects.toBe(verdict);
  });
});

/**
 * A facilitator over real HTTP that reads the second request of every connection and then
 * destroys the connection without answering: what a client meets when it reuses a kept-alive
 * connection the facilitator closed as idle at that moment. Counts the requests it received.
 */
async function droppingFacilitator() {
  const received = { verify: 0, settle: 0, supported: 0 };
  let dropped = 0;
  const served = new WeakMap<Socket, number>();
  const answers: Record<keyof typeof received, unknown> = {
    verify: { isValid: true, payer: "0x1111111111111111111111111111111111111111" },
    settle: { success: true, transaction: "0xabc", network: "eip155:84532", payer: "0x1111111111111111111111111111111111111111" },
    supported: { kinds: [{ x402Version: 2, scheme: "exact", network: "eip155:84532" }], extensions: [], signers: {} },
  };
  const server = http.createServer((req, res) => {
    const op = (req.url ?? "").slice(1) as keyof typeof received;
    const nth = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, nth);
    received[op]++;
    req.resume();
    req.on("end", () => {
      if (nth > 1) {
        dropped++;
        return void req.socket.destroy();
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answers[op]));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return { url, received, dropped: () => dropped, close };
}

/** Runs `call` up to `times` times; the first rejection, or null if none. */
async function firstFailure(times: number, call: () => Promise<unknown>): Promise<unknown> {
  for (let i = 0; i < times; i++) {
    const error = await call().then(
      () => null,
      (e: unknown) => e,
    );
    if (error) return error;
  }
  return null;
}

describe("ReconnectingFacilitatorClient", () => {
  it("asks verify and /supported again when the kept-alive connection drops under them, never settle", async () => {
    const facilitator = await droppingFacilitator();
    try {
      const stock = new HTTPFacilitatorClient({ url: facilitator.url, timeoutMs: 10_000 });
      // The failure it is for: the stock client soon reuses a connection and fails.
      const failure = await firstFailure(10, () => stock.verify({ x402Version: 2 } as never, {} as never));
      expect(connectionDropped(failure)).toBe(true);
      expect(neverSent(failure)).toBe(false);

      const client = new ReconnectingFacilitatorClient(stock);
      const droppedBefore = facilitator.dropped();
      for (let i = 0; i < 10; i++) expect(await client.verify({ x402Version: 2 } as never, {} as never)).toMatchObject({ isValid: true });
      for (let i = 0; i < 10; i++) expect((await client.getSupported()).kinds).toHaveLength(1);
      expect(facilitator.dropped()).toBeGreaterThan(droppedBefore); // the retries were needed

      // settle is sent once per call, dropped or not.
      let calls = 0;
      const dropped = await firstFailure(10, () => (calls++, client.settle({ x402Version: 2 } as never, {} as never)));
      expect(connectionDropped(dropped)).toBe(true);
      expect(facilitator.received.settle).toBe(calls);
    } finally {
      await facilitator.close();
    }
  });

  it("passes on verdicts, HTTP errors and timeouts at once, and gives up after its attempts", async () => {
    const verdict = new VerifyError(400, { isValid: false, invalidReason: "invalid_signature" } as never);
    for (const failure of [verdict, new Error("Facilitator verify failed (500): x"), new DOMException("timed out", "TimeoutError"), refused()]) {
      const inner = scripted(async () => ok, async () => Promise.reject(failure));
      await expect(new ReconnectingFacilitatorClient(inner.client).verify({} as never, {} as never)).rejects.toBe(failure);
      expect(inner.calls.verify).toBe(1);
    }
    const resetting = scripted(async () => ok, async () => Promise.reject(reset()));
    await expect(new ReconnectingFacilitatorClient(resetting.client, 3).verify({} as never, {} as never)).rejects.toThrow("fetch failed");
    expect(resetting.calls.verify).toBe(3);
  });
});
