import {
  appendTransactionMessageInstruction,
  blockhash,
  compileTransaction,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
} from "@solana/kit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TollgateError } from "@/lib/errors";
import { assertSchemePayload } from "@/lib/x402/scheme-payload";

const EVM = "eip155:84532";
const SVM = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const valid = () => ({
  signature: `0x${"ab".repeat(65)}`,
  authorization: {
    from: `0x${"11".repeat(20)}`,
    to: `0x${"22".repeat(20)}`,
    value: "10000",
    validAfter: "0",
    validBefore: "1900000000",
    nonce: `0x${"33".repeat(32)}`,
  },
});

/** The message a bad payload is refused with, or "ok". */
function verdict(payload: unknown, network = EVM, header: "PAYMENT-SIGNATURE" | "X-PAYMENT" = "PAYMENT-SIGNATURE"): string {
  try {
    assertSchemePayload("exact", network, payload, header);
    return "ok";
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).status).toBe(400);
    return (error as TollgateError).message;
  }
}

describe("assertSchemePayload (exact EVM)", () => {
  it("accepts the spec's EIP-3009 payload, in v1 and v2", () => {
    expect(verdict(valid())).toBe("ok");
    expect(verdict(valid(), EVM, "X-PAYMENT")).toBe("ok");
  });

  it.each([
    ["signature removed", (p: ReturnType<typeof valid>) => delete (p as Partial<typeof p>).signature, /payload\.signature/],
    ["value not a number", (p: ReturnType<typeof valid>) => (p.authorization.value = "ten"), /payload\.authorization\.value: must be a decimal string/],
    ["validBefore null", (p: ReturnType<typeof valid>) => ((p.authorization as Record<string, unknown>).validBefore = null), /payload\.authorization\.validBefore/],
    ["from a number", (p: ReturnType<typeof valid>) => ((p.authorization as Record<string, unknown>).from = 12), /payload\.authorization\.from/],
    ["nonce too short", (p: ReturnType<typeof valid>) => (p.authorization.nonce = "0x1234"), /payload\.authorization\.nonce/],
    ["signature odd hex", (p: ReturnType<typeof valid>) => (p.signature = "0xabc"), /payload\.signature/],
    ["value negative", (p: ReturnType<typeof valid>) => (p.authorization.value = "-1"), /payload\.authorization\.value/],
  ])("refuses %s, naming the field", (_, mutate, message) => {
    const p = valid();
    mutate(p);
    expect(verdict(p)).toMatch(message);
  });

  it("accepts Permit2 in v2 only", () => {
    const permit2 = {
      signature: `0x${"ab".repeat(65)}`,
      permit2Authorization: {
        from: `0x${"11".repeat(20)}`,
        permitted: { token: `0x${"44".repeat(20)}`, amount: "10000" },
        spender: `0x${"55".repeat(20)}`,
        nonce: "123",
        deadline: "1900000000",
        witness: { to: `0x${"22".repeat(20)}`, validAfter: "0" },
      },
    };
    expect(verdict(permit2)).toBe("ok");
    expect(verdict(permit2, EVM, "X-PAYMENT")).toMatch(/payload\.authorization/);
  });

  it("never throws anything but a 400 for arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ signature: fc.jsonValue(), authorization: fc.jsonValue() })), (payload) => {
        const v = verdict(payload);
        expect(v === "ok" || v.startsWith("PAYMENT-SIGNATURE")).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("assertSchemePayload (exact SVM)", () => {
  it("accepts a serialized, partially signed transaction", async () => {
    const [payer, program] = await Promise.all([generateKeyPairSigner(), generateKeyPairSigner()]);
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(payer.address, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash("EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG"), lastValidBlockHeight: 100n }, m),
      (m) => appendTransactionMessageInstruction({ programAddress: program.address, data: new Uint8Array([1, 2, 3]) }, m),
    );
    const transaction = getBase64EncodedWireTransaction(compileTransaction(message));
    expect(verdict({ transaction }, SVM)).toBe("ok");
    expect(verdict({ transaction: transaction.slice(0, -8) }, SVM)).toMatch(/not a serialized Solana transaction|standard base64/);
  });

  it("refuses what is not a serialized transaction", () => {
    expect(verdict({ transaction: "AAAA" }, SVM)).toMatch(/payload\.transaction: is not a serialized Solana transaction/);
    expect(verdict({ transaction: "not base64!" }, SVM)).toMatch(/payload\.transaction: must be standard base64/);
    expect(verdict({ transaction: "A".repeat(2000) }, SVM)).toMatch(/payload\.transaction: is longer/);
    expect(verdict({}, SVM)).toMatch(/payload\.transaction/);
  });

  it("refuses schemes it knows no shape for", () => {
    expect(() => assertSchemePayload("upto", EVM, valid(), "PAYMENT-SIGNATURE")).toThrow(/no payload shape/);
  });
});
