import { describe, expect, it } from "vitest";
import { grantCookie, grantCookieName, signGrant, verifyGrant } from "@/lib/access/grant";

const secret = new TextEncoder().encode("a-test-secret-that-is-long-enough-123");
const other = new TextEncoder().encode("another-secret-that-is-long-enough-456");
const now = 1_800_000_000;
const grant = { routeId: "route-1", path: "/articles/deep-dive", payer: "0xf39F", expiresAt: now + 3600 };

describe("page access grants", () => {
  it("verify what they sign", async () => {
    const token = await signGrant(grant, secret);
    expect(await verifyGrant(token, { routeId: "route-1", path: "/articles/deep-dive" }, secret, now)).toEqual(grant);
  });

  it("refuse an expired grant", async () => {
    const token = await signGrant(grant, secret);
    expect(await verifyGrant(token, { routeId: "route-1", path: "/articles/deep-dive" }, secret, now + 3601)).toBeNull();
  });

  it("refuse a grant for another route or page (foreign)", async () => {
    const token = await signGrant(grant, secret);
    expect(await verifyGrant(token, { routeId: "route-2", path: "/articles/deep-dive" }, secret, now)).toBeNull();
    expect(await verifyGrant(token, { routeId: "route-1", path: "/articles/field-notes" }, secret, now)).toBeNull();
  });

  it("refuse a tampered grant or one signed with another secret", async () => {
    const token = await signGrant(grant, secret);
    const [h, p, s] = token.split(".");
    const forged = JSON.parse(Buffer.from(p!, "base64url").toString());
    forged.pth = "/articles/field-notes";
    const tampered = [h, Buffer.from(JSON.stringify(forged)).toString("base64url"), s].join(".");
    expect(await verifyGrant(tampered, { routeId: "route-1", path: "/articles/field-notes" }, secret, now)).toBeNull();
    expect(await verifyGrant(token.slice(0, -5) + (token.at(-5) === "x" ? "y" : "x") + token.slice(-4), { routeId: "route-1", path: "/articles/deep-dive" }, secret, now)).toBeNull();
    expect(await verifyGrant(await signGrant(grant, other), { routeId: "route-1", path: "/articles/deep-dive" }, secret, now)).toBeNull();
    expect(await verifyGrant("not-a-jwt", { routeId: "route-1", path: "/articles/deep-dive" }, secret, now)).toBeNull();
    expect(await verifyGrant(undefined, { routeId: "route-1", path: "/articles/deep-dive" }, secret, now)).toBeNull();
  });

  it("refuse an unsigned (alg none) token", async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const none = `${b64({ alg: "none" })}.${b64({ iss: "tollgate", aud: "route-1", sub: "0x1", pth: "/articles/deep-dive", exp: now + 60 })}.`;
    expect(await verifyGrant(none, { routeId: "route-1", path: "/articles/deep-dive" }, secret, now)).toBeNull();
  });

  it("use one cookie per page, HttpOnly, SameSite=Lax, Secure when asked", () => {
    expect(grantCookieName("/articles/a")).not.toBe(grantCookieName("/articles/b"));
    expect(grantCookieName("/articles/a")).toMatch(/^tg_grant_[A-Za-z0-9_-]{16}$/);
    const cookie = grantCookie("/articles/a", "tok", 86400, true);
    expect(cookie).toBe(`${grantCookieName("/articles/a")}=tok; Path=/articles/a; Max-Age=86400; HttpOnly; SameSite=Lax; Secure`);
    expect(grantCookie("/articles/a", "tok", 60, false)).not.toContain("Secure");
  });
});
