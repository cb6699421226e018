import { createCdpAuthHeaders } from "@coinbase/x402";
import { HTTPFacilitatorClient, type FacilitatorClient } from "@x402/core/http";
import { x402ResourceServer } from "@x402/core/server";
import type { PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { ExactSvmScheme } from "@x402/svm/exact/server";
import { FailoverFacilitatorClient, ReconnectingFacilitatorClient } from "./failover";
import type { PaymentOptionConfig } from "./route-table";

/**
 * How to reach a facilitator: URL, extra headers (auth), a per-call timeout in ms, and for
 * Coinbase CDP the API key whose per-call JWTs @coinbase/x402 makes.
 */
export type FacilitatorSettings = { url: string; headers: Record<string, string>; timeoutMs: number; cdp?: { apiKeyId: string; apiKeySecret: string } | null };

/** The resource server and the facilitator client under it (v1 payments go to the latter directly). */
export type X402Services = { server: x402ResourceServer; facilitator: FacilitatorClient };

/**
 * An @x402/core resource server talking to one facilitator over HTTP (or, with `fallback`, to a
 * primary and a fallback through FailoverFacilitatorClient), with the exact scheme
 * registered for every EVM (eip155:*) and Solana (solana:*) network. Call `server.initialize()`
 * (it fetches the facilitator's /supported) before building requirements.
 *
 * The resource server only speaks v2 (it refuses v1 network names such as "base-sepolia"), so
 * v1 payments are verified and settled through `facilitator`, the same @x402/core HTTP client.
 */
export function createX402Services(settings: FacilitatorSettings | FacilitatorClient, fallback: FacilitatorSettings | null = null): X402Services {
  const primary = "url" in settings ? httpFacilitator(settings) : settings;
  const facilitator = fallback ? new FailoverFacilitatorClient(primary, httpFacilitator(fallback)) : primary;
  const server = new x402ResourceServer(facilitator).register("eip155:*", new ExactEvmScheme()).register("solana:*", new ExactSvmScheme());
  return { server, facilitator };
}

/**
 * @x402/core's HTTP client for one facilitator, with its static headers on every call; verify and
 * /supported are asked again when their connection dropped (ReconnectingFacilitatorClient).
 */
function httpFacilitator(settings: FacilitatorSettings): FacilitatorClient {
  const hasHeaders = Object.keys(settings.headers).length > 0;
  const cdpHeaders = settings.cdp ? createCdpAuthHeaders(settings.cdp.apiKeyId, settings.cdp.apiKeySecret) : null;
  const client = new HTTPFacilitatorClient({
    url: settings.url,
    timeoutMs: settings.timeoutMs,
    createAuthHeaders: cdpHeaders
      ? async () => {
          // A fresh JWT per call (they expire in minutes), plus any static headers.
          const signed = await cdpHeaders();
          return { verify: { ...settings.headers, ...signed.verify }, settle: { ...settings.headers, ...signed.settle }, supported: { ...settings.headers, ...signed.supported } };
        }
      : hasHeaders
        ? async () => ({ verify: settings.headers, settle: settings.headers, supported: settings.headers })
        : undefined,
  });
  return new ReconnectingFacilitatorClient(client);
}

/** The requirements a route's options turned into, and the options that could not be offered. */
export type BuiltRequirements = {
  requirements: PaymentRequirements[];
  skipped: { option: PaymentOptionConfig; reason: string }[];
};

/**
 * Turns stored payment options into PaymentRequirements through the scheme servers (which add
 * what their scheme needs) after the facilitator confirmed it supports each scheme and network.
 * The price is given as an explicit asset amount, so no default-asset table is consulted.
 * Options the facilitator does not support are skipped with a reason, never offered.
 */
export async function buildRequirements(server: x402ResourceServer, options: PaymentOptionConfig[]): Promise<BuiltRequirements> {
  const built: BuiltRequirements = { requirements: [], skipped: [] };
  for (const option of options) {
    try {
      const requirements = await server.buildPaymentRequirements({
        scheme: option.scheme,
        network: option.network as `${string}:${string}`,
        payTo: option.payTo,
        price: { amount: option.amount, asset: option.asset, extra: option.extra },
        maxTimeoutSeconds: option.maxTimeoutSeconds,
        extra: option.extra,
      });
      if (requirements.length === 0) built.skipped.push({ option, reason: `no scheme server for ${option.scheme} on ${option.network}` });
      built.requirements.push(...requirements);
    } catch (error) {
      built.skipped.push({ option, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return built;
}
