/**
 * The one path a request addresses, computed the way Next's router reads it, so the proxy prices
 * exactly what the router will serve.
 *
 * Next (16.4) routes on the URL after WHATWG parsing (dot segments, `%2e` included, already
 * resolved), redirects repeated slashes, backslashes and a trailing slash (308) before the
 * proxy runs, and then matches percent-*decoded* text: static routes by decoding the whole path
 * (server/lib/router-utils/filesystem.js), dynamic segments by decoding each parameter
 * (shared/lib/router/utils/route-matcher.js). The two agree except on an encoded `/` or `\`
 * (`%2F`, `%5C`), which the first reads as a separator and the second as part of a segment; such
 * a path has no single meaning and is refused, as is percent-encoding that does not decode.
 */

/** Characters a path segment may carry unencoded besides encodeURIComponent's (RFC 3986 pchar). */
const PCHAR_KEEP: Record<string, string> = { "%24": "$", "%26": "&", "%2B": "+", "%2C": ",", "%3B": ";", "%3D": "=", "%3A": ":", "%40": "@" };

/** The result of reading a request path. */
export type RequestPath =
  | {
      ok: true;
      /** Decoded, canonical path: what routes match and what Next's params contain ("/articles/deep-dive"). */
      path: string;
      /** The same path percent-encoded canonically: what a canonical URL carries. */
      href: string;
      /** Whether the request already spelled the path as `href`. */
      canonical: boolean;
    }
  | { ok: false; reason: string };

/**
 * Reads a URL pathname (as `URL#pathname` gives it: dot segments resolved, percent-encoding kept)
 * into its canonical decoded form. Repeated and trailing slashes are dropped (Next redirects
 * those spellings anyway).
 *
 * @param pathname e.g. "/articles/deep%2Ddive".
 * @returns `{ok: true, path: "/articles/deep-dive", href, canonical: false}`, or `{ok: false,
 *   reason}` for an encoded slash or backslash, malformed percent-encoding (including invalid
 *   UTF-8), or a dot segment that survived parsing. Callers answer those 400.
 */
export function canonicalizePath(pathname: string): RequestPath {
  if (!pathname.startsWith("/")) return { ok: false, reason: "the path must start with /" };
  if (/%(2f|5c)/i.test(pathname)) return { ok: false, reason: "the path contains an encoded slash (%2F or %5C)" };
  const segments: string[] = [];
  for (const raw of pathname.split("/")) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, reason: "the path's percent-encoding is malformed" };
    }
    if (segment === "." || segment === ".." || segment.includes("\\")) return { ok: false, reason: "the path contains a dot segment or a backslash" };
    segments.push(segment);
  }
  return fromSegments(segments, pathname);
}

/**
 * The canonical path of decoded segments, as a page knows its own path from the router's params
 * (["articles", slug]). A segment holding "/" or "\" cannot come from a canonical request.
 *
 * @returns `{ok: false}` for such a segment, a dot segment or an empty one.
 */
export function pathFromSegments(segments: readonly string[]): RequestPath {
  for (const s of segments) {
    if (s === "" || s === "." || s === ".." || s.includes("/") || s.includes("\\")) return { ok: false, reason: "not a canonical path segment" };
  }
  return fromSegments(segments, null);
}

function fromSegments(segments: readonly string[], spelled: string | null): RequestPath {
  const path = `/${segments.join("/")}`;
  let href: string;
  try {
    href = `/${segments.map(encodePathSegment).join("/")}`;
  } catch {
    return { ok: false, reason: "the path is not valid Unicode" }; // a lone surrogate
  }
  return { ok: true, path, href, canonical: spelled === href };
}

/** Percent-encodes one decoded path segment canonically (upper-case hex; RFC 3986 pchar kept). */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(24|26|2B|2C|3B|3D|3A|40)/g, (m) => PCHAR_KEEP[m]!);
}

/** Percent-encodes a decoded canonical path ("/docs/a b" → "/docs/a%20b"). */
export function encodeCanonicalPath(path: string): string {
  return path === "/" ? "/" : `/${path.split("/").slice(1).map(encodePathSegment).join("/")}`;
}
