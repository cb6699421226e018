import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import zlib from "node:zlib";

/** One gzip member of 1 MiB of spaces (~1 KiB): members in a row inflate to their sum. */
const GZIPPED_MIB = zlib.gzipSync(Buffer.alloc(1024 * 1024, 0x20), { level: 9 });

/** How the switchboard treats the next facilitator calls. */
export type SwitchboardMode = "pass" | "down" | "garbage" | "http-error" | "rate-limited" | "overloaded" | "stale-verify" | "endless" | "bomb" | "fat-headers" | "redirect-endless" | "not-http";

/** What to send back for an intercepted /settle: the facilitator's answer, or a fault. */
export type SettleAnswer = { kind: "answer"; status: number; text: string; headers?: Record<string, string> } | { kind: "reset" } | { kind: "garbage" } | { kind: "hold" } | { kind: "endless" };

/**
 * Decides the fate of one /settle: may run code first, may `forward()` it to the real facilitator
 * (then the settlement really happens) or not, and says what the app gets back. "hold" never
 * answers (the app's own timeout ends the call).
 */
export type SettleInterceptor = (ctx: { body: unknown; forward: () => Promise<{ status: number; text: string }> }) => Promise<SettleAnswer>;

/**
 * A pass-through HTTP proxy in front of the real devnet facilitator, so a test can make the
 * facilitator unreachable ("down": connections are reset) or broken ("garbage": 200 with a
 * non-JSON body; "http-error": 500 with a JSON error that is no verdict; "rate-limited": 429 with
 * Retry-After, as a hosted facilitator's rate limit answers; "overloaded": 503 from its load
 * balancer, an HTML page; "endless": 200 with a JSON
 * body that never ends (whitespace, sent as fast as the app reads it); "bomb": 200 with 600 KiB of
 * gzip that inflates to 600 MiB of JSON whitespace (sent whatever the request accepts, as a
 * hostile server would); "fat-headers": 200 with 20 KiB of headers; "redirect-endless": 307 to
 * another origin (a second server of the switchboard's) that answers as "endless" does; "not-http":
 * bytes that are not HTTP (another service on the port); "stale-verify": a /verify
 * that arrives on a kept-alive connection is read and its connection closed unanswered, as when a
 * facilitator closes an idle connection just as the app reuses it; one such drop per verify, the
 * call after a drop goes through) without restarting the app,
 * and can run a hook before a /settle is forwarded.
 * Everything in "pass" mode is the real facilitator's answer. A test double only for network
 * conditions that a real facilitator cannot be asked to produce on cue.
 */
export async function startSwitchboard(target: string) {
  let mode: SwitchboardMode = "pass";
  let beforeSettle: ((body: unknown) => Promise<void>) | undefined;
  let interceptSettle: SettleInterceptor | undefined;
  let holdVerify: (() => void) | undefined;
  let staleDrops = 0;
  let supportedRewrite: ((supported: { kinds: { network: string; extra?: Record<string, unknown> }[] }) => unknown) | null = null;
  let justDropped = false;
  let endlessBytes = 0;
  /** Answers 200 with JSON whitespace until the app hangs up (at most 4 GiB), counting what it sent. */
  const endless = (res: http.ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (!res.destroyed && sent < 4 * 1024 ** 3) {
        sent += chunk.length;
        if (!res.write(chunk)) return;
      }
      if (!res.destroyed) res.end();
    };
    res.on("drain", pump);
    res.on("close", () => (endlessBytes = sent));
    pump();
  };
  const elsewhere = http.createServer((req, res) => void req.resume().on("end", () => endless(res)));
  await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.1", r));
  const elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  const requestsOn = new WeakMap<Socket, number>();
  const received = new Map<string, number>();
  const server = http.createServer(async (req, res) => {
    received.set(req.url ?? "", (received.get(req.url ?? "") ?? 0) + 1);
    const nth = (requestsOn.get(req.socket) ?? 0) + 1;
    requestsOn.set(req.socket, nth);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const passthrough = req.url === "/supported";
    if (!passthrough && mode === "down") return req.socket.destroy();
    if (mode === "stale-verify" && req.url === "/verify") {
      // One connection goes stale at a time: the attempt after a drop gets through (else a pool of
      // several kept-alive connections would drop every attempt, which is not this fault).
      if (nth > 1 && !justDropped) {
        justDropped = true;
        staleDrops++;
        return req.socket.destroy();
      }
      justDropped = false;
    }
    if (!passthrough && mode === "http-error") {
      res.writeHead(500, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: "internal error" }));
    }
    if (!passthrough && mode === "rate-limited") {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "30" });
      return res.end(JSON.stringify({ errorType: "rate_limit_exceeded", errorMessage: "Too many requests" }));
    }
    if (!passthrough && mode === "overloaded") {
      res.writeHead(503, { "content-type": "text/html" });
      return res.end("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>");
    }
    if (!passthrough && mode === "endless") return endless(res);
    if (!passthrough && mode === "not-http") return void req.socket.end("SSH-2.0-OpenSSH_9.6\r\n\r\n");
    if (!passthrough && mode === "redirect-endless") {
      res.writeHead(307, { location: `${elsewhereUrl}${req.url}` });
      return res.end();
    }
    if (!passthrough && mode === "fat-headers") {
      res.writeHead(200, { "content-type": "application/json", "x-padding": "a".repeat(20 * 1024) });
      return res.end("{}");
    }
    if (!passthrough && mode === "bomb") {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      for (let i = 0; i < 600; i++) res.write(GZIPPED_MIB);
      return res.end();
    }
    if (!passthrough && mode === "garbage") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end("<html>Bad gateway</html>");
    }
    const forward = async () => {
      const upstream = await relay(`${target}${req.url}`, req.method ?? "GET", req.headers["content-type"] ?? "application/json", req.method === "GET" ? undefined : body);
      return { status: upstream.status, text: upstream.body.toString("utf8") };
    };
    if (req.url === "/verify" && holdVerify) {
      const arrived = holdVerify;
      holdVerify = undefined;
      arrived();
      return; // never answered: the app's timeout (or its end) closes it; closeAllConnections() cleans up
    }
    if (req.url === "/settle" && interceptSettle) {
      const intercept = interceptSettle;
      interceptSettle = undefined;
      const answer = await intercept({ body: JSON.parse(body.toString("utf8")), forward });
      if (answer.kind === "hold") return; // the app's timeout ends it; closeAllConnections() cleans up
      if (answer.kind === "reset") return req.socket.destroy();
      if (answer.kind === "endless") return endless(res);
      if (answer.kind === "garbage") {
        res.writeHead(200, { "content-type": "text/html" });
        return res.end("<html>Bad gateway</html>");
      }
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      return res.end(answer.text);
    }
    if (req.url === "/settle" && beforeSettle) {
      const hook = beforeSettle;
      beforeSettle = undefined;
      try {
        await hook(JSON.parse(body.toString("utf8")));
      } catch {
        return req.socket.destroy(); // a hook that throws simulates the facilitator dropping the call
      }
    }
    let upstream: { status: number; contentType: string; body: Buffer };
    try {
      upstream = await relay(`${target}${req.url}`, req.method ?? "GET", req.headers["content-type"] ?? "application/json", req.method === "GET" ? undefined : body);
    } catch {
      return req.socket.destroy(); // the facilitator dropped the call: so does the switchboard
    }
    if (req.url === "/supported" && supportedRewrite && upstream.status === 200) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(supportedRewrite(JSON.parse(upstream.body.toString("utf8")))));
    }
    res.writeHead(upstream.status, { "content-type": upstream.contentType });
    res.end(upstream.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Sets how the next calls are treated (and forgets what the last endless answer sent). */
    setMode: (m: SwitchboardMode) => {
      mode = m;
      endlessBytes = 0;
    },
    /** How many requests for `path` (e.g. "/verify") arrived so far, whatever became of them. */
    received: (path: string) => received.get(path) ?? 0,
    /** Bytes the last endless answer had sent when the app hung up (0 before any since the last setMode). */
    endlessSent: () => endlessBytes,
    /** How many /verify calls "stale-verify" dropped so far. */
    staleDrops: () => staleDrops,
    /** Runs `hook` with the next /settle request body before forwarding it (once). */
    onNextSettle: (hook: (body: unknown) => Promise<void>) => (beforeSettle = hook),
    /** Answers every /supported with `rewrite` of the facilitator's answer (null: as it is), as a facilitator whose kinds change would. */
    rewriteSupported: (rewrite: typeof supportedRewrite) => (supportedRewrite = rewrite),
    /**
     * Settles the next /settle for real but answers success naming `transaction` instead of the
     * one that landed (a facilitator that misreports). Resolves to the transaction that landed.
     */
    misnameNextSettle: (transaction: string): Promise<string> =>
      new Promise<string>((landed) => {
        interceptSettle = async ({ forward }) => {
          const answer = JSON.parse((await forward()).text);
          landed(answer.transaction);
          return { kind: "answer", status: 200, text: JSON.stringify({ ...answer, transaction }) };
        };
      }),
    /**
     * Gates the next /settle: it waits at the switchboard (`reached` resolves when it arrives)
     * until `release()`, then goes to the facilitator, whose answer the app gets.
     */
    gateNextSettle: () => {
      const [arrived, released] = [deferred(), deferred()];
      interceptSettle = async ({ forward }) => {
        arrived.resolve();
        await released.promise;
        return { kind: "answer", ...(await forward()) };
      };
      return { reached: arrived.promise, release: () => released.resolve() };
    },
    /**
     * Holds the next /verify: it is never answered nor forwarded. Resolves when it arrives (the
     * app claims a payment while it verifies it, so the claim is `pending` meanwhile).
     */
    holdNextVerify: () => new Promise<void>((arrived) => (holdVerify = arrived)),
    /** Hands the next /settle to `interceptor` (once): see SettleInterceptor. */
    interceptNextSettle: (interceptor: SettleInterceptor) => (interceptSettle = interceptor),
    /**
     * Holds the next /settle: the app's call never gets an answer (its own timeout ends it), and
     * the settlement is forwarded to the facilitator only on `release()`, so it lands after the
     * app gave up. `reached` resolves when the call arrives; `release()` resolves with the landed
     * transaction.
     */
    holdNextSettle: () => {
      const [arrived, released] = [deferred(), deferred()];
      let landed: Promise<string> | undefined;
      interceptSettle = async ({ forward }) => {
        arrived.resolve();
        landed = released.promise.then(async () => JSON.parse((await forward()).text).transaction as string);
        return { kind: "hold" };
      };
      return {
        reached: arrived.promise,
        release: async () => {
          await arrived.promise;
          released.resolve();
          return landed!;
        },
      };
    },
    close: async () => {
      for (const s of [server, elsewhere]) await new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); });
    },
  };
}

/** A promise and the function that resolves it (Promise.withResolvers, which Node 20 lacks). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Forwards one request on a fresh connection. (A kept-alive socket that the facilitator's server
 * closed as idle while a starved event loop still counted it fresh would reset the next request:
 * a fault of the test's own plumbing, not one it means to inject.)
 */
function relay(url: string, method: string, contentType: string, body: Buffer | undefined): Promise<{ status: number; contentType: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: false, headers: { "content-type": contentType, ...(body ? { "content-length": String(body.length) } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => resolve({ status: response.statusCode ?? 502, contentType: String(response.headers["content-type"] ?? "application/json"), body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}
