import { SettleError, VerifyError } from "@x402/core/types";
import { describe, expect, it } from "vitest";
import { FailoverFacilitatorClient, neverSent, settledByOf } from "@/lib/x402/failover";

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
