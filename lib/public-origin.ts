import { env } from "@/lib/env";
import { TollgateError } from "@/lib/errors";

/**
 * Which of this app's configured origins (PUBLIC_URL, then PUBLIC_ORIGINS) a request addressed.
 *
 * The Host header (or X-Forwarded-Host / X-Forwarded-Proto, only with TRUST_PROXY_HEADERS) can
 * only *choose among* configured origins, never introduce one: a request naming any other host
 * gets PUBLIC_URL. So a forged Host cannot change the `resource` URL of a 402 or what handlers
 * are told about the public host.
 *
 * @param headers the request's headers.
 * @param requestUrl the request's URL, when known (its protocol breaks a tie between http and
 *   https origins of one host when no trusted proxy says otherwise).
 * @returns an origin such as "https://pay.example.com" (no trailing slash).
 */
export function publicOriginOf(headers: Pick<Headers, "get">, requestUrl?: string): string {
  const { publicUrl, publicOrigins, trustProxyHeaders } = env();
  const forwardedHost = trustProxyHeaders ? firstValue(headers.get("x-forwarded-host")) : undefined;
  const host = (forwardedHost ?? headers.get("host") ?? "").toLowerCase();
  if (!host) return publicUrl;
  const candidates = publicOrigins.filter((o) => new URL(o).host === host);
  if (candidates.length <= 1) return candidates[0] ?? publicUrl;
  const forwardedProto = trustProxyHeaders ? firstValue(headers.get("x-forwarded-proto")) : undefined;
  const proto = forwardedProto ?? (requestUrl ? safeProtocol(requestUrl) : "https");
  return candidates.find((o) => o.startsWith(`${proto}:`)) ?? candidates[0]!;
}

/**
 * The CSRF check for state-changing JSON endpoints: the request's `Origin` header must be exactly
 * one of the configured origins. A missing Origin, `Origin: null` (sandboxed iframes, file:) or
 * anything unparsable is refused like a foreign one.
 *
 * @returns the matched configured origin (e.g. the sign-in domain is taken from it).
 * @throws TollgateError `forbidden` (403).
 */
export function assertAllowedOrigin(headers: Pick<Headers, "get">): string {
  const raw = headers.get("origin");
  let origin: string | undefined;
  if (raw && raw !== "null") {
    try {
      origin = new URL(raw).origin;
    } catch {
      origin = undefined;
    }
  }
  if (!origin || !env().publicOrigins.includes(origin)) throw new TollgateError("forbidden", "Cross-site request refused");
  return origin;
}

/** Whether `origin` (as a URL or origin string) is one of the configured origins. */
export function isConfiguredOrigin(origin: string): boolean {
  try {
    return env().publicOrigins.includes(new URL(origin).origin);
  } catch {
    return false;
  }
}

/** The hosts (host[:port]) of the configured origins: what a sign-in message may name as its domain. */
export function configuredHosts(): string[] {
  return [...new Set(env().publicOrigins.map((o) => new URL(o).host))];
}

/** A proxy chain may list several values ("a, b"): the first is what the client addressed. */
function firstValue(value: string | null): string | undefined {
  const first = value?.split(",")[0]?.trim();
  return first ? first.toLowerCase() : undefined;
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol.replace(":", "");
  } catch {
    return "http";
  }
}
