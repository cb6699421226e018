/**
 * Tollgate's one error taxonomy: every failure a client can see has a code from this closed set,
 * and each code has exactly one HTTP status. Anything else is a bug and becomes a generic 500.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_payment_header: 400,
  payment_required: 402,
  payment_invalid: 402,
  payment_already_used: 402,
  /** The settlement failed and this payment can never settle: nothing was charged; sign a new one. */
  settlement_failed: 402,
  /**
   * The settlement failed, but this payment can still settle (the chain shows it unused and still
   * usable): nothing was charged yet; present the same payment again, never a new one.
   */
  settlement_failed_retryable: 402,
  /** A SIGN-IN-WITH-X proof that opens nothing (invalid, replayed, expired, or its signer holds no access). */
  sign_in_refused: 402,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  /** A payment-identifier id already used with a different payment (specs/extensions/payment_identifier.md). */
  payment_identifier_conflict: 409,
  /** A body over the limit of what reads it (a form post to a page: Next's server-action limit). */
  payload_too_large: 413,
  /** A priced request's URL longer than its answer's headers can carry (MAX_PRICED_URL_LENGTH); nothing was charged. */
  uri_too_long: 414,
  facilitator_bad_response: 502,
  upstream_unreachable: 502,
  /** The handler or page failed after it had begun to answer (a page's streamed render); nothing was charged. */
  upstream_failed: 502,
  /** The handler's response is larger than a paid request may hold before settling (MAX_BUFFERED_RESPONSE_BYTES); nothing was charged. */
  response_too_large: 502,
  facilitator_unavailable: 503,
  /** Settlement was asked for but its outcome is not known yet; the same payment may be presented again. */
  settlement_pending: 503,
  database_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Marks a TollgateError in every bundle of the app (see TollgateError's Symbol.hasInstance). */
const TOLLGATE_ERROR = Symbol.for("tollgate.TollgateError");

/**
 * An error meant for the client: `message` is safe to show; `cause` stays in the logs.
 *
 * `instanceof TollgateError` holds for one made by any bundle of this app: Next builds the proxy,
 * the route handlers and the pages as separate bundles, each with its own copy of this class, and
 * they share state (the route table, the x402 services) whose code throws these.
 */
export class TollgateError extends Error {
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TOLLGATE_ERROR] === true;
  }
  readonly [TOLLGATE_ERROR] = true;
  readonly code: ErrorCode;
  readonly status: number;
  /** For a 503: when to ask again, in seconds, where a party upstream said so (else RETRY_AFTER_SECONDS). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = "TollgateError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** The Retry-After of a 503 that names none, in seconds. */
export const RETRY_AFTER_SECONDS = 5;

/** The JSON body of every error response: `{ error: { code, message } }`. */
export type ErrorBody = { error: { code: ErrorCode; message: string } };

/**
 * The boundary: turns any thrown value into a JSON error response. A TollgateError keeps its code,
 * status and message; anything else is logged with `context` and answered with a generic 500
 * whose body reveals nothing internal, except the database being out of reach (an outage, not a
 * bug: `database_unavailable`, 503; see databaseUnreachable). A 503 carries Retry-After (`headers`' own, else the
 * error's `retryAfterSeconds`, else RETRY_AFTER_SECONDS).
 */
export function errorResponse(error: unknown, context: string, headers?: HeadersInit): Response {
  const known = error instanceof TollgateError ? error : databaseUnreachable(error) ? new TollgateError("database_unavailable", "The database is unavailable; try again shortly", { cause: error }) : null;
  if (!known) console.error(`[tollgate] ${context}:`, error);
  else if (known.status >= 500) console.error(`[tollgate] ${context}: ${known.code}: ${known.message}`, known.cause ?? "");
  const body: ErrorBody = known
    ? { error: { code: known.code, message: known.message } }
    : { error: { code: "internal", message: "Internal error" } };
  const h = new Headers(headers);
  h.set("content-type", "application/json");
  h.set("cache-control", "no-store");
  // A 503 is a "not now": clients (and the paywall) are told when to ask again.
  if ((known?.status ?? 500) === 503 && !h.has("retry-after")) h.set("retry-after", String(known?.retryAfterSeconds ?? RETRY_AFTER_SECONDS));
  return new Response(JSON.stringify(body), { status: known?.status ?? 500, headers: h });
}

/**
 * Prisma's error codes for a database out of reach rather than a query gone wrong: can't reach
 * (P1001), timed out reaching it or in an operation (P1002, P1008), TLS failure (P1011), connection
 * closed (P1017), no pooled connection in time (P2024), too many connections (P2037). Driver-adapter
 * errors reach a model query with these codes (@prisma/client's runtime maps DatabaseNotReachable,
 * SocketTimeout, ConnectionClosed, TlsConnectionError, TooManyConnections to them); a raw query
 * reports P2010 with the adapter's kind in `meta.driverAdapterError.cause.kind`.
 * Source: https://www.prisma.io/docs/orm/reference/error-reference
 */
const UNREACHABLE_DATABASE_CODES = new Set(["P1001", "P1002", "P1008", "P1011", "P1017", "P2024", "P2037"]);
const UNREACHABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "SocketTimeout", "ConnectionClosed", "TlsConnectionError", "TooManyConnections"]);

/**
 * Whether `error` is Prisma saying the database cannot be reached (PrismaClientKnownRequestError's
 * `code` or, for a raw query, its driver adapter's error kind; PrismaClientInitializationError's
 * `errorCode`). Read by shape, so this module stays free of the Prisma runtime.
 */
export function databaseUnreachable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, code, errorCode, meta } = error as { name?: unknown; code?: unknown; errorCode?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } };
  if (typeof name !== "string" || !name.startsWith("PrismaClient")) return false;
  if (UNREACHABLE_DATABASE_CODES.has(String(code ?? errorCode))) return true;
  return UNREACHABLE_ADAPTER_KINDS.has(String(meta?.driverAdapterError?.cause?.kind));
}
