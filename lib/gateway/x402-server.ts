import { env } from "@/lib/env";
import { TollgateError } from "@/lib/errors";
import { createX402Services, type X402Services } from "@/lib/x402/resource-server";
import { limitFacilitatorResponses } from "@/lib/facilitator/response-limit";
import { parseDatabaseUrl } from "@/lib/database/target";
import { getDb } from "@/lib/db";
import { databaseNonceStore } from "@/lib/facilitator/nonce-store";
import { createSelfHostedFacilitator, feePayerSigner, InProcessFacilitatorClient, speedUpAfterFor } from "@/lib/facilitator/self-hosted";
import type { Network } from "@x402/core/types";
import { createOfferReceiptSigner, type OfferReceiptSigner } from "@/lib/x402/offer-receipt";

/** After a failed /supported call, requests fail fast for this long before trying again (ms). */
const RETRY_AFTER_FAILURE_MS = 2_000;

type State = { services: Promise<X402Services>; ready?: Promise<void>; failedAt: number; readyAt?: number; refreshing?: boolean };
const g = globalThis as typeof globalThis & { __tollgateX402?: State; __tollgateOfferReceipt?: OfferReceiptSigner | null };

/**
 * The process's x402 resource server (and its facilitator client), initialized against the facilitator (its /supported) on
 * first use and re-initialized after a failure. Every SUPPORTED_REFRESH_MS an HTTP facilitator's
 * /supported is read again into a new server, which replaces this one once initialized (a new
 * network, a rotated Solana fee payer); until then, and if that read fails, the current one
 * serves. A self-hosted facilitator's kinds never change while the process runs.
 *
 * @returns the same services object until a refresh replaced it (callers may key caches on it).
 * @throws TollgateError `facilitator_unavailable` (503) while the facilitator cannot be reached.
 */
export async function getX402(): Promise<X402Services> {
  const state = (g.__tollgateX402 ??= { services: createServices(), failedAt: 0 });
  const services = await state.services.catch((cause: unknown) => {
    g.__tollgateX402 = undefined; // a self-hosted facilitator that could not start is tried again next time
    throw new TollgateError("facilitator_unavailable", "The self-hosted facilitator could not start", { cause });
  });
  if (!state.ready) {
    if (Date.now() - state.failedAt < RETRY_AFTER_FAILURE_MS) {
      throw new TollgateError("facilitator_unavailable", "The payment facilitator is unavailable; try again shortly");
    }
    state.ready = services.server.initialize().then(
      () => void (state.readyAt = Date.now()),
      (cause: unknown) => {
        state.ready = undefined;
        state.failedAt = Date.now();
        throw new TollgateError("facilitator_unavailable", "The payment facilitator is unavailable; try again shortly", { cause });
      },
    );
  }
  await state.ready;
  if (state.readyAt !== undefined && Date.now() - state.readyAt >= env().supportedRefreshMs && !state.refreshing && !env().selfHostedFacilitator) {
    state.refreshing = true;
    void refresh(state);
  }
  return services;
}

/** Reads the facilitator's /supported into new services and puts them in place of `old`'s; on failure `old` serves on. */
async function refresh(old: State): Promise<void> {
  try {
    const services = await createServices();
    await services.server.initialize();
    if (g.__tollgateX402 === old) g.__tollgateX402 = { services: Promise.resolve(services), ready: Promise.resolve(), readyAt: Date.now(), failedAt: 0 };
  } catch (error) {
    console.warn("[tollgate] could not read the facilitator's /supported again; keeping what it said before:", error instanceof Error ? error.message : error);
    old.readyAt = Date.now();
  } finally {
    old.refreshing = false;
  }
}

/**
 * The facilitator Tollgate talks to: FACILITATOR_URL over HTTP, or, without one and with
 * FACILITATOR_EVM_PRIVATE_KEY / FACILITATOR_SVM_PRIVATE_KEY, a facilitator in this process that
 * settles on every chain in EVM_CHAINS and every network in SOLANA_RPC_URLS; plus the fallback.
 */
async function createServices(): Promise<X402Services> {
  const { selfHostedFacilitator: keys, facilitator, fallbackFacilitator, evmChains, solanaRpcUrls, databaseUrl } = env();
  await limitFacilitatorResponses([...(keys ? [] : [facilitator.url]), ...(fallbackFacilitator ? [fallbackFacilitator.url] : [])]);
  if (!keys) return createX402Services(facilitator, fallbackFacilitator);
  const feePayer = keys.svmPrivateKey ? await feePayerSigner(keys.svmPrivateKey) : null;
  const local = createSelfHostedFacilitator({
    evmPrivateKey: keys.evmPrivateKey,
    evmChains: Object.entries(evmChains).flatMap(([chainId, c]) => (c.rpcUrls ? [{ network: `eip155:${chainId}` as Network, chainId: Number(chainId), rpcUrls: c.rpcUrls, name: c.name }] : [])),
    svm: feePayer ? Object.entries(solanaRpcUrls).map(([network, rpcUrls]) => ({ network: network as Network, feePayer, rpcUrls })) : [],
    // On PostgreSQL several instances may share the gas key: its next nonce is kept in the
    // database, each send holding its row. PGlite is one process (it holds a lock on its data).
    nonceStore: parseDatabaseUrl(databaseUrl).kind === "postgres" ? (network, address) => databaseNonceStore(getDb, network, address) : undefined,
    // A stuck settlement is sent again while the buyer still waits for it.
    speedUpAfterMs: speedUpAfterFor(facilitator.timeoutMs),
    builderCode: keys.builderCode,
  });
  return createX402Services(new InProcessFacilitatorClient(local, { timeoutMs: facilitator.timeoutMs }), fallbackFacilitator);
}

let supportedCache: { at: number; networks: Promise<string[]> } | undefined;

/**
 * The networks the facilitator settles with the exact scheme (x402 v2), from its /supported,
 * cached for a minute. The route editor offers these.
 * @throws TollgateError `facilitator_unavailable` when the facilitator cannot be reached.
 */
export async function loadSupportedNetworks(): Promise<string[]> {
  if (!supportedCache || Date.now() - supportedCache.at > 60_000) {
    const networks = getX402().then(async ({ facilitator }) => {
      const supported = await facilitator.getSupported();
      return [...new Set(supported.kinds.filter((k) => k.x402Version === 2 && k.scheme === "exact").map((k) => k.network))].sort();
    });
    networks.catch(() => (supportedCache = undefined));
    supportedCache = { at: Date.now(), networks };
  }
  return supportedCache.networks;
}

/**
 * The offer-receipt signer (specs/extensions/extension-offer-and-receipt.md) from
 * OFFER_RECEIPT_PRIVATE_KEY, one per process (its reused offers are shared by every bundle).
 *
 * @returns the signer, or null when the key is unset (402s carry no offers, PAYMENT-RESPONSE no receipt).
 */
export function getOfferReceiptSigner(): OfferReceiptSigner | null {
  if (g.__tollgateOfferReceipt === undefined) {
    const settings = env().offerReceipt;
    try {
      g.__tollgateOfferReceipt = settings ? createOfferReceiptSigner(settings) : null;
    } catch (error) {
      // env() checked the key; should the signer still not build, nothing is signed rather than
      // any request (a settled one included) failing on it.
      console.error("[tollgate] offers and receipts are not signed: the signer could not be made:", error);
      g.__tollgateOfferReceipt = null;
    }
  }
  return g.__tollgateOfferReceipt;
}
