/**
 * The page's own lock. pageLock runs inside a Next render, where it reads the request headers
 * through next/headers and the priced routes through the proxy's route cache. Outside a render
 * neither exists, so both are stood in for here: `next/headers` by a Headers object, the route
 * cache by a snapshot over a real RouteTable. (Through the real app, security.test.ts checks
 * that the lock never has to step in, and a request the proxy does not let through is shown here
 * to meet it.)
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { RouteTable } from "@/lib/x402/route-table";

const state = vi.hoisted(() => ({ headers: new Headers() }));
vi.mock("next/headers", () => ({ headers: async () => state.headers }));
vi.mock("next/navigation", () => ({
  notFound: () => {
    throw new Error("NEXT_NOT_FOUND");
  },
}));
vi.mock("@/lib/gateway/route-cache", async () => {
  const { routeConfig } = await import("../support/routes");
  const page = (id: string, pathPattern: string, description: string) => routeConfig({ id, pathPattern, kind: "page", description, mimeType: "text/html" });
  const table = new RouteTable([page("deep", "/articles/deep-dive", "Deep dive")]);
  const blocked = new RouteTable([page("notes", "/articles/field-notes", "Field notes")]);
  const accepts = [{ scheme: "exact", network: "eip155:84532", amount: "20000", asset: `0x${"ab".repeat(20)}`, payTo: `0x${"cd".repeat(20)}`, maxTimeoutSeconds: 300, extra: {} }];
  return { getRouteSnapshot: async () => ({ revision: 1, table, blocked, requirementsFor: async () => ({ requirements: accepts, skipped: [] }) }) };
});

const { pageLock } = await import("@/lib/gateway/page-lock");
const { PAGE_ACCESS_HEADER, pageAccessProof, UPSTREAM_HEADER } = await import("@/lib/gateway/upstream");
const { signingKey } = await import("@/lib/access/secret");

describe("pageLock", () => {
  beforeEach(() => {
    vi.stubEnv("PUBLIC_URL", "https://shop.example");
    state.headers = new Headers({ host: "shop.example" });
    vi.spyOn(console, "warn").mockImplementation(() => {});
  });

  it("lets a free page render", async () => {
    expect(await pageLock(["articles", "welcome"])).toBeNull();
  });

  it("renders a blocked page to nobody (not found), even with a proof for its path", async () => {
    state.headers.set(PAGE_ACCESS_HEADER, pageAccessProof("/articles/field-notes"));
    await expect(pageLock(["articles", "field-notes"])).rejects.toThrow("NEXT_NOT_FOUND");
  });

  it("lets a priced page render with the proxy's proof for exactly its path", async () => {
    state.headers.set(PAGE_ACCESS_HEADER, pageAccessProof("/articles/deep-dive"));
    expect(await pageLock(["articles", "deep-dive"])).toBeNull();
  });

  it.each([
    ["no proof", null],
    ["a proof for another page", () => pageAccessProof("/articles/welcome")],
    ["an expired proof", () => pageAccessProof("/articles/deep-dive", Date.now() - 61_000)],
    ["a forged proof", () => `${Date.now() + 60_000}.${"0".repeat(64)}`],
    ["garbage", () => "x"],
  ])("shows the paywall for a priced page with %s", async (_, proof) => {
    if (proof) state.headers.set(PAGE_ACCESS_HEADER, proof());
    const lock = await pageLock(["articles", "deep-dive"]);
    expect(lock).toMatchObject({
      accessWindowSeconds: 86_400,
      paymentRequired: { x402Version: 2, resource: { url: "https://shop.example/articles/deep-dive", description: "Deep dive" }, accepts: [{ amount: "20000" }] },
    });
  });

  it.each([
    ["no proof", null],
    ["a proof for another page", () => pageAccessProof("/articles/welcome")],
    ["an expired proof", () => pageAccessProof("/articles/deep-dive", Date.now() - 61_000)],
    ["a forged proof", () => `${Date.now() + 60_000}.${"0".repeat(64)}`],
  ])("fails the proxy's loopback call (a paid request) for a priced page with %s: a 500, never a paywall that would be charged", async (_, proof) => {
    state.headers.set(UPSTREAM_HEADER, Buffer.from(signingKey("upstream")).toString("hex"));
    if (proof) state.headers.set(PAGE_ACCESS_HEADER, proof());
    await expect(pageLock(["articles", "deep-dive"])).rejects.toMatchObject({ name: "TollgateError", code: "internal", status: 500 });
  });

  it("lets the proxy's loopback call render a priced page with its proof, and a free page without one", async () => {
    state.headers.set(UPSTREAM_HEADER, Buffer.from(signingKey("upstream")).toString("hex"));
    expect(await pageLock(["articles", "welcome"])).toBeNull();
    state.headers.set(PAGE_ACCESS_HEADER, pageAccessProof("/articles/deep-dive"));
    expect(await pageLock(["articles", "deep-dive"])).toBeNull();
  });

  it("refuses segments no canonical request yields", async () => {
    await expect(pageLock(["articles", "deep/dive"])).rejects.toThrow("NEXT_NOT_FOUND");
  });
});
