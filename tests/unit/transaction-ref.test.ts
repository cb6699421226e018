/** isTransactionRef (lib/settlement/onchain.ts): what a settle answer's `transaction` must look like before the books keep it. */
import fc from "fast-check";
import { getBase58Decoder } from "@solana/kit";
import { describe, expect, it } from "vitest";
import { isTransactionRef } from "@/lib/settlement/onchain";

const EVM = "eip155:84532";
const SOLANA = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";

describe("isTransactionRef", () => {
  it("takes an EVM transaction hash and a Solana signature", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (hash, signature) => {
        expect(isTransactionRef(EVM, `0x${Buffer.from(hash).toString("hex")}`)).toBe(true);
        expect(isTransactionRef(SOLANA, getBase58Decoder().decode(signature))).toBe(true);
      }),
    );
  });

  it("refuses empty, missing and malformed ones, and one network's form on the other", () => {
    const hash = `0x${"ab".repeat(32)}`;
    const signature = getBase58Decoder().decode(new Uint8Array(64).fill(7));
    for (const bad of ["", undefined, null, "0x", hash.slice(0, 65), `${hash}00`, hash.replace("0x", ""), `0x${"zz".repeat(32)}`, signature]) expect(isTransactionRef(EVM, bad)).toBe(false);
    for (const bad of ["", undefined, null, hash, "0OIl".repeat(22), signature.slice(0, 40)]) expect(isTransactionRef(SOLANA, bad)).toBe(false);
    expect(isTransactionRef("stellar:pubnet", "abc")).toBe(true);
    for (const bad of ["", "a b", "a\u0000b", "x".repeat(201)]) expect(isTransactionRef("stellar:pubnet", bad)).toBe(false);
  });
});
