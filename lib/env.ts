import { BUILDER_CODE_PATTERN } from "@x402/extensions/builder-code";
import { z } from "zod";
import { privateKeyToAccount } from "viem/accounts";
import { rpcUrlsSchema } from "@/lib/chains/rpc-urls";
import { WEBHOOK_EVENT_TYPES, webhookSecret, webhookUrlProblem } from "@/lib/webhooks/schema";

/** The local facilitator `npm run dev` starts (scripts/devnet). Default outside production only. */
export const DEV_FACILITATOR_URL = "http://127.0.0.1:4020";

/**
 * MAX_REQUEST_BODY_BYTES unless set: 10 MiB, Next.js's own default for the body its proxy sees
 * (`experimental.proxyClientMaxBodySize`, which next.config.mjs sets from the same variable).
 */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;

/** Coinbase CDP's x402 facilitator (what @coinbase/x402's createFacilitatorConfig points at). */
export const CDP_FACILITATOR_URL = "https://api.cdp.coinbase.com/platform/v2/x402";

/** A variable holding JSON, then checked against `shape`. */
const jsonVariable = <T extends z.ZodTypeAny>(shape: T) =>
  z
    .string()
    .transform((value, ctx) => {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be JSON" });
        return z.NEVER;
      }
    })
    .pipe(shape);

/** An origin: scheme, host and port of an http(s) URL, with no path, query or fragment. */
const origin = z.url({ protocol: /^https?$/ }).transform((value, ctx) => {
  const url = new URL(value);
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username || url.password) {
    ctx.addIssue({ code: "custom", message: `must be an origin such as https://pay.example.com, not "${value}"` });
    return z.NEVER;
  }
  return url.origin;
});

const headersJson = jsonVariable(z.record(z.string(), z.string()));
/** An ERC-8021 builder code, as @x402/extensions/builder-code accepts one. */
const builderCode = z.string().regex(BUILDER_CODE_PATTERN, "must be 1 to 32 characters of a-z, 0-9 and _");

/** Whether viem takes `key` (0x + 64 hex) as a secp256k1 private key: not 0, below the curve order. */
function isSecp256k1Key(key: string): boolean {
  try {
    privateKeyToAccount(key as `0x${string}`);
    return true;
  } catch {
    return false;
  }
}

/** One entry of WEBHOOK_ENDPOINTS. */
const configuredWebhookEndpoint = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  secret: webhookSecret,
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).optional(),
  description: z.string().max(200).optional(),
});

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** unset → embedded PGlite in .data/pglite; `pglite:<dir>`; or `postgres://…`. */
    DATABASE_URL: z.string().optional(),
    /** Any x402 facilitator (x402.org, CDP, PayAI, self-hosted). Required in production. */
    FACILITATOR_URL: z.url().optional(),
    /** Extra headers for every facilitator call, as JSON, e.g. {"Authorization":"Bearer …"}. */
    FACILITATOR_HEADERS: headersJson.optional(),
    /**
     * Self-hosted facilitator (lib/facilitator/self-hosted.ts), used when FACILITATOR_URL is unset:
     * the gas-paying EVM key (0x + 64 hex) for every chain in EVM_CHAINS…
     */
    FACILITATOR_EVM_PRIVATE_KEY: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits").optional(),
    /** …and the Solana fee payer (base58 of the 64-byte keypair) for every network in SOLANA_RPC_URLS. */
    FACILITATOR_SVM_PRIVATE_KEY: z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{80,90}$/, "must be a base58 64-byte keypair").optional(),
    /**
     * The self-hosted facilitator's own builder code (ERC-8021 `w`, @x402/extensions/builder-code):
     * written into every EVM settlement's calldata beside the store's and the buyer's codes.
     */
    FACILITATOR_BUILDER_CODE: builderCode.optional(),
    /** Coinbase CDP's facilitator: the API key id and secret; each call then carries a JWT made by @coinbase/x402. */
    CDP_API_KEY_ID: z.string().min(1).optional(),
    CDP_API_KEY_SECRET: z.string().min(1).optional(),
    /** A second facilitator, used when FACILITATOR_URL is down (lib/x402/failover.ts). */
    FACILITATOR_FALLBACK_URL: z.url().optional(),
    /** Extra headers for every call to the fallback facilitator, as JSON. */
    FACILITATOR_FALLBACK_HEADERS: headersJson.optional(),
    /** How long one facilitator call may take before the request fails with 503, in ms. */
    FACILITATOR_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
    /**
     * The public origin (https://pay.example.com): `resource` URLs of 402s, the sign-in domain, the
     * CSRF Origin check. Required in production; in development http://127.0.0.1:$PORT.
     */
    PUBLIC_URL: origin.optional(),
    /** More origins this app is served at (comma-separated), accepted for sign-in and CSRF like PUBLIC_URL. */
    PUBLIC_ORIGINS: z
      .string()
      .transform((v) => v.split(",").map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(origin))
      .optional(),
    /**
     * "true" when a reverse proxy you control sets X-Forwarded-Host / X-Forwarded-Proto (and strips
     * them from clients). Only then do they pick which configured origin a request addressed.
     */
    TRUST_PROXY_HEADERS: z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1").optional(),
    /** Where the proxy reaches this same server for the paid handler; default http://127.0.0.1:$PORT. */
    UPSTREAM_ORIGIN: z.url().optional(),
    /** How often the proxy checks whether priced routes changed in the database, in ms. */
    ROUTE_REFRESH_MS: z.coerce.number().int().min(100).default(1_000),
    SUPPORTED_REFRESH_MS: z.coerce.number().int().min(100).default(300_000),
    /** Root secret for page access grants and dashboard sessions. Required in production, 32+ characters. */
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    /**
     * EVM chains the paywall talks to, by chain id: {"8453": {"rpcUrl": "…", "name": "Base"}}.
     * Chains viem knows need no entry; an entry overrides the RPC URL or the display name, and
     * may list extra token addresses for the route editor ("tokens").
     */
    EVM_CHAINS: jsonVariable(
      z.record(
        z.string().regex(/^\d+$/),
        z.object({
          /** One URL, or a list tried in order (lib/chains/rpc.ts). */
          rpcUrl: rpcUrlsSchema.optional(),
          name: z.string().min(1).optional(),
          /** Token addresses the route editor offers on this chain, besides @x402/evm's defaults. */
          tokens: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/)).optional(),
        }),
      ),
    ).optional(),
    /**
     * Solana JSON-RPC per network, by CAIP-2 id: {"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp": "https://…"}.
     * Tollgate reads settlements there when their outcome is in doubt. No public endpoint is assumed.
     */
    SOLANA_RPC_URLS: jsonVariable(z.record(z.string().regex(/^solana:[1-9A-HJ-NP-Za-km-z]{32}$/, "must be a Solana CAIP-2 id"), rpcUrlsSchema)).optional(),
    /** Who may sign in to the dashboard: comma-separated EVM (0x…) and Solana (base58) addresses. */
    ADMIN_ADDRESSES: z
      .string()
      .transform((v) => v.split(",").map((a) => a.trim()).filter(Boolean))
      .optional(),
    /** How long a dashboard session lasts, in seconds (default 8 hours). */
    SESSION_TTL_SECONDS: z.coerce.number().int().min(300).max(2_592_000).default(28_800),
    /** Set by `next start`/`next dev` once listening: its own origin, for the absolute Location of the proxy's redirects. */
    __NEXT_PRIVATE_ORIGIN: z.url().optional(),
    /**
     * After a settle call with an unknown outcome, how long the request waits for the chain to
     * show the transfer before answering 503 settlement_pending, in ms.
     */
    SETTLEMENT_CHECK_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
    /** How long a payment-identifier retry gets the recorded response again, in hours. */
    PAYMENT_IDENTIFIER_TTL_HOURS: z.coerce.number().min(0).max(24 * 30).default(24),
    /**
     * Largest response body kept for payment-identifier retries, in bytes (larger ones are served
     * once; on a streamed route they stream).
     */
    PAYMENT_IDENTIFIER_MAX_BYTES: z.coerce.number().int().min(0).max(64 * 1024 * 1024).default(1024 * 1024),
    /** Where settled records go while the database is unreachable (append-only, fsync'd). */
    SETTLEMENT_JOURNAL_PATH: z.string().min(1).default(".data/settlement-journal.jsonl"),
    /**
     * Largest request body any route takes, in bytes; larger → 413. Next.js gives its proxy and
     * then the handler only this many bytes of a body (next.config.mjs sets the same number), so
     * without the refusal a larger body would reach its handler cut short, and silently.
     */
    MAX_REQUEST_BODY_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(DEFAULT_MAX_REQUEST_BODY_BYTES),
    /**
     * Largest response a paid request waits for whole before settling, in bytes (pages,
     * settle-after-complete routes: their body is held in memory and kept in the database until
     * delivered); larger → 502 response_too_large, nothing charged. A streamed API route's body
     * is not held and has no such bound (a payment-identifier payment's there is held only up to
     * PAYMENT_IDENTIFIER_MAX_BYTES, or this when lower, then streams).
     */
    MAX_BUFFERED_RESPONSE_BYTES: z.coerce.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(64 * 1024 * 1024),
    /**
     * How long a paid handler (or a paywall render) may run: the loopback call, in ms; longer →
     * 502, nothing charged. Default 60 s; under `next dev` 10 minutes, since a page's first
     * compile on a busy machine has taken over a minute and is no hang.
     */
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).optional(),
    /** How often this process runs the reconciler, in ms (0 disables it; one instance runs at a time). */
    RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
    /** How old an open payment (pending, settling, unknown) must be before the reconciler takes it, in ms. */
    RECONCILE_AFTER_MS: z.coerce.number().int().min(0).default(120_000),
    /**
     * Webhook endpoints declared in configuration (read-only in the dashboard): a JSON list of
     * {url, secret: "whsec_" + base64, events?: [...], description?}. Every event when `events` is left out.
     */
    WEBHOOK_ENDPOINTS: jsonVariable(z.array(configuredWebhookEndpoint)).optional(),
    /** The first retry's delay in ms; each next one is 4× longer, at most 12 h (lib/webhooks/sender.ts). */
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
    /** How long a delivery is retried before it is marked failed, in hours. */
    WEBHOOK_RETRY_HOURS: z.coerce.number().min(0).max(24 * 30).default(72),
    /** One delivery attempt's timeout, in ms. */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    /** How often this process looks for due deliveries, in ms (0: this process sends none). */
    WEBHOOK_POLL_MS: z.coerce.number().int().min(0).default(1_000),
    /** Allow plain-http webhook URLs to hosts other than loopback (e.g. a receiver on a private network). */
    WEBHOOK_ALLOW_HTTP: z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1").optional(),
    /** The paywall's "New to wallets?" link to get test funds on test networks. */
    WALLET_FAUCET_URL: z.url({ protocol: /^https$/ }).default("https://faucet.circle.com"),
    /** The paywall's "New to wallets?" link to buy stablecoins on mainnets (an on-ramp). */
    WALLET_ONRAMP_URL: z.url({ protocol: /^https$/ }).default("https://www.coinbase.com/buy"),
    /**
     * Signs x402 offers (in 402s) and receipts (in PAYMENT-RESPONSE) with this secp256k1 key (0x + 64
     * hex), as specs/extensions/extension-offer-and-receipt.md's EIP-712 format. Unset: none are signed.
     */
    OFFER_RECEIPT_PRIVATE_KEY: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")
      // Checked whole here, so no request (a paid one included) is the first to find it unusable.
      .refine(isSecp256k1Key, "must be a secp256k1 private key (from 1 to the curve order − 1)")
      .optional(),
    /** "eip712" (default) or "jws" (ES256K, its key published at /.well-known/did.json as a did:web of PUBLIC_URL). */
    OFFER_RECEIPT_FORMAT: z.enum(["eip712", "jws"]).default("eip712"),
    /** How long a signed offer commits to its terms, in seconds; unset: each payment option's maxTimeoutSeconds. */
    OFFER_VALIDITY_SECONDS: z.coerce.number().int().min(10).max(86_400).optional(),
    /** "true": receipts name the settlement's transaction (verifiable on chain, but linkable); default privacy-minimal. */
    RECEIPT_INCLUDES_TRANSACTION: z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1").optional(),
    /**
     * This store's builder code (ERC-8021 `a`, @x402/extensions/builder-code): declared in every 402,
     * so a facilitator that supports the builder-code extension writes it into the settlement's
     * calldata (on-chain attribution of the sale to this app). Unset: none is declared.
     */
    BUILDER_CODE: builderCode.optional(),
    /** WalletConnect Cloud project id; the WalletConnect option appears only when set. */
    NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: z.string().min(1).optional(),
    /** WalletConnect relay (ws:// or wss://); default WalletConnect's own. For a self-hosted or regional relay. */
    WALLETCONNECT_RELAY_URL: z.url({ protocol: /^wss?$/ }).optional(),
  })
  .transform((e, ctx) => {
    const cdp = e.CDP_API_KEY_ID && e.CDP_API_KEY_SECRET ? { apiKeyId: e.CDP_API_KEY_ID, apiKeySecret: e.CDP_API_KEY_SECRET } : null;
    if (Boolean(e.CDP_API_KEY_ID) !== Boolean(e.CDP_API_KEY_SECRET)) {
      ctx.addIssue({ code: "custom", path: [e.CDP_API_KEY_ID ? "CDP_API_KEY_SECRET" : "CDP_API_KEY_ID"], message: "is required with the other CDP_API_KEY_* variable" });
      return z.NEVER;
    }
    const selfHosted = !e.FACILITATOR_URL && !cdp && Boolean(e.FACILITATOR_EVM_PRIVATE_KEY || e.FACILITATOR_SVM_PRIVATE_KEY);
    // With a self-hosted facilitator there is no URL: "self-hosted" only stands in for one here.
    const facilitatorUrl = e.FACILITATOR_URL ?? (cdp ? CDP_FACILITATOR_URL : selfHosted ? "self-hosted" : e.NODE_ENV === "production" ? undefined : DEV_FACILITATOR_URL);
    // Report every missing production setting at once, not one per restart.
    if (e.NODE_ENV === "production" && !e.AUTH_SECRET) {
      ctx.addIssue({ code: "custom", path: ["AUTH_SECRET"], message: "is required in production (32+ random characters)" });
    }
    if (!facilitatorUrl) {
      ctx.addIssue({ code: "custom", path: ["FACILITATOR_URL"], message: "is required in production (e.g. https://x402.org/facilitator), unless FACILITATOR_EVM_PRIVATE_KEY or FACILITATOR_SVM_PRIVATE_KEY runs a self-hosted facilitator" });
    }
    // Sign-in and CSRF bind to configured origins, never to a request's Host: production must say which.
    if (e.NODE_ENV === "production" && !e.PUBLIC_URL) {
      ctx.addIssue({ code: "custom", path: ["PUBLIC_URL"], message: "is required in production (the public origin, e.g. https://pay.example.com)" });
    }
    let badWebhook = false;
    for (const [i, w] of (e.WEBHOOK_ENDPOINTS ?? []).entries()) {
      const problem = webhookUrlProblem(w.url, e.WEBHOOK_ALLOW_HTTP ?? false);
      if (problem) {
        ctx.addIssue({ code: "custom", path: ["WEBHOOK_ENDPOINTS", i, "url"], message: problem });
        badWebhook = true;
      }
    }
    if (!facilitatorUrl || badWebhook || (e.NODE_ENV === "production" && (!e.AUTH_SECRET || !e.PUBLIC_URL))) return z.NEVER;
    // Development: the dev server's own origins (both loopback spellings a browser may use).
    const devOrigins = [`http://127.0.0.1:${e.PORT}`, `http://localhost:${e.PORT}`];
    const publicUrl = e.PUBLIC_URL ?? devOrigins[0]!;
    const publicOrigins = [...new Set([publicUrl, ...(e.PUBLIC_ORIGINS ?? []), ...(e.PUBLIC_URL ? [] : devOrigins)])];
    const upstreamTimeoutMs = e.UPSTREAM_TIMEOUT_MS ?? (e.NODE_ENV === "development" ? 600_000 : 60_000);
    return {
      nodeEnv: e.NODE_ENV,
      port: e.PORT,
      databaseUrl: e.DATABASE_URL,
      facilitator: { url: facilitatorUrl, headers: e.FACILITATOR_HEADERS ?? {}, timeoutMs: e.FACILITATOR_TIMEOUT_MS, cdp },
      /** The self-hosted facilitator's keys, when it replaces FACILITATOR_URL; null otherwise. */
      selfHostedFacilitator: selfHosted
        ? { evmPrivateKey: e.FACILITATOR_EVM_PRIVATE_KEY as `0x${string}` | undefined, svmPrivateKey: e.FACILITATOR_SVM_PRIVATE_KEY, builderCode: e.FACILITATOR_BUILDER_CODE ?? null }
        : null,
      /** The fallback facilitator, or null. */
      fallbackFacilitator: e.FACILITATOR_FALLBACK_URL
        ? { url: e.FACILITATOR_FALLBACK_URL, headers: e.FACILITATOR_FALLBACK_HEADERS ?? {}, timeoutMs: e.FACILITATOR_TIMEOUT_MS }
        : null,
      /** The primary public origin (no trailing slash). */
      publicUrl,
      /** Every origin this app answers as: publicUrl first, then PUBLIC_ORIGINS (and dev loopback spellings). */
      publicOrigins,
      trustProxyHeaders: e.TRUST_PROXY_HEADERS ?? false,
      upstreamOrigin: (e.UPSTREAM_ORIGIN ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ""),
      routeRefreshMs: e.ROUTE_REFRESH_MS,
      supportedRefreshMs: e.SUPPORTED_REFRESH_MS,
      authSecret: e.AUTH_SECRET,
      /** EVM_CHAINS by chain id, each RPC setting as the list of endpoints tried in order. */
      evmChains: Object.fromEntries(Object.entries(e.EVM_CHAINS ?? {}).map(([id, { rpcUrl, ...chain }]) => [id, { ...chain, rpcUrls: rpcUrl }])),
      solanaRpcUrls: e.SOLANA_RPC_URLS ?? {},
      walletConnect: e.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID ? { projectId: e.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID, relayUrl: e.WALLETCONNECT_RELAY_URL } : undefined,
      walletHelp: { faucetUrl: e.WALLET_FAUCET_URL, onrampUrl: e.WALLET_ONRAMP_URL },
      webhooks: {
        endpoints: (e.WEBHOOK_ENDPOINTS ?? []).map((w) => ({ ...w, events: w.events ?? [...WEBHOOK_EVENT_TYPES], description: w.description ?? "" })),
        retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
        retryWindowMs: Math.round(e.WEBHOOK_RETRY_HOURS * 3_600_000),
        timeoutMs: e.WEBHOOK_TIMEOUT_MS,
        pollMs: e.WEBHOOK_POLL_MS,
        allowHttp: e.WEBHOOK_ALLOW_HTTP ?? false,
      },
      /** The store's builder code (ERC-8021 `a`), or null. */
      builderCode: e.BUILDER_CODE ?? null,
      /** The offer-receipt extension's signing settings, or null when OFFER_RECEIPT_PRIVATE_KEY is unset. */
      offerReceipt: e.OFFER_RECEIPT_PRIVATE_KEY
        ? {
            privateKey: e.OFFER_RECEIPT_PRIVATE_KEY as `0x${string}`,
            format: e.OFFER_RECEIPT_FORMAT,
            origin: publicUrl,
            offerValiditySeconds: e.OFFER_VALIDITY_SECONDS ?? null,
            includeTransaction: e.RECEIPT_INCLUDES_TRANSACTION ?? false,
          }
        : null,
      secureCookies: e.NODE_ENV === "production",
      nextOrigin: e.__NEXT_PRIVATE_ORIGIN,
      adminAddresses: e.ADMIN_ADDRESSES ?? [],
      sessionTtlSeconds: e.SESSION_TTL_SECONDS,
      settlementCheckMs: e.SETTLEMENT_CHECK_MS,
      paymentIdentifierTtlMs: Math.round(e.PAYMENT_IDENTIFIER_TTL_HOURS * 3_600_000),
      paymentIdentifierMaxBytes: e.PAYMENT_IDENTIFIER_MAX_BYTES,
      settlementJournalPath: e.SETTLEMENT_JOURNAL_PATH,
      reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
      reconcileAfterMs: e.RECONCILE_AFTER_MS,
      upstreamTimeoutMs,
      maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
      maxBufferedResponseBytes: e.MAX_BUFFERED_RESPONSE_BYTES,
      /**
       * The longest a paid request can hold a `pending` or `settling` row (handler, settle call,
       * chain check, plus a margin), in ms: older such rows belong to a request that is gone.
       */
      paidRequestMaxMs: upstreamTimeoutMs + e.FACILITATOR_TIMEOUT_MS + e.SETTLEMENT_CHECK_MS + 2_000,
    };
  });

/** Tollgate's validated configuration. */
export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

/**
 * The validated environment, parsed on first use (never at build time). The only reader of
 * `process.env` in the app.
 *
 * @throws Error naming every invalid variable.
 */
export function env(): Env {
  if (cached) return cached;
  // An empty variable (FOO= in a compose file) means unset, not an invalid value.
  const raw = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ""));
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "env"}: ${i.message}`);
    throw new Error(`Invalid Tollgate configuration:\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
}
