/**
 * Attacks from outside against the built app under `next start`, on a real devnet (anvil + test
 * USDC + the real facilitator) and PGlite:
 *
 * - thousands of generated spellings of priced and free paths (percent-encoding in either hex
 *   case, repeated slashes, dot segments, trailing slashes, `;` parameters, encoded `?`/`#`, case
 *   variants, RSC and prefetch requests, HEAD, POST/PUT/DELETE on pages) sent raw over HTTP: a priced page or handler is
 *   never served unpaid, a true spelling of a priced path always meets the paywall, a free one is
 *   always served, nothing answers 5xx, and the page's own lock never has to step in (it would
 *   mean the proxy and Next's router read a path differently);
 * - thousands of hostile payment headers against a priced route: only 400/402/431, never 5xx,
 *   never content, no balance change;
 * - relayed sign-in (forged Host, X-Forwarded-Host, Origin: null), with and without
 *   TRUST_PROXY_HEADERS;
 * - hostile form posts to pages (cross-site, malformed multipart, oversized): 403/400/413, never
 *   the 500 Next's server-action handler would answer;
 * - forged loopback headers (the loopback secret guessed at any length, a paywall request of the
 *   attacker's, page-access proofs) on priced paths and on the internal paywall page's spellings:
 *   no content, the internal page 404, and no 402 naming the attacker's payTo.
 */
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { x402HTTPClient } from "@x402/core/client";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { openDatabase } from "@/lib/database/client";
import { parseDatabaseUrl } from "@/lib/database/target";
import { routerStateReadable } from "@/lib/gateway/request-guard";
import { PAGE_ACCESS_HEADER, PAYWALL_HEADER, PAYWALL_PATH, UPSTREAM_HEADER } from "@/lib/gateway/upstream";
import { encodePaywallRequest } from "@/lib/paywall/request";
import { createX402Client } from "@/scripts/agent-client";
import { balanceOf, testKey } from "@/scripts/devnet/chain";
import { startDevnet, type Devnet } from "@/scripts/devnet/index";
import { devnetAppEnv, prepareDatabase, startNext, type NextServer } from "@/scripts/stack";
import { loopbackHeaders } from "../support/loopback";
import { freePort } from "../support/ports";
import { assertThrowawayDatabase } from "../support/postgres";

type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** One HTTP request with the path exactly as given (no URL normalization) and any headers. */
function raw(base: string, rawPath: string, init: { method?: string; headers?: Record<string, string>; body?: string; fresh?: boolean } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const agent = init.fresh ? false : keepAlive;
    const headers = init.body === undefined ? init.headers : { ...init.headers, "content-length": String(Buffer.byteLength(init.body)) };
    const req = http.request({ hostname, port, path: rawPath, method: init.method ?? "GET", headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Text only the paid pages contain (never the paywall, which shows title and description). */
const PAID_MARKERS = ["A payment of two cents only makes sense", "Caches are the first thing to break", "cost-calculator"];

/**
 * Fails when `body` holds paid content: a priced page's text, or the quote handler's answer (JSON
 * that starts with its "text"). A 402 names the same fields inside the route's declared output
 * example (bazaar, v1 outputSchema), never at its start.
 */
function expectNoPaidContent(body: string, message?: string): void {
  for (const marker of PAID_MARKERS) expect(body, message).not.toContain(marker);
  expect(body.trimStart().startsWith('{"text":'), `${message ?? ""}: the paid quote`).toBe(false);
}
const PAGE_LOCK = 'data-tollgate-lock="page"';
/** Both apps' AUTH_SECRET (the loopback secret derives from it). */
const AUTH_SECRET = "security-test-secret-0123456789abcdef0123";

const PRICED = [
  { segments: ["articles", "deep-dive"], kind: "page" },
  { segments: ["articles", "field-notes"], kind: "page" },
  { segments: ["api", "demo", "quote"], kind: "api" },
] as const;
/**
 * Free routes, and which of their segments Next decodes before routing: a dynamic segment's
 * parameter only. (Next 16 answers 404 to an encoded spelling of a static segment, e.g.
 * "/%61rticles/welcome" or "/api/demo/%68ealth".)
 */
const FREE = [
  { segments: ["articles", "welcome"], decoded: [false, true], marker: "Welcome to the reading room" },
  { segments: ["api", "demo", "health"], decoded: [false, false, false], marker: '"status":"ok"' },
  // Tollgate's health checks, which the proxy passes before pricing (lib/gateway/health.ts).
  { segments: ["healthz"], decoded: [false], marker: '{"status":"ok"}' },
  { segments: ["readyz"], decoded: [false], marker: '"checks":{"database":"ok"' },
] as const;

/** Routes the second instance's merchant blocked, with text only their content contains. */
const BLOCKED = [
  { segments: ["articles", "field-notes"], kind: "page", marker: "Caches are the first thing to break" },
  { segments: ["api", "demo", "summarize"], kind: "api", marker: '"text":' },
] as const;

/** One spelling of a segment: each character literal or %-encoded (upper or lower hex). */
function spell(segment: string, flipCase: boolean): fc.Arbitrary<string> {
  return fc
    .tuple(
      ...[...segment].map((ch) => {
        const hex = ch.charCodeAt(0).toString(16).padStart(2, "0");
        const options = [fc.constant(ch), fc.constant(`%${hex.toUpperCase()}`), fc.constant(`%${hex.toLowerCase()}`)];
        if (flipCase && /[a-z]/.test(ch)) options.push(fc.constant(ch.toUpperCase()));
        return fc.oneof(...options);
      }),
    )
    .map((parts) => parts.join(""));
}

/**
 * A raw request path for `segments`: `exact` spellings decode to the same path Next routes on.
 * `encodable` says which segments may be percent-encoded (all by default).
 */
function spelledPath(segments: readonly string[], exact: boolean, encodable: readonly boolean[] = segments.map(() => true)): fc.Arbitrary<string> {
  // "/healthz/../", "/dashboard/../": a detour through a path the proxy passes unpriced (the health
  // checks, the dashboard and its sign-in) must price what it leads to, first segment included.
  const detours = ["/healthz/../", "/readyz/%2e%2E/", "/dashboard/../", "/dashboard/payments/%2E%2e/%2e%2E/", "/api/auth/sign-in/../../../"] as const;
  const lead = fc.constantFrom("/", "/", "/", "/", ...detours);
  const separator = fc.constantFrom("/", "/", "//", "/./", "/x/../", "/%2e/", "/x/%2E%2e/", ...detours);
  const suffix = exact ? fc.constant("") : fc.constantFrom("", ";x=1", "%3F", "%23", "%3Fa=1", ".rsc", ".prefetch.rsc", ".segments/_tree.segment.rsc", ".segments/$c$children/__PAGE__.segment.rsc", "%00", "%2F", "%zz", "%C0%AF");
  return fc
    .tuple(fc.tuple(...segments.map((s, i) => (encodable[i] ? spell(s, !exact) : fc.constant(s)))), fc.tuple(lead, ...segments.slice(1).map(() => separator)), suffix, fc.boolean(), fc.constantFrom("", "?a=1", "?_rsc=x1"))
    .map(([parts, seps, end, trailing, query]) => `${parts.map((p, i) => `${seps[i]}${p}`).join("")}${end}${trailing ? "/" : ""}${query}`);
}

/** How a client asks: a browser, an agent, an RSC navigation or prefetch, HEAD. */
const asking = fc.constantFrom<{ method: string; headers: Record<string, string> }>(
  { method: "GET", headers: { accept: "text/html,application/xhtml+xml" } },
  { method: "GET", headers: {} as Record<string, string> },
  { method: "GET", headers: { rsc: "1" } },
  { method: "GET", headers: { rsc: "1", "next-router-prefetch": "1" } },
  { method: "GET", headers: { rsc: "1", "next-router-prefetch": "1", "next-router-segment-prefetch": "/_tree" } },
  { method: "HEAD", headers: { accept: "text/html" } },
  // Next renders a page for any method: a page priced for GET is priced for these too.
  // (Form and multipart bodies are checked separately below.)
  { method: "POST", headers: { accept: "text/html", "content-type": "text/plain" } },
  { method: "PUT", headers: { accept: "text/html" } },
  { method: "DELETE", headers: {} as Record<string, string> },
  // A same-origin script's HEAD (the wallet SDK's COOP check): a priced page answers 204, no content.
  { method: "HEAD", headers: { "sec-fetch-mode": "cors", "sec-fetch-dest": "empty", "sec-fetch-site": "same-origin" } },
  // CORS preflights from another site, decided for the method they ask about: never content.
  { method: "OPTIONS", headers: { origin: "https://elsewhere.example", "access-control-request-method": "GET" } },
  { method: "OPTIONS", headers: { origin: "https://elsewhere.example", "access-control-request-method": "POST", "access-control-request-headers": "payment-signature" } },
);

/** The method a request is decided for: a preflight's requested method, else its own. */
const decidedMethod = (how: { method: string; headers: Record<string, string> }) => (how.method === "OPTIONS" ? how.headers["access-control-request-method"]! : how.method);

/**
 * Whether `res` is Next's not-found answer to an RSC request: a streamed RSC payload carrying the
 * not-found fallback. Next sends an RSC response's status before the page has rendered, so a
 * page that calls notFound() (an article spelled so that no article has that slug) answers an
 * RSC request 200 where the same path's HTML answers 404. It shows no content either way.
 */
const isRscNotFound = (how: { headers: Record<string, string> }, res: RawResponse) =>
  how.headers.rsc === "1" && res.status === 200 && res.headers["content-type"] === "text/x-component" && res.body.includes("NEXT_HTTP_ERROR_FALLBACK;404");

/**
 * Whether `res` is Next's route tree for a segment prefetch (`Next-Router-Segment-Prefetch:
 * /_tree`): the route's shape (its segments and the dynamic segment's value, as sent) and the
 * build id. Next answers it 200 for any path a dynamic route covers, whether a page has that slug
 * or not (`/articles/nope` too), so an unpriced spelling of a priced slug gets the same. It has
 * no component, module or data rows (`$L`, `I[`, `HL[`): no content of any page.
 */
const isRscRouteTree = (how: { headers: Record<string, string> }, res: RawResponse) =>
  how.headers.rsc === "1" &&
  how.headers["next-router-segment-prefetch"] === "/_tree" &&
  res.status === 200 &&
  res.headers["content-type"] === "text/x-component" &&
  res.body.length < 2_000 &&
  res.body.includes('"__PAGE__"') &&
  !/\$L|:I\[|:HL\[/.test(res.body);

/** An RSC answer that shows no page: Next's not-found payload, or a route tree. */
const isRscWithoutContent = (how: { headers: Record<string, string> }, res: RawResponse) => isRscNotFound(how, res) || isRscRouteTree(how, res);

/**
 * Asserts that no other site may frame `res` (clickjacking) and no browser reads it as another
 * type than it declares: Content-Security-Policy frame-ancestors and X-Frame-Options agree, the
 * dashboard's forbid every frame, nosniff.
 */
function expectNoFraming(res: RawResponse, what: string, dashboard?: boolean): void {
  const policy = [res.headers["content-security-policy"], res.headers["x-frame-options"], res.headers["x-content-type-options"]];
  if (dashboard === undefined) expect(policy, what).toSatisfy((p: unknown[]) => ["frame-ancestors 'self'|SAMEORIGIN", "frame-ancestors 'none'|DENY"].includes(`${p[0]}|${p[1]}`) && p[2] === "nosniff");
  else expect(policy, what).toEqual(dashboard ? ["frame-ancestors 'none'", "DENY", "nosniff"] : ["frame-ancestors 'self'", "SAMEORIGIN", "nosniff"]);
}

/** Whether `how` is a same-origin script's HEAD (answered 204 on a priced page). */
const isScriptHead = (how: { method: string; headers: Record<string, string> }) => how.method === "HEAD" && how.headers["sec-fetch-dest"] === "empty";

describe("attacks against a production build", () => {
  let devnet: Devnet;
  let app: NextServer;
  let trusting: NextServer;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-security-"));

  beforeAll(async () => {
    devnet = await startDevnet({ rpcPort: await freePort(), facilitatorPort: 0, svmRpcPort: 0, file: null });
    const [dbA, dbB] = [`pglite:${tmp}/a`, `pglite:${tmp}/b`];
    for (const url of [dbA, dbB]) {
      assertThrowawayDatabase(url);
      await prepareDatabase(parseDatabaseUrl(url), devnet.config);
    }
    // The second instance's merchant blocked a page and an API route.
    const seeded = await openDatabase(parseDatabaseUrl(dbB));
    await seeded.prisma.pricedRoute.updateMany({ where: { pathPattern: { in: BLOCKED.map((b) => `/${b.segments.join("/")}`) } }, data: { state: "blocked" } });
    await seeded.close();
    const common = { ...devnetAppEnv(devnet.config), AUTH_SECRET, ROUTE_REFRESH_MS: "200" };
    app = await startNext({ mode: "start", port: await freePort(), env: { ...common, DATABASE_URL: dbA } });
    // Behind a reverse proxy that sets X-Forwarded-Host, serving a second public origin.
    trusting = await startNext({
      mode: "start",
      port: await freePort(),
      env: { ...common, DATABASE_URL: dbB, TRUST_PROXY_HEADERS: "true", PUBLIC_ORIGINS: "https://shop.example" },
    });
  });

  afterAll(async () => {
    keepAlive.destroy();
    await app?.stop();
    await trusting?.stop();
    await devnet?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Sends a request and follows redirects (at most 3), checking every hop for leaks. */
  /**
   * What goes before a path in the request line: nothing (origin form, as browsers send), or an
   * absolute-form scheme and authority an attacker picks (RFC 9112 §3.2.2), which the request
   * guard turns back into the path alone.
   */
  const requestForm = (server: NextServer = app) =>
    fc.constantFrom("", "", "", `http://${new URL(server.url).host}`, "HTTP://evil.example", "https://user:pw@evil.example:443");

  async function visit(rawPath: string, init: { method: string; headers: Record<string, string>; body?: string }, server: NextServer = app): Promise<RawResponse[]> {
    const hops: RawResponse[] = [];
    let target = rawPath;
    for (let i = 0; i < 4; i++) {
      const res = await raw(server.url, target, init);
      hops.push(res);
      expectNoPaidContent(res.body, `${init.method} ${target} leaked paid content`);
      expect(res.body, `${init.method} ${target}: the page lock had to stop what the proxy let through`).not.toContain(PAGE_LOCK);
      expect(res.status, `${init.method} ${target}`).toBeLessThan(500);
      if (String(res.headers["content-type"]).startsWith("text/html")) expectNoFraming(res, `${init.method} ${target}`);
      if (res.status !== 307 && res.status !== 308) break;
      const location = res.headers.location!;
      target = location.startsWith("http") ? new URL(location).pathname + new URL(location).search : location;
    }
    return hops;
  }

  it("serves no priced page or handler unpaid under any spelling, and meets every true spelling with the paywall", async () => {
    const priced = fc.constantFrom(...PRICED).chain((route) => fc.tuple(fc.constant(route), fc.boolean()).chain(([r, exact]) => spelledPath(r.segments, exact).map((p) => ({ route: r, exact, path: p }))));
    await fc.assert(
      fc.asyncProperty(priced, asking, requestForm(), async ({ route, exact, path: p }, how, form) => {
        const hops = await visit(form + p, how);
        const last = hops.at(-1)!;
        if (exact) {
          // Decodes to the priced path itself: payment required (redirected first if not canonical).
          // The quote handler is priced for GET (and HEAD) only; other methods are Next's to refuse:
          // 405, or 404 for an encoded spelling (Next does not decode static routes' paths).
          // A preflight for a priced method gets the payment CORS answer (204); for another method,
          // Next's own OPTIONS answer.
          const unpriced = route.kind === "api" && !["GET", "HEAD"].includes(decidedMethod(how));
          const expected =
            how.method === "OPTIONS" ? (unpriced ? [204, 404, 405] : [204]) : unpriced ? [404, 405] : route.kind === "page" && isScriptHead(how) ? [204] : [402];
          expect(expected, `${how.method} ${p} → ${hops.map((h) => h.status).join(" → ")}`).toContain(last.status);
        } else {
          if (!isRscWithoutContent(how, last)) expect([400, 402, 404, 405, ...(isScriptHead(how) || how.method === "OPTIONS" ? [204] : [])], `${how.method} ${p} → ${hops.map((h) => h.status).join(" → ")}`).toContain(last.status);
        }
        if (last.status === 204) expect(last.body).toBe("");
      }),
      {
        numRuns: 1200,
        // Found by this property in CI: an unpriced spelling (a "?" inside the slug) asking for the
        // route tree, answered 307 → 200 with the tree alone (isRscRouteTree).
        examples: [
          [
            { route: PRICED.find((r) => r.segments.join("/") === "articles/field-notes")!, exact: false, path: "/articles/f%69ELd%2DNoT%65%73%3F" },
            { method: "GET", headers: { rsc: "1", "next-router-prefetch": "1", "next-router-segment-prefetch": "/_tree" } },
            "",
          ],
        ],
      },
    );
  });

  it("opens nothing to forged loopback headers: no content, no internal paywall page, no paywall of the attacker's making", async () => {
    // What only the proxy's own loopback call may carry: the loopback secret (32 bytes, hex), the
    // paywall to render, and a page-access proof. An attacker guesses them: any length of hex
    // (the secret's own length included), junk, and a well-formed paywall request of their own.
    const forged = "FORGED-PAYWALL-7731";
    const attacker = "0x000000000000000000000000000000000000a77a";
    const attackerPaywall = encodePaywallRequest({
      paymentRequired: {
        x402Version: 2,
        error: forged,
        resource: { url: `https://attacker.example/${forged}`, description: forged, mimeType: "text/html" },
        accepts: [{ scheme: "exact", network: devnet.config.network, asset: devnet.config.asset.address, amount: "1", payTo: attacker, maxTimeoutSeconds: 60, extra: { name: forged, version: "2" } }],
      },
      accessWindowSeconds: 60,
    } as Parameters<typeof encodePaywallRequest>[0]);
    const hex = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${min},${max}}$`));
    const loopbackHeaders = fc.record(
      {
        [UPSTREAM_HEADER]: fc.oneof(hex(64, 64), hex(0, 80), fc.stringMatching(/^[\x20-\x7e]{0,80}$/)),
        [PAYWALL_HEADER]: fc.oneof(fc.constant(attackerPaywall), fc.base64String({ maxLength: 200 }), fc.stringMatching(/^[\x20-\x7e]{0,40}$/)),
        [PAGE_ACCESS_HEADER]: fc.tuple(fc.integer({ min: 0, max: 99_999_999_999_999 }), hex(64, 64)).map(([t, mac]) => `${Date.now() + t}.${mac}`),
      },
      { requiredKeys: [UPSTREAM_HEADER] },
    );
    const targets = fc.oneof(
      fc.constantFrom(...PRICED).chain((route) => fc.boolean().chain((exact) => spelledPath(route.segments, exact).map((p) => ({ internal: false, exact, path: p })))),
      fc.boolean().chain((exact) => spelledPath(PAYWALL_PATH.slice(1).split("/"), exact).map((p) => ({ internal: true, exact, path: p }))),
    );
    const how = fc.constantFrom<{ method: string; headers: Record<string, string> }>(
      { method: "GET", headers: { accept: "text/html,application/xhtml+xml" } },
      { method: "GET", headers: {} },
      { method: "GET", headers: { rsc: "1" } },
      { method: "HEAD", headers: { accept: "text/html" } },
    );
    await fc.assert(
      fc.asyncProperty(targets, how, loopbackHeaders, async ({ internal, exact, path: p }, asked, headers) => {
        const hops = await visit(p, { method: asked.method, headers: { ...asked.headers, ...(headers as Record<string, string>) } });
        const last = hops.at(-1)!;
        const trail = `${asked.method} ${p} → ${hops.map((h) => h.status).join(" → ")}`;
        for (const hop of hops) expect(hop.body, trail).not.toContain(forged);
        if (internal) {
          // The internal paywall page is no page to anyone but the loopback call.
          expect([400, 404, 405], trail).toContain(last.status);
          expect(last.body, trail).not.toContain('data-tollgate-lock="proxy"');
        } else if (exact) {
          expect(last.status, trail).toBe(402);
        } else {
          expect([400, 402, 404, 405], trail).toContain(last.status);
        }
        if (last.status === 402) {
          const required = decodePaymentRequiredHeader(String(last.headers["payment-required"]));
          for (const accepted of required.accepts) expect(accepted.payTo.toLowerCase(), trail).not.toBe(attacker);
        }
      }),
      { numRuns: 600 },
    );
  });

  it("fails the loopback call of a priced page that carries no proof for the path rendered (500: a paid call is never charged for a paywall)", async () => {
    const inAMinute = Date.now() + 60_000;
    const html = { accept: "text/html" };
    // The proof for the page rendered: the page itself (so the headers below are the loopback's own).
    const opened = await raw(app.url, "/articles/deep-dive", { method: "GET", headers: { ...html, ...loopbackHeaders(AUTH_SECRET, { path: "/articles/deep-dive", expiresAt: inAMinute }) } });
    expect(opened.status).toBe(200);
    expect(opened.body).toContain(PAID_MARKERS[0]);
    for (const proof of [undefined, { path: "/articles/field-notes", expiresAt: inAMinute }, { path: "/articles/deep-dive", expiresAt: Date.now() - 1 }]) {
      const res = await raw(app.url, "/articles/deep-dive", { method: "GET", headers: { ...html, ...loopbackHeaders(AUTH_SECRET, proof) } });
      expect(res.status, JSON.stringify(proof)).toBe(500);
      expect(res.body).not.toContain(PAID_MARKERS[0]);
      expect(res.body).not.toContain(PAGE_LOCK);
    }
  });

  it("gives the real loopback call a priced page's content only with an unexpired proof for that page, under any spelling; never its paywall", async () => {
    const pages = [
      { path: "/articles/deep-dive", marker: PAID_MARKERS[0]! },
      { path: "/articles/field-notes", marker: PAID_MARKERS[1]! },
    ];
    // The canonical path (what the proxy sends) or any spelling; "articles" is a static segment,
    // which Next does not decode (percent-encoded, it is a 404 before any page runs).
    const target = fc.constantFrom(...pages).chain((page) =>
      fc.oneof(
        fc.constant({ page, exact: true, path: page.path }),
        fc.boolean().chain((exact) => spelledPath(page.path.slice(1).split("/"), exact, [false, true]).map((p) => ({ page, exact, path: p }))),
      ),
    );
    const seen = { rendered: 0, refused: 0 };
    // What a proof may name: both priced pages, a free one, and near misses of their spellings.
    // (The priced pages weigh most, so that both outcomes below come up in every run.)
    const proofPath = fc.oneof(
      { arbitrary: fc.constantFrom(...pages.map((page) => page.path)), weight: 3 },
      { arbitrary: fc.constantFrom("/articles/welcome", "/articles/Deep-Dive", "/articles/deep-dive/", "/articles/deep%2Ddive", "/articles//field-notes", "/"), weight: 1 },
    );
    const proof = fc.option(fc.record({ path: proofPath, ttlMs: fc.oneof(fc.integer({ min: -600_000, max: -1 }), fc.integer({ min: 30_000, max: 60_000 })) }), { nil: undefined });
    const how = fc.constantFrom<{ method: string; headers: Record<string, string> }>(
      { method: "GET", headers: { accept: "text/html" } },
      { method: "GET", headers: { rsc: "1" } },
      { method: "HEAD", headers: { accept: "text/html" } },
    );
    await fc.assert(
      fc.asyncProperty(target, proof, how, async ({ page, exact, path: p }, given, asked) => {
        const headers = { ...asked.headers, ...loopbackHeaders(AUTH_SECRET, given && { path: given.path, expiresAt: Date.now() + given.ttlMs }) };
        const res = await raw(app.url, p, { method: asked.method, headers });
        const trail = `${asked.method} ${p} with ${JSON.stringify(given)} → ${res.status}`;
        const opens = (pagePath: string) => given?.path === pagePath && given.ttlMs > 0;
        expect(res.body, trail).not.toContain(PAGE_LOCK);
        for (const other of pages) if (!opens(other.path)) expect(res.body, trail).not.toContain(other.marker);
        if (exact && res.status === 200) seen.rendered++;
        if (exact && res.status === 500) seen.refused++;
        // A spelling of the page rendered (200) only with the proof for it, and then with its
        // content. (Another spelling may render something else, a not-found page: never content.)
        if (exact && res.status === 200) {
          expect(opens(page.path), trail).toBe(true);
          if (asked.method === "GET") expect(res.body, trail).toContain(page.marker);
        }
        // A spelling Next routes to the page: rendered with the proof, else 500. (The proxy
        // redirects every other spelling before it could be paid for; on the loopback call Next
        // itself answers it: 404 for a static segment percent-encoded, 308 for a trailing slash;
        // 307 to the same path with its `_rsc` query for an RSC request without one.)
        if (exact) expect([opens(page.path) ? 200 : 500, 404, 307, 308], trail).toContain(res.status);
      }),
      { numRuns: 300 },
    );
    // Both outcomes were met, so the property above was put to the test.
    expect(seen.rendered).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it("serves a blocked page or handler to nobody under any spelling, paid or not (403)", async () => {
    const blocked = fc.constantFrom(...BLOCKED).chain((route) => fc.tuple(fc.constant(route), fc.boolean()).chain(([r, exact]) => spelledPath(r.segments, exact).map((p) => ({ route: r, exact, path: p }))));
    const paying = fc.constantFrom<Record<string, string>>({}, { "payment-signature": "e30=" }, { "x-payment": "e30=" });
    await fc.assert(
      fc.asyncProperty(blocked, asking, paying, requestForm(trusting), async ({ route, exact, path: p }, how, payment, form) => {
        const hops = await visit(form + p, { method: how.method, headers: { ...how.headers, ...payment } }, trusting);
        const last = hops.at(-1)!;
        const trail = `${how.method} ${p} → ${hops.map((h) => h.status).join(" → ")}`;
        expect(last.body, trail).not.toContain(route.marker);
        if (exact && (route.kind === "page" || decidedMethod(how) === "POST")) expect(last.status, trail).toBe(403);
        else if (!isRscWithoutContent(how, last)) expect([400, 403, 404, 405, ...(how.method === "OPTIONS" ? [204] : [])], trail).toContain(last.status);
        if (last.status === 204) expect(last.body, trail).toBe("");
      }),
      { numRuns: 400 },
    );
    // A spelling that is another slug (here with a path parameter), asked for as an RSC
    // navigation: Next's not-found payload, status 200 (see isRscNotFound), never the content.
    const rsc = { method: "GET", headers: { rsc: "1" } };
    for (const spelling of ["/articles/field-notes;x=1", "/articles/%66IE%6CD%2d%6EoT%65%73;x=1"]) {
      const hops = await visit(spelling, rsc, trusting);
      expect(hops.map((h) => h.status), spelling).toEqual([307, 200]);
      expect(isRscNotFound(rsc, hops[1]!), spelling).toBe(true);
      const html = await visit(spelling, { method: "GET", headers: { accept: "text/html" } }, trusting);
      expect(html.map((h) => h.status), spelling).toEqual([404]);
    }
    // The page's refusal is a page a visitor can read; the API's is the JSON error.
    const page = await raw(trusting.url, "/articles/field-notes", { method: "GET", headers: { accept: "text/html" } });
    expect([page.status, page.headers["content-type"]]).toEqual([403, "text/html; charset=utf-8"]);
    expect(page.body).toContain("Not available");
    const api = await raw(trusting.url, "/api/demo/summarize", { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"a. b."}' });
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body).error.code).toBe("forbidden");
  });

  it("leaves free pages and handlers to the router under every spelling", async () => {
    const free = fc.constantFrom(...FREE).chain((route) => spelledPath(route.segments, true, route.decoded).map((p) => ({ route, path: p })));
    await fc.assert(
      fc.asyncProperty(free, async ({ route, path: p }) => {
        const hops = await visit(p, { method: "GET", headers: { accept: "text/html" } });
        const last = hops.at(-1)!;
        expect(last.status, `${p} → ${hops.map((h) => h.status).join(" → ")}`).toBe(200);
        expect(last.body).toContain(route.marker);
      }),
      { numRuns: 200 },
    );
  });

  it("charges for a priced page whatever the method, server-action-like form posts included", async () => {
    for (const [method, contentType] of [["POST", "application/x-www-form-urlencoded"], ["POST", "multipart/form-data; boundary=x"], ["PUT", "text/plain"], ["DELETE", "text/plain"]]) {
      const res = await raw(app.url, "/articles/deep-dive", { method, headers: { accept: "text/html", "content-type": contentType! }, body: "a=1" });
      expect(res.status, `${method} ${contentType}`).toBe(402);
      expectNoPaidContent(res.body);
    }
  });

  it("answers a same-origin script's HEAD of a priced page with 204 and nothing else (the wallet SDK's COOP check)", async () => {
    const script = { "sec-fetch-mode": "cors", "sec-fetch-dest": "empty", "sec-fetch-site": "same-origin" };
    const head = await raw(app.url, "/articles/deep-dive", { method: "HEAD", headers: script });
    expect(head.status).toBe(204);
    expect(head.body).toBe("");
    expect(head.headers["set-cookie"]).toBeUndefined();
    // Anything else still pays: a GET with the same headers, a HEAD without them, an API route.
    for (const [method, path, headers] of [
      ["GET", "/articles/deep-dive", script],
      ["HEAD", "/articles/deep-dive", { accept: "text/html" }],
      ["HEAD", "/articles/deep-dive", { ...script, "sec-fetch-site": "cross-site" }],
      ["HEAD", "/api/demo/quote", script],
    ] as const) {
      const res = await raw(app.url, path, { method, headers });
      expect([method, path, res.status]).toEqual([method, path, 402]);
      expectNoPaidContent(res.body);
    }
  });

  it("answers hostile form posts to pages and data routes with 4xx, never Next's 500 (server-action refusals)", async () => {
    const host = new URL(app.url).host;
    const form = '--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--XX--\r\n';
    const multipart = { "content-type": "multipart/form-data; boundary=XX" };
    const action = { "next-action": "0123456789abcdef0123456789abcdef01234567", "content-type": "text/plain;charset=UTF-8" };
    const cases: [string, Record<string, string>, string, number, string?][] = [
      ["/", { "content-type": "multipart/form-data" }, "garbage", 400, "bad_request"],
      ["/dashboard", multipart, "garbage", 400, "bad_request"],
      ["/articles/welcome", { ...multipart, origin: "https://evil.example" }, form, 403, "forbidden"],
      ["/", { ...action, origin: "null" }, "[]", 403, "forbidden"],
      ["/dashboard/sign-in", { ...multipart, origin: "%%%" }, form, 403, "forbidden"],
      ["/nope", multipart, form.replace("\r\nb\r\n", `\r\n${"b".repeat(1024 * 1024)}\r\n`), 413, "payload_too_large"],
      ["/_next/data/build/articles/welcome.json", { "content-type": "application/x-www-form-urlencoded", rsc: "1" }, "a=b", 405, "method_not_allowed"],
      // Same-site and well-formed: through to Next, which finds no action in it (its own 400).
      ["/articles/welcome", { ...multipart, origin: `http://${host}` }, form, 400, "next"],
      // Route handlers read their own bodies: a GET-only one answers 405 whatever the post.
      ["/api/demo/health", { ...multipart, origin: "https://evil.example" }, "garbage", 405],
    ];
    for (const [p, headers, body, status, code] of cases) {
      const res = await raw(app.url, p, { method: "POST", headers, body });
      expect(res.status, `POST ${p} ${JSON.stringify(headers).slice(0, 120)} → ${res.body.slice(0, 200)}`).toBe(status);
      if (code === "next") expect(res.body).toBe("Invalid Server Action request.");
      else if (code) expect(JSON.parse(res.body).error.code).toBe(code);
    }
    // Anything in between: never a 5xx, never content that was not paid for.
    const contentType = fc.constantFrom("multipart/form-data", "multipart/form-data; boundary=XX", "multipart/form-data; boundary=", 'multipart/form-data; boundary="XX', "multipart/form-dataz", "application/x-www-form-urlencoded", "text/plain");
    const origin = fc.option(fc.constantFrom("null", `http://${host}`, "https://evil.example", "%%%", "http://", `http://${host}.evil.example`), { nil: undefined });
    const body = fc.oneof(fc.constant(form), fc.constant("garbage"), fc.string({ maxLength: 80 }).map((t) => `--XX\r\n${t}\r\n--XX--\r\n`));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/", "/articles/welcome", "/articles/deep-dive", "/articles/deep-dive.rsc", "/dashboard", "/dashboard/routes", "/dashboard/nope", "/receipts", "/nope", "/nope.rsc", "/api/nope", "/api/nope.rsc", "/_next/data/build/articles/welcome.json"), contentType, origin, fc.boolean(), fc.boolean(), body, async (p, type, from, withAction, rsc, text) => {
        const headers: Record<string, string> = { "content-type": type };
        // In RSC form too: a post that way to a path with no page was a 500 from Next's renderer
        // (a static not-found page has no RSC payload for a post).
        if (rsc) headers.rsc = "1";
        if (from !== undefined) headers.origin = from;
        if (withAction) headers["next-action"] = "0123456789abcdef0123456789abcdef01234567";
        const res = await raw(app.url, p, { method: "POST", headers, body: text });
        expect(res.status, `POST ${p} ${JSON.stringify(headers)} ${JSON.stringify(text)}`).toBeLessThan(500);
        expectNoPaidContent(res.body);
      }),
      { numRuns: 300 },
    );
  });

  it("answers a path no page or handler serves with 404, in any method and form (JSON under /api/)", async () => {
    for (const [method, p, headers, body] of [
      ["POST", "/nope", { rsc: "1", "content-type": "application/x-www-form-urlencoded" }, "a=b"],
      ["POST", "/nope.rsc", { "content-type": "application/x-www-form-urlencoded" }, "a=b"],
      ["POST", "/receipts/nope", { rsc: "1", "next-action": "0123456789abcdef0123456789abcdef01234567", "content-type": "text/plain" }, "[]"],
      ["POST", "/api/nope", { "content-type": "multipart/form-data; boundary=XX" }, "garbage"],
      ["PATCH", "/api/demo/nope", { rsc: "1" }, "a=b"],
      ["GET", "/api/nope", {}, undefined],
    ] as const) {
      const hops = await visit(p, { method, headers: { ...headers }, body });
      const last = hops.at(-1)!;
      expect([method, p, last.status]).toEqual([method, p, 404]);
      if (p.startsWith("/api/")) expect(JSON.parse(last.body).error.code).toBe("not_found");
    }
  });

  it("answers a Next-Router-State-Tree header Next cannot read with 400, never Next's 500, and lets Next's own through", async () => {
    // What Next's client router sends for the home page (encodeURIComponent of its JSON).
    const valid = encodeURIComponent(JSON.stringify(["", { children: ["__PAGE__", {}] }]));
    const home = await visit("/?_rsc=1", { method: "GET", headers: { rsc: "1", "next-router-state-tree": valid } });
    expect(home.at(-1)!.status).toBe(200);
    expect(home.at(-1)!.headers["content-type"]).toContain("text/x-component");
    // Visible ASCII and the Latin-1 bytes HTTP lets a header value carry.
    const printable = fc.string({ unit: fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 60 });
    // JSON of the right outer shape that is still no router state (a rewrite cannot tell these);
    // Next's own parser says which are not (["x", {}] is one).
    const json = fc.jsonValue({ maxDepth: 3 }).map((v) => encodeURIComponent(JSON.stringify(["x", v])));
    const tree = fc.oneof(
      printable,
      printable.map(encodeURIComponent),
      json.filter((v) => !routerStateReadable(v)),
      // Empty, and what earlier versions let through to Next's 500.
      fc.constantFrom("", " ", "%5B1%5D", "[1]", "%%%", "%5B%22", "%5B%5D", "%5B%22x%22%5D", encodeURIComponent('["x",{"children":5}]'), `%5B%22${"x".repeat(8_000)}`),
    );
    // Priced paths too: the refusal comes before the proxy prices anything, and serves nothing.
    const where = fc.constantFrom("/", "/nope", "/nope.rsc", "/articles", "/articles/welcome", "/articles/welcome.rsc", "/receipts/nope", "/dashboard", "/dashboard/sign-in", "/api/demo/health", "/articles/deep-dive", "/api/demo/quote");
    await fc.assert(
      fc.asyncProperty(where, tree, fc.constantFrom("GET", "POST", "HEAD"), fc.boolean(), async (p, value, method, rsc) => {
        const hops = await visit(p, { method, headers: { ...(rsc ? { rsc: "1" } : {}), "next-router-state-tree": value } });
        const last = hops.at(-1)!;
        expect(last.status, `${method} ${p} ${JSON.stringify(value.slice(0, 80))}`).toBe(400);
        if (method !== "HEAD") expect(JSON.parse(last.body).error.code).toBe("bad_request");
      }),
      { numRuns: 200 },
    );
  });

  it("answers TRACE (a method fetch forbids, which Next fails on) with 405 on every path, never a 500", async () => {
    for (const p of ["/", "/nope", "/articles/welcome", "/articles/deep-dive", "/api/demo/quote", "/api/demo/health", "/api/nope", "/dashboard", "/.well-known/x402", "/_next/static/nope.js"]) {
      const res = await raw(app.url, p, { method: "TRACE" });
      expect([p, res.status]).toEqual([p, 405]);
      expect(res.headers.allow).toContain("GET");
      expect(JSON.parse(res.body).error.code).toBe("method_not_allowed");
    }
  });

  it("routes an absolute-form request target as its path, and answers targets that are no path without a 500", async () => {
    const options = await raw(app.url, "*", { method: "OPTIONS" });
    expect(options.status).toBe(204);
    expect(options.headers.allow).toContain("GET");
    for (const [method, target] of [["GET", "*"], ["POST", "*"], ["GET", "*/articles/deep-dive"], ["GET", "ftp://x/articles/deep-dive"]] as const) {
      const res = await raw(app.url, target, { method });
      expect([method, target, res.status]).toEqual([method, target, 400]);
      expect(JSON.parse(res.body).error.code).toBe("bad_request");
    }
    // As a client talking to a forward proxy sends it (RFC 9112 §3.2.2): the priced page is priced,
    // under any authority, and its 402 names the configured origin, never the one in the target.
    for (const authority of [new URL(app.url).host, "evil.example"]) {
      const page = await raw(app.url, `http://${authority}/articles/deep-dive`, { headers: { accept: "text/html" } });
      expect([authority, page.status]).toEqual([authority, 402]);
      expectNoPaidContent(page.body);
      const quote = await raw(app.url, `http://${authority}/api/demo/quote`);
      expect(quote.status).toBe(402);
      expect(decodePaymentRequiredHeader(String(quote.headers["payment-required"])).resource.url).toBe(`${app.url}/api/demo/quote`);
    }
    const free = await raw(app.url, `http://${new URL(app.url).host}/articles/welcome`, { headers: { accept: "text/html" } });
    expect(free.status).toBe(200);
  });

  it("answers a protocol upgrade with 400 and closes the connection, where Next left it open without an answer", async () => {
    const { hostname, port } = new URL(app.url);
    for (const [p, upgrade] of [["/api/demo/quote", "websocket"], ["/articles/deep-dive", "websocket"], ["/nope", "websocket"], ["/", "h2c"]] as const) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), hostname);
        let text = "";
        socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
        socket.on("close", () => resolve(text)); // the server closed it: no timer needed
        socket.on("error", reject);
        socket.write(`GET ${p} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: Upgrade\r\nUpgrade: ${upgrade}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n`);
      });
      expect(answer.split("\r\n")[0], `${upgrade} ${p}`).toBe("HTTP/1.1 400 Bad Request");
      expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)).error.code).toBe("bad_request");
      expectNoPaidContent(answer);
    }
  });

  it("answers a body over MAX_REQUEST_BODY_BYTES with 413 on any path, chunked, declared or announced, where Next handed its handler the body cut short", async () => {
    const limit = 10 * 1024 * 1024; // the default: this app sets none
    const big = new Uint8Array(limit + 64 * 1024).fill(0x20);
    const chunked = (bytes: Uint8Array): RequestInit =>
      ({
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 256 * 1024) controller.enqueue(bytes.subarray(i, i + 256 * 1024));
            controller.close();
          },
        }),
        duplex: "half",
      }) as RequestInit;
    // A free handler that ignores its body (it answered 200 to these), a page, a priced route, no route.
    const origin = new URL(app.url).origin;
    for (const p of ["/api/auth/nonce", "/articles/welcome", "/api/demo/quote", "/nope"]) {
      for (const [how, init] of [["declared", { body: big }], ["chunked", chunked(big)]] as const) {
        const res = await fetch(`${app.url}${p}`, { method: "POST", headers: { origin, "content-type": "text/plain" }, ...init });
        expect([p, how, res.status]).toEqual([p, how, 413]);
        expect((await res.json()).error.code).toBe("payload_too_large");
      }
    }
    // Up to the limit, a body goes through (chunked: counted as it arrives).
    const fits = await fetch(`${app.url}/api/auth/nonce`, { method: "POST", headers: { origin, "content-type": "text/plain" }, ...chunked(big.subarray(0, limit)) });
    expect(fits.status).toBe(200);
    // A client that stops sending past the limit still reads the answer.
    const { hostname, port } = new URL(app.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname);
      let text = "";
      socket.on("data", (d: Buffer) => {
        text += d.toString("latin1");
        if (text.includes("\r\n\r\n") && text.endsWith("}")) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on("error", reject);
      socket.write(`POST /api/auth/nonce HTTP/1.1\r\nHost: ${hostname}:${port}\r\nOrigin: ${origin}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i < 11; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString("latin1")}\r\n`);
    });
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)).error.code).toBe("payload_too_large");
    // A client that asks first (Expect: 100-continue, as curl does past 1 MiB) is refused before
    // sending anything; one within the limit is told to go on.
    const expecting = (length: number) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), hostname);
        socket.once("data", (d: Buffer) => {
          socket.destroy();
          resolve(d.toString("latin1").split("\r\n")[0]!);
        });
        socket.on("error", reject);
        socket.write(`POST /api/demo/quote HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`);
      });
    expect(await expecting(limit + 1)).toBe("HTTP/1.1 413 Payload Too Large");
    expect(await expecting(limit)).toBe("HTTP/1.1 100 Continue");
  });

  it("lets no header of Next's own internals skip the proxy (CVE-2025-29927's x-middleware-subrequest and kin)", async () => {
    const loop = (name: string) => Array.from({ length: 5 }, () => name).join(":");
    const forged: Record<string, string>[] = [
      ...["proxy", "middleware", "src/proxy", "src/middleware", "pages/_middleware"].flatMap((name) => [{ "x-middleware-subrequest": name }, { "x-middleware-subrequest": loop(name) }]),
      { "x-middleware-subrequest": loop("proxy"), "x-middleware-subrequest-id": "0".repeat(32) },
      { "x-middleware-rewrite": "/api/demo/health" },
      { "x-middleware-next": "1" },
      { "x-middleware-prefetch": "1" },
      { "x-invoke-path": "/api/demo/health" },
      { "x-invoke-status": "200" },
      { "x-matched-path": "/api/demo/health" },
      { "x-now-route-matches": "1" },
      { "next-resume": "1" },
    ];
    for (const headers of forged) {
      for (const p of ["/api/demo/quote", "/articles/deep-dive"]) {
        const [res] = await visit(p, { method: "GET", headers: { accept: "text/html", ...headers } });
        expect([p, headers, res!.status]).toEqual([p, headers, 402]);
      }
    }
  });

  it("answers paths without one meaning with 400, not 500", async () => {
    for (const p of ["/articles/%zz", "/articles/deep%2Fdive", "/articles%2Fdeep-dive", "/api/demo/%C0%AF", "/articles/a%5Cb"]) {
      const res = await raw(app.url, p, { headers: { accept: "text/html" } });
      expect(res.status, p).toBe(400);
      expect(JSON.parse(res.body).error.code).toBe("bad_request");
    }
  });

  describe("hostile payment headers", () => {
    let valid: { header: string; payload: Record<string, unknown> }[] = [];
    const buyer = () => devnet.config.buyers[0]!;
    const balance = (owner: string) => balanceOf(devnet.config.rpcUrl, devnet.config.asset.address as Address, owner as Address);

    beforeAll(async () => {
      const client = new x402HTTPClient(createX402Client(devnet.config, buyer().privateKey as Hex));
      for (let i = 0; i < 4; i++) {
        const challenge = await fetch(`${app.url}/api/demo/quote`);
        const required = client.getPaymentRequiredResponse((h) => challenge.headers.get(h), await challenge.json());
        const header = client.encodePaymentSignatureHeader(await client.createPaymentPayload(required))["PAYMENT-SIGNATURE"]!;
        valid.push({ header, payload: JSON.parse(Buffer.from(header, "base64").toString("utf8")) });
      }
    });

    /** Fields whose change the signature or the requirement match must catch (no honest payment survives one). */
    const SIGNED_PATHS = [
      ["x402Version"],
      ["accepted"],
      ["accepted", "scheme"],
      ["accepted", "network"],
      ["accepted", "amount"],
      ["accepted", "asset"],
      ["accepted", "payTo"],
      ["payload"],
      ["payload", "signature"],
      ["payload", "authorization"],
      ["payload", "authorization", "from"],
      ["payload", "authorization", "to"],
      ["payload", "authorization", "value"],
      ["payload", "authorization", "validAfter"],
      ["payload", "authorization", "validBefore"],
      ["payload", "authorization", "nonce"],
    ];
    const setPath = (obj: Record<string, unknown>, keys: string[], value: unknown) => {
      const copy = structuredClone(obj);
      let node = copy as Record<string, unknown>;
      for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
      if (value === undefined) delete node[keys.at(-1)!];
      else node[keys.at(-1)!] = value;
      return copy;
    };
    const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64");
    const hexOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => `0x${Buffer.from(b).toString("hex")}`);

    /** Header sets to send; each must be refused without a charge. */
    const hostile = fc.integer({ min: 0, max: 3 }).chain((i) =>
      fc.oneof(
        // random bytes and random text
        fc.uint8Array({ maxLength: 600 }).map((b) => ({ "payment-signature": Buffer.from(b).toString("base64") })),
        fc.string({ unit: "grapheme-ascii", maxLength: 300 }).filter((s) => /^[\x21-\x7e]*$/.test(s)).map((s) => ({ "x-payment": s || "A" })),
        // truncations of a real header
        // (at least one whole base64 quad short: dropping only the padding would leave the payment whole)
        fc.integer({ min: 0, max: 2000 }).map((n) => ({ "payment-signature": valid[i]!.header.slice(0, n % (valid[i]!.header.length - 4)) || "e30=" })),
        // wrong types or removed fields anywhere a signature or requirement covers
        fc.tuple(fc.constantFrom(...SIGNED_PATHS), fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant(null))).map(([keys, value]) => ({ "payment-signature": b64(setPath(valid[i]!.payload, keys, value)) })),
        // well-formed values that no longer match what was signed
        fc
          .oneof(
            fc.bigInt({ min: 0n, max: 10n ** 20n }).filter((v) => v !== 10_000n).map((v) => [["payload", "authorization", "value"], v.toString()] as const),
            hexOf(20).map((a) => [["payload", "authorization", "to"], a] as const),
            hexOf(20).map((a) => [["payload", "authorization", "from"], a] as const),
            hexOf(32).map((n) => [["payload", "authorization", "nonce"], n] as const),
            fc.integer({ min: 0, max: 2 ** 40 }).map((t) => [["payload", "authorization", "validBefore"], String(t)] as const),
            hexOf(65).map((s) => [["payload", "signature"], s] as const),
            fc.bigInt({ min: 1n, max: 10n ** 9n }).filter((v) => v !== 10_000n).map((v) => [["accepted", "amount"], v.toString()] as const),
            hexOf(20).map((a) => [["accepted", "payTo"], a] as const),
          )
          .map(([keys, value]) => ({ "payment-signature": b64(setPath(valid[i]!.payload, [...keys], value)) })),
        // v1 and v2 mixed up
        fc.constant({ "x-payment": valid[i]!.header }),
        fc.constant({ "payment-signature": b64({ ...valid[i]!.payload, x402Version: 1, scheme: "exact", network: "base-sepolia" }) }),
        fc.constant({ "payment-signature": "%%%", "x-payment": valid[i]!.header }),
        // oversized
        fc.integer({ min: 17_000, max: 40_000 }).map((n) => ({ "payment-signature": "A".repeat(n) })),
      ),
    );

    it("answers only 400/402/431, never content, never a charge", async () => {
      const payer = buyer().address;
      const [before, merchantBefore] = [await balance(payer), await balance(devnet.config.payTo)];
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(hostile, fc.constantFrom("GET", "HEAD"), async (headers, method) => {
          // Node answers an oversized header block with 431 and closes the connection: its own socket.
          const oversized = Object.values(headers).some((v) => v.length > 16_000);
          const res = await raw(app.url, "/api/demo/quote", { method, headers, fresh: oversized }).catch((error: NodeJS.ErrnoException) => {
            if (oversized && (error.code === "ECONNRESET" || error.code === "EPIPE")) return { status: 431, headers: {} as http.IncomingHttpHeaders, body: "" };
            throw error;
          });
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          expect([400, 402, 431], `${method} ${JSON.stringify(headers).slice(0, 200)} → ${res.status} ${res.body.slice(0, 200)}`).toContain(res.status);
          expectNoPaidContent(res.body);
          expect(res.headers["payment-response"]).toBeUndefined();
        }),
        { numRuns: 2500 },
      );
      // Every kind of refusal was exercised, and the facilitator saw well-formed forgeries.
      expect([...seen.keys()].sort()).toEqual([400, 402, 431]);
      expect(await balance(payer)).toBe(before);
      expect(await balance(devnet.config.payTo)).toBe(merchantBefore);
    });

    it("names the bad field of a malformed scheme payload (400), the four shapes of the attack report included", async () => {
      const cases: [string[], unknown, RegExp][] = [
        [["payload", "signature"], undefined, /payload\.signature/],
        [["payload", "authorization", "value"], "ten", /payload\.authorization\.value/],
        [["payload", "authorization", "validBefore"], null, /payload\.authorization\.validBefore/],
        [["payload", "authorization", "from"], 12, /payload\.authorization\.from/],
      ];
      for (const [keys, value, message] of cases) {
        const res = await raw(app.url, "/api/demo/quote", { headers: { "payment-signature": b64(setPath(valid[0]!.payload, keys, value)) } });
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body).error).toEqual({ code: "invalid_payment_header", message: expect.stringMatching(message) });
      }
    });
  });

  describe("relayed sign-in", () => {
    const merchant = privateKeyToAccount(testKey(8));

    async function signIn(server: NextServer, msg: { domain: string; uri: string }, headers: Record<string, string>) {
      const origin = new URL(server.url).origin;
      const nonceRes = await raw(server.url, "/api/auth/nonce", { method: "POST", headers: { origin } });
      expect(nonceRes.status).toBe(200);
      const { nonce } = JSON.parse(nonceRes.body);
      const message = createSiweMessage({ ...msg, address: merchant.address, version: "1", chainId: devnet.config.chainId, nonce, issuedAt: new Date() });
      const signature = await merchant.signMessage({ message });
      return raw(server.url, "/api/auth/sign-in", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ kind: "evm", message, signature }) });
    }
    const evil = { domain: "evil.example", uri: "http://evil.example" };

    it("refuses Origin: null, a missing Origin and a foreign one with 403 (never 500)", async () => {
      const variants: Record<string, string>[] = [{ origin: "null" }, {}, { origin: "http://evil.example", host: "evil.example" }, { origin: "not a url" }];
      for (const headers of variants) {
        for (const p of ["/api/auth/nonce", "/api/auth/sign-in"]) {
          const res = await raw(app.url, p, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
          expect(res.status, `${p} ${JSON.stringify(headers)}`).toBe(403);
        }
      }
    });

    it("gives no session for another site's message relayed under a forged Host or X-Forwarded-Host", async () => {
      for (const server of [app, trusting]) {
        const forged: Record<string, string>[] = [
          { host: "evil.example", origin: "http://evil.example" },
          { "x-forwarded-host": "evil.example", "x-forwarded-proto": "http", origin: "http://evil.example" },
          // The Origin of the real site (a server can send any) does not make the message this site's.
          { host: "evil.example", "x-forwarded-host": "evil.example", origin: new URL(server.url).origin },
        ];
        for (const headers of forged) {
          const res = await signIn(server, evil, headers);
          expect([401, 403], JSON.stringify(headers)).toContain(res.status);
          expect(res.headers["set-cookie"]).toBeUndefined();
        }
      }
    });

    it("signs the merchant in on a configured origin, and the session opens the dashboard", async () => {
      const host = new URL(app.url).host;
      const res = await signIn(app, { domain: host, uri: app.url }, { origin: app.url });
      expect(res.status).toBe(200);
      const cookie = String(res.headers["set-cookie"]).split(";")[0]!;
      const dashboard = await raw(app.url, "/dashboard", { headers: { cookie } });
      expect(dashboard.status).toBe(200);
      // A second public origin, named through the trusted proxy's headers.
      const shop = await signIn(trusting, { domain: "shop.example", uri: "https://shop.example" }, { origin: "https://shop.example", "x-forwarded-host": "shop.example" });
      expect(shop.status).toBe(200);
    });
  });

  it("lets no other site frame any answer of the app, and nothing frame the dashboard (clickjacking); every one is nosniff (the request guard's bare JSON refusals aside)", async () => {
    const cases: [string, Record<string, string>, number, boolean][] = [
      ["/", { accept: "text/html" }, 200, false],
      ["/articles/welcome", { accept: "text/html" }, 200, false],
      ["/articles/deep-dive", { accept: "text/html" }, 402, false], // the paywall page
      ["/articles/deep-dive", { rsc: "1" }, 402, false],
      ["/api/demo/quote", {}, 402, false],
      ["/api/demo/health", {}, 200, false],
      ["/.well-known/x402", {}, 200, false],
      ["/.well-known/did.json", {}, 404, false], // no OFFER_RECEIPT_PRIVATE_KEY here
      ["/discovery/resources", {}, 200, false],
      ["/discovery/search?query=quote", {}, 200, false],
      ["/discovery/resources?limit=x", {}, 400, false],
      ["/no-such-page", { accept: "text/html" }, 404, false],
      ["/api/no-such-route", {}, 404, false],
      ["/dashboard", { accept: "text/html" }, 307, true],
      ["/dashboard/sign-in", { accept: "text/html" }, 200, true],
      ["/dashboard/payments/export", {}, 401, true],
    ];
    for (const [p, headers, status, dashboard] of cases) {
      const res = await raw(app.url, p, { headers });
      expect([p, res.status]).toEqual([p, status]);
      expectNoFraming(res, p, dashboard);
    }
  });

  it("builds 402 resource URLs from configured origins only", async () => {
    const resourceOf = async (server: NextServer, headers: Record<string, string>) =>
      decodePaymentRequiredHeader(String((await raw(server.url, "/api/demo/quote", { headers })).headers["payment-required"])).resource.url;
    expect(await resourceOf(app, { host: "evil.example" })).toBe(`${app.url}/api/demo/quote`);
    expect(await resourceOf(app, { "x-forwarded-host": "shop.example", "x-forwarded-proto": "https" })).toBe(`${app.url}/api/demo/quote`);
    expect(await resourceOf(trusting, { "x-forwarded-host": "evil.example" })).toBe(`${trusting.url}/api/demo/quote`);
    expect(await resourceOf(trusting, { "x-forwarded-host": "shop.example", "x-forwarded-proto": "https" })).toBe("https://shop.example/api/demo/quote");
    expect(await resourceOf(app, {})).toBe(`${app.url}/api/demo/quote`);
  });
});
