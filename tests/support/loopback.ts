import { deriveKey } from "@/lib/access/secret";
import { PAGE_ACCESS_HEADER, pageAccessMac, UPSTREAM_HEADER } from "@/lib/gateway/upstream";

/**
 * The headers of the proxy's own loopback call as the app with `authSecret` makes them: the
 * loopback secret derived from AUTH_SECRET (lib/access/secret.ts), and a page-access proof
 * `<expiresAtMs>.<MAC>` (lib/gateway/upstream.ts). For tests that act as the loopback call with a
 * proof of their choice.
 *
 * @param proof the decoded path the proof names and its expiry (ms since epoch); none: no proof.
 */
export function loopbackHeaders(authSecret: string, proof?: { path: string; expiresAt: number }): Record<string, string> {
  const secret = deriveKey(authSecret, "upstream");
  const headers: Record<string, string> = { [UPSTREAM_HEADER]: Buffer.from(secret).toString("hex") };
  if (proof) headers[PAGE_ACCESS_HEADER] = `${proof.expiresAt}.${pageAccessMac(proof.path, proof.expiresAt, secret)}`;
  return headers;
}
