import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import type { PaymentPayload } from "@x402/core/types";
import { describe, expect, it } from "vitest";
import { protocolFor, settleStored } from "@/lib/gateway/protocol";
import { createX402Services } from "@/lib/x402/resource-server";
import { readStoredSettlement } from "@/lib/x402/stored-settlement";
import { BASE_SEPOLIA_USDC } from "../support/requirements";

const requirements = BASE_SEPOLIA_USDC;
const resource = { url: "https://shop.example/api/quote", description: "A quote", mimeType: "application/json" };
const v2: PaymentPayload = {
  x402Version: 2,
  resource,
  accepted: requirements,
  payload: { signature: "0x2d6a", authorization: { from: "0x857b06519E91e3A54538791bDbb0E22373e36b66", nonce: "0xf374" } },
};
const v1 = { x402Version: 1, scheme: "exact", network: "base-sepolia", payload: { signature: "0xab", authorization: {} } };

/** As the row keeps it: written with JSON.stringify, read back by Prisma as parsed JSON. */
const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe("readStoredSettlement", () => {
  it("reads back what the paid path keeps, v2 and v1, unchanged", () => {
    const stored2 = { x402Version: 2, payload: v2, requirements, resource };
    expect(readStoredSettlement(roundTrip(stored2))).toEqual(stored2);
    const stored1 = { x402Version: 1, payload: v1, requirements, resource, outputSchema: { input: { type: "http", method: "GET", discoverable: true } } };
    expect(readStoredSettlement(roundTrip(stored1))).toEqual(stored1);
    // A v1 row kept before outputSchema was: read as `{}` (what its settle request carried then).
    expect(readStoredSettlement(roundTrip({ x402Version: 1, payload: v1, requirements, resource }))).toEqual({ ...stored1, outputSchema: {} });
    expect(readStoredSettlement({ ...stored1, outputSchema: "not an object" })).toBeNull();
  });

  it("refuses a row without one, or one whose parts are not what @x402/core accepts", () => {
    expect(readStoredSettlement(null)).toBeNull();
    expect(readStoredSettlement({})).toBeNull();
    expect(readStoredSettlement({ x402Version: 3, payload: v2, requirements, resource })).toBeNull();
    // A v1 payload under version 2, and the other way round.
    expect(readStoredSettlement({ x402Version: 2, payload: v1, requirements, resource })).toBeNull();
    expect(readStoredSettlement({ x402Version: 1, payload: v2, requirements, resource })).toBeNull();
    expect(readStoredSettlement({ x402Version: 2, payload: v2, requirements: { ...requirements, amount: 10000 }, resource })).toBeNull();
    expect(readStoredSettlement({ x402Version: 2, payload: v2, requirements, resource: { description: "no url" } })).toBeNull();
    expect(readStoredSettlement({ x402Version: 2, payload: { ...v2, payload: "not an object" }, requirements, resource })).toBeNull();
  });

  it("asks the facilitator again exactly as the paid path asked, a v1 payment's outputSchema included", async () => {
    // A recording HTTP server stands for the facilitator: what is under test is the request
    // Tollgate's real @x402/core HTTP client sends, not the facilitator's answer.
    const bodies: unknown[] = [];
    const facilitator = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        bodies.push(JSON.parse(raw));
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ success: true, transaction: "0x" + "ab".repeat(32), network: "base-sepolia", payer: "0x857b06519E91e3A54538791bDbb0E22373e36b66" }));
      });
    });
    await new Promise<void>((r) => facilitator.listen(0, "127.0.0.1", r));
    try {
      const services = createX402Services({ url: `http://127.0.0.1:${(facilitator.address() as AddressInfo).port}`, headers: {}, timeoutMs: 10_000 });
      const outputSchema = { input: { type: "http", method: "GET", discoverable: true, queryParams: { city: "Oslo" } }, output: { temperature: 3 } };
      const adapter = protocolFor({ x402Version: 1, payload: v1 as never }, services, resource, outputSchema);
      await adapter.settle(requirements);
      const kept = readStoredSettlement(roundTrip(adapter.stored(requirements)));
      expect(kept).not.toBeNull();
      await settleStored(services, kept!);
      expect(bodies).toHaveLength(2);
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[1]).toMatchObject({ x402Version: 1, paymentRequirements: { network: "base-sepolia", maxAmountRequired: "10000", resource: resource.url, outputSchema } });
    } finally {
      await new Promise((r) => facilitator.close(r));
    }
  });

  it("never throws on whatever a JSON column may hold, and returns only complete settle requests", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ x402Version: fc.constantFrom(1, 2, "2", 0), payload: fc.oneof(fc.jsonValue(), fc.constant(v2), fc.constant(v1)), requirements: fc.oneof(fc.jsonValue(), fc.constant(requirements)), resource: fc.oneof(fc.jsonValue(), fc.constant(resource)) }, { requiredKeys: [] }),
        ),
        (value) => {
          const read = readStoredSettlement(value);
          if (read === null) return;
          expect([1, 2]).toContain(read.x402Version);
          expect(typeof read.requirements.payTo).toBe("string");
          expect(typeof read.resource.url).toBe("string");
          expect(read.payload).toBeTypeOf("object");
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
