import http from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FACILITATOR_MAX_RESPONSE_BYTES, limitFacilitatorResponses } from "@/lib/facilitator/response-limit";
import { MAX_RETRY_AFTER_SECONDS, notingRetryAfter, parseRetryAfter, type RetryAfterNote } from "@/lib/facilitator/retry-after";
import { answerUnreadable } from "@/lib/x402/failover";

/** Serves `handle` on 127.0.0.1 (a port of its own: an origin of its own). */
async function serve(handle: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Writes `bytes` of JSON whitespace (more than the bound, finite so a test without the bound ends). */
function big(res: http.ServerResponse, bytes: number) {
  res.writeHead(200, { "content-type": "application/json" });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const pump = () => {
    while (sent < bytes) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end("{}");
  };
  pump();
}

/**
 * The bound on facilitator answers, on real sockets and Node's own fetch (the one @x402/core's
 * HTTPFacilitatorClient calls): a facilitator origin and another origin it redirects to.
 */
describe("limitFacilitatorResponses", () => {
  const FOUR_MIB = 4 * FACILITATOR_MAX_RESPONSE_BYTES;
  let facilitator: Awaited<ReturnType<typeof serve>>;
  let elsewhere: Awaited<ReturnType<typeof serve>>;
  const acceptEncoding: Record<string, string | undefined> = {};

  beforeAll(async () => {
    elsewhere = await serve((req, res) => {
      acceptEncoding[req.url ?? ""] = req.headers["accept-encoding"];
      if (req.url?.startsWith("/big")) return big(res, FOUR_MIB);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, method: req.method }));
    });
    facilitator = await serve((req, res) => {
      if (req.url === "/big") return big(res, FOUR_MIB);
      if (req.url === "/not-http") return void req.socket.end("SSH-2.0-OpenSSH_9.6\r\n\r\n");
      if (req.url === "/reset") return void req.socket.destroy();
      const busy = /^\/busy\/(429|503|500)\/(.+)$/.exec(req.url ?? "");
      if (busy) {
        res.writeHead(Number(busy[1]), { "retry-after": decodeURIComponent(busy[2]!) });
        return res.end("busy");
      }
      if (req.url === "/same-origin") {
        res.writeHead(302, { location: "/big" });
        return res.end();
      }
      // Anything else is sent on to the other origin with the same path (307 keeps the method and body).
      res.writeHead(307, { location: `${elsewhere.url}${req.url}#fragment` });
      res.end();
    });
    await limitFacilitatorResponses([facilitator.url]);
  });
  afterAll(() => {
    facilitator.server.closeAllConnections();
    elsewhere.server.closeAllConnections();
    facilitator.server.close();
    elsewhere.server.close();
  });

  it("fails an answer over the bound from the facilitator", async () => {
    const error = await fetch(`${facilitator.url}/big`).then((r) => r.arrayBuffer()).catch((e: unknown) => e);
    expect(answerUnreadable(error)).toBe(true);
  });

  it("tells an answer that is not HTTP (a bad answer) from a dropped connection (none)", async () => {
    expect(answerUnreadable(await fetch(`${facilitator.url}/not-http`).catch((e: unknown) => e))).toBe(true);
    expect(answerUnreadable(await fetch(`${facilitator.url}/reset`).catch((e: unknown) => e))).toBe(false);
  });

  it("bounds a redirect's target, on another origin, the same way", async () => {
    const error = await fetch(`${facilitator.url}/big-elsewhere`, { method: "POST", body: "{}" }).then((r) => r.arrayBuffer()).catch((e: unknown) => e);
    expect(answerUnreadable(error)).toBe(true);
    expect(acceptEncoding["/big-elsewhere"]).toBe("identity");
  });

  it("bounds a same-origin redirect", async () => {
    const error = await fetch(`${facilitator.url}/same-origin`).then((r) => r.arrayBuffer()).catch((e: unknown) => e);
    expect(answerUnreadable(error)).toBe(true);
  });

  it("still follows a redirect to a small answer: a facilitator that moved keeps working", async () => {
    const res = await fetch(`${facilitator.url}/settle`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, method: "POST" });
    expect(acceptEncoding["/settle"]).toBe("identity");
  });

  it("leaves other origins alone, including one a facilitator once redirected to", async () => {
    await fetch(`${facilitator.url}/small`).then((r) => r.json());
    const body = await fetch(`${elsewhere.url}/big-direct`, { headers: { "accept-encoding": "gzip" } }).then((r) => r.arrayBuffer());
    expect(body.byteLength).toBe(FOUR_MIB + 2);
    expect(acceptEncoding["/big-direct"]).toBe("gzip");
  });

  it("notes a facilitator's Retry-After on a 429 or 503 for the call that asked, each call its own", async () => {
    const ask = async (path: string) => {
      const note: RetryAfterNote = {};
      await notingRetryAfter(note, async () => (await fetch(`${facilitator.url}${path}`)).text());
      return note.seconds;
    };
    const [rateLimited, unavailable] = await Promise.all([ask("/busy/429/42"), ask("/busy/503/7")]);
    expect([rateLimited, unavailable]).toEqual([42, 7]);
    // Cut to the most passed on; an HTTP-date counts from now; other statuses and nonsense say nothing.
    expect(await ask("/busy/429/86400")).toBe(MAX_RETRY_AFTER_SECONDS);
    expect(await ask(`/busy/503/${encodeURIComponent(new Date(Date.now() + 120_000).toUTCString())}`)).toBeGreaterThanOrEqual(119);
    expect(await ask("/busy/500/30")).toBeUndefined();
    expect(await ask("/busy/429/soon")).toBeUndefined();
    // Outside a noting call nothing is kept (and nothing fails).
    expect(await (await fetch(`${facilitator.url}/busy/429/42`)).text()).toBe("busy");
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP-dates (RFC 9110 §10.2.3), within 1 s and MAX_RETRY_AFTER_SECONDS", () => {
    const now = Date.parse("Fri, 04 Dec 2026 18:00:00 GMT");
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter(" 0 ", now)).toBe(1);
    expect(parseRetryAfter("Fri, 04 Dec 2026 18:01:00 GMT", now)).toBe(60);
    expect(parseRetryAfter("Fri, 04 Dec 2026 17:00:00 GMT", now)).toBe(1);
    expect(parseRetryAfter("999999999999", now)).toBe(MAX_RETRY_AFTER_SECONDS);
    for (const bad of ["", "-5", "1.5", "30s", "tomorrow", "2026-12-04T18:01:00Z", "Fri, 04 Dec 2026 18:01:00", "1e3"]) expect(parseRetryAfter(bad, now)).toBeUndefined();
    // Spellings a hostile facilitator might choose: other number forms, non-ASCII digits, too many digits, a second header folded in.
    for (const bad of ["0x1e", "Infinity", "NaN", "+30", "٣٠", "1234567890123", "30\r\nX-Injected: 1", "30, 60", "Fri, 04 Dec 2026 18:01:00 GMT extra"]) expect(parseRetryAfter(bad, now)).toBeUndefined();
    expect(parseRetryAfter("0030", now)).toBe(30);
  });

  it("never throws, and answers whole seconds in range or nothing, for any text (fuzzed)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.nat().map(String), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())), (value) => {
        const seconds = parseRetryAfter(value);
        if (seconds === undefined) return;
        expect(Number.isInteger(seconds)).toBe(true);
        expect(seconds).toBeGreaterThanOrEqual(1);
        expect(seconds).toBeLessThanOrEqual(MAX_RETRY_AFTER_SECONDS);
      }),
      { numRuns: 1000 },
    );
  });
});
