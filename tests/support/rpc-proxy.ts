import http from "node:http";
import net, { type AddressInfo } from "node:net";

/** One JSON-RPC call as the proxy received it; `params` may be changed before it is passed on. */
export type RpcCall = { jsonrpc: "2.0"; id: number | string; method: string; params: unknown[] };

/** What the proxy answers itself instead of the node: a result, or a JSON-RPC error. */
export type RpcAnswer = { result: unknown } | { error: { code: number; message: string } };

/**
 * A JSON-RPC proxy in front of a local node (anvil, the local SVM), for tests that need what a
 * hosted provider does and no local node does on cue: refusing chosen calls, capping a range,
 * serving from a node that lags. `intercept` sees each single call (batches pass through); it
 * answers it itself by returning an RpcAnswer (`node()` gives the node's own result for the
 * call, to change), or returns nothing to pass it on (with any change it made to `call.params`).
 *
 * @returns the proxy's URL and a close function.
 */
export async function startRpcProxy(
  target: string,
  intercept: (call: RpcCall, node: () => Promise<unknown>) => Promise<RpcAnswer | undefined> | RpcAnswer | undefined,
): Promise<{ url: string; close: () => void }> {
  const post = (body: string) => fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks).toString("utf8");
    const parsed = JSON.parse(body) as RpcCall | RpcCall[];
    if (!Array.isArray(parsed)) {
      const node = async () => ((await (await post(JSON.stringify(parsed))).json()) as { result: unknown }).result;
      const answer = await intercept(parsed, node);
      if (answer) {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ jsonrpc: "2.0", id: parsed.id, ...answer }));
      }
      body = JSON.stringify(parsed);
    }
    const upstream = await post(body);
    res.writeHead(upstream.status, { "content-type": "application/json" });
    res.end(await upstream.text());
  });
  return listening(server);
}

/** An RPC provider in an outage: every request answered 503 by its gateway (no CORS headers: a browser sees a failed fetch), and counted. */
export function startRpcOutage(): Promise<CountedEndpoint> {
  return countingEndpoint((res) => res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable"));
}

/** An RPC endpoint that answers every request 200 with a page that is not JSON (a gateway's or a captive portal's), and counts them. */
export function startRpcGarbage(): Promise<CountedEndpoint> {
  return countingEndpoint((res) => res.writeHead(200, { "content-type": "text/html" }).end("<html><body>Welcome to the network</body></html>"));
}

/** An RPC endpoint that takes every request and never answers it, and counts them. */
export function startRpcSilent(): Promise<CountedEndpoint> {
  return countingEndpoint(null);
}

/** A test endpoint's URL, how many requests it took, and a close function. */
type CountedEndpoint = { url: string; requests: () => number; close: () => void };

/** An HTTP endpoint that counts the requests it takes and answers each with `answer` (none: never answers). */
async function countingEndpoint(answer: ((res: http.ServerResponse) => void) | null): Promise<CountedEndpoint> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (!answer) return;
    req.resume();
    answer(res);
  });
  return { ...(await listening(server)), requests: () => requests };
}

/** An RPC endpoint whose every connection is dropped as soon as it is made. */
export function startRpcDropping(): Promise<{ url: string; close: () => void }> {
  return listening(net.createServer((socket) => socket.destroy()));
}

/**
 * `server` listening on a port of its own on 127.0.0.1 (held until closed, so no other process
 * takes it), as an http:// URL, and a close that also ends its open connections.
 */
async function listening(server: http.Server | net.Server): Promise<{ url: string; close: () => void }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
