import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One POST the receiver got. */
export type ReceivedWebhook = {
  /** The webhook-id header. */
  id: string;
  type: string;
  body: Record<string, any>;
  /** The secrets (of those the receiver knows) whose signature verified, per `standardwebhooks`. */
  verifiedWith: string[];
  /** What the receiver answered. */
  status: number;
  at: number;
};

/**
 * A real webhook receiver on 127.0.0.1: verifies each delivery with every secret `secrets()`
 * gives (the `standardwebhooks` package, as a merchant's receiver would) and answers `status()`.
 * `requests` has every POST; `received` the ones answered 2xx.
 */
export async function startWebhookReceiver(secrets: () => string[], status: () => number = () => 200) {
  const requests: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const verifiedWith = secrets().filter((s) => {
        try {
          new Webhook(s).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      const code = status();
      let parsed: Record<string, any> = {};
      try {
        parsed = JSON.parse(body);
      } catch {
        // recorded with an empty body: the test's assertions will say so
      }
      requests.push({ id: headers["webhook-id"] ?? "", type: String(parsed.type), body: parsed, verifiedWith, status: code, at: Date.now() });
      res.writeHead(code, { "content-type": "text/plain" }).end(code < 300 ? "ok" : "not now");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    requests,
    get received() {
      return requests.filter((r) => r.status >= 200 && r.status < 300);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
