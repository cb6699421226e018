import fc from "fast-check";
import { createSIWxMessage, encodeSIWxHeader, SIGN_IN_WITH_X, type SIWxExtension } from "@x402/extensions/sign-in-with-x";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { declareSignIn, normalizeAddress, verifySignIn } from "@/lib/access/siwx";

const origin = "https://shop.example";
const at = { origin, path: "/api/forecast", href: "/api/forecast", networks: ["eip155:84532"] };
const requirements = [{ scheme: "exact", network: "eip155:84532", asset: "0x1", amount: "1", payTo: "0x2", maxTimeoutSeconds: 60, extra: {} }] as never;
const account = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

async function signed(ext: SIWxExtension, edit: (info: Record<string, unknown>) => void = () => {}): Promise<string> {
  const info: Record<string, unknown> = { ...ext.info, chainId: ext.supportedChains[0]!.chainId, type: ext.supportedChains[0]!.type };
  edit(info);
  const signature = await account.signMessage({ message: createSIWxMessage(info as never, account.address) });
  return encodeSIWxHeader({ ...info, address: account.address, signature } as Parameters<typeof encodeSIWxHeader>[0]);
}

describe("sign-in-with-x (specs/extensions/sign-in-with-x.md)", () => {
  it("declares a challenge for this origin and path, and accepts its proof", async () => {
    const ext = await declareSignIn(origin, at.path, { url: `${origin}/api/forecast?city=x`, description: "", mimeType: "application/json" }, requirements);
    expect(ext.info).toMatchObject({ domain: "shop.example", uri: `${origin}/api/forecast?city=x`, version: "1" });
    expect(ext.supportedChains).toEqual([{ chainId: "eip155:84532", type: "eip191" }]);
    expect(await verifySignIn(await signed(ext), at)).toEqual({ ok: true, address: normalizeAddress(account.address), nonce: ext.info.nonce });
  });

  it("binds the nonce to the path and issue time", async () => {
    const ext = await declareSignIn(origin, at.path, { url: `${origin}/api/forecast`, description: "", mimeType: "" }, requirements);
    expect(await verifySignIn(await signed(ext), { ...at, path: "/api/other", href: "/api/forecast" })).toMatchObject({ ok: false, reason: expect.stringMatching(/nonce/) });
    const moved = await signed(ext, (i) => (i.issuedAt = new Date(Date.parse(i.issuedAt as string) - 1000).toISOString()));
    expect(await verifySignIn(moved, at)).toMatchObject({ ok: false, reason: expect.stringMatching(/nonce/) });
    expect(await verifySignIn(await signed(ext), { ...at, networks: ["eip155:8453"] })).toMatchObject({ ok: false, reason: expect.stringMatching(/Chain/) });
  });

  it("answers any header, however malformed, with a refusal and never throws", async () => {
    const ext = await declareSignIn(origin, at.path, { url: `${origin}/api/forecast`, description: "", mimeType: "" }, requirements);
    const valid = JSON.parse(Buffer.from(await signed(ext), "base64").toString()) as Record<string, unknown>;
    const header = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.base64String({ maxLength: 200 }),
      // A valid proof with one field replaced by anything.
      fc.tuple(fc.constantFrom(...Object.keys(valid)), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => Buffer.from(JSON.stringify({ ...valid, [k]: v })).toString("base64")),
    );
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        const result = await verifySignIn(h, at);
        if (result.ok) expect(result.address).toBe(normalizeAddress(account.address));
        else expect(typeof result.reason).toBe("string");
      }),
      { numRuns: 600 },
    );
    expect(SIGN_IN_WITH_X).toBe("sign-in-with-x");
  });
});
