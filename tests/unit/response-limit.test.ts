import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FACILITATOR_MAX_RESPONSE_BYTES, limitFacilitatorResponses } from "@/lib/facilitator/response-limit";
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
});
