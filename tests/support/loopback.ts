import { createHmac } from "node:crypto";
import { PAGE_ACCESS_HEADER, UPSTREAM_HEADER } from "@/lib/gateway/upstream";

/**
 * The headers of the proxy's own loopback call, made like the app with `authSecret` makes them:
 * the loopback secret is HMAC-SHA256(AUTH_SECRET, "tollgate/upstream/v1") (lib/access/secret.ts),
 * a page-access proof `<expiresAtMs>.<HMAC-SHA256(secret, "page-access\n<expiresAtMs>\n<path>")>`
 * (lib/gateway/upstream.ts). For tests that act as the loopback call with a proof of their choice.
 *
 * @param proof the decoded path the proof names and its expiry (ms since epoch); none: no proof.
 */
export function loopbackHeaders(authSecret: string, proof?: { path: string; expiresAt: number }): Record<string, string> {
  const secret = createHmac("sha256", authSecret).update("tollgate/upstream/v1").digest();
  const headers: Record<string, string> = { [UPSTREAM_HEADER]: secret.toString("hex") };
  if (proof) {
    const mac = createHmac("sha256", secret).update(`page-access\n${proof.expiresAt}\n${proof.path}`).digest("hex");
    headers[PAGE_ACCESS_HEADER] = `${proof.expiresAt}.${mac}`;
  }
  return headers;
}
