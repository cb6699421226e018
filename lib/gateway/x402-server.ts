import { env } from "@/lib/env";
import { TollgateError } from "@/lib/errors";
import { createX402Services, type X402Services } from "@/lib/x402/resource-server";

/** After a failed /supported call, requests fail fast for this long before trying again (ms). */
const RETRY_AFTER_FAILURE_MS = 2_000;

type State = { services: X402Services; ready?: Promise<void>; failedAt: number };
const g = globalThis as typeof globalThis & { __tollgateX402?: State };

/**
 * The process's x402 resource server (and its facilitator client), initialized against the facilitator (its /supported) on
 * first use and re-initialized after a failure.
 *
 * @throws TollgateError `facilitator_unavailable` (503) while the facilitator cannot be reached.
 */
export async function getX402(): Promise<X402Services> {
  const state = (g.__tollgateX402 ??= { services: createX402Services(env().facilitator, env().fallbackFacilitator), failedAt: 0 });
  if (!state.ready) {
    if (Date.now() - state.failedAt < RETRY_AFTER_FAILURE_MS) {
      throw new TollgateError("facilitator_unavailable", "The payment facilitator is unavailable; try again shortly");
    }
    state.ready = state.services.server.initialize().catch((cause: unknown) => {
      state.ready = undefined;
      state.failedAt = Date.now();
      throw new TollgateError("facilitator_unavailable", "The payment facilitator is unavailable; try again shortly", { cause });
    });
  }
  await state.ready;
  return state.services;
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
