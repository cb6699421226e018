import { isIP } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quotaIdentity, quotaWindow } from "@/lib/access/quota";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { routeConfig } from "../support/routes";

// Without a sign-in the identity is read from headers alone: no database call is made.
const noDb = new Proxy({}, { get: () => { throw new Error("no database call expected"); } }) as PrismaClient;

describe("free-quota identity from headers an attacker writes", () => {
  const forwarded = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.ipV4(),
    fc.ipV6(),
    fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 })), fc.array(fc.oneof(fc.ipV4(), fc.string({ maxLength: 20 })), { maxLength: 3 })).map(([a, rest]) => [a, ...rest].join(", ")),
  );

  it("never identifies an unsigned caller by X-Forwarded-For without a trusted proxy", async () => {
    await fc.assert(
      fc.asyncProperty(forwarded, async (xff) => {
        expect(await quotaIdentity(noDb, new Headers({ "x-forwarded-for": xff }), { signIn: null, trustProxyHeaders: false })).toEqual({ identity: null });
      }),
      { numRuns: 1000 },
    );
  });

  it("behind a trusted proxy, identifies by the first entry only when it is an IP address", async () => {
    await fc.assert(
      fc.asyncProperty(forwarded, async (xff) => {
        const { identity } = await quotaIdentity(noDb, new Headers({ "x-forwarded-for": xff }), { signIn: null, trustProxyHeaders: true });
        const first = xff.split(",")[0]!.trim();
        if (isIP(first)) expect(identity).toBe(`ip:${first.toLowerCase()}`);
        else expect(identity).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses an invalid sign-in as an identity, with its reason", async () => {
    expect(await quotaIdentity(noDb, new Headers(), { signIn: { ok: false, reason: "Domain mismatch" }, trustProxyHeaders: true })).toEqual({ identity: null, refused: "Domain mismatch" });
  });
});

describe("quotaWindow", () => {
  it("puts every instant in one fixed, epoch-aligned window of the route's length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 31_536_000 }), fc.date({ min: new Date(0), max: new Date("2100-01-01"), noInvalidDate: true }), (seconds, now) => {
        const { start, end } = quotaWindow(routeConfig({ freeQuotaWindowSeconds: seconds }), now);
        expect(end.getTime() - start.getTime()).toBe(seconds * 1000);
        expect(start.getTime() % (seconds * 1000)).toBe(0);
        expect(start.getTime() <= now.getTime() && now.getTime() < end.getTime()).toBe(true);
      }),
    );
  });
});
