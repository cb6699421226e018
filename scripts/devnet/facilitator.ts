import http from "node:http";
import type { AddressInfo } from "node:net";
import type { x402Facilitator } from "@x402/core/facilitator";
import type { Network } from "@x402/core/types";
import type { KeyPairSigner } from "@solana/kit";
import type { Chain, Hex } from "viem";
import { z } from "zod";
import type { RpcUrls } from "@/lib/chains/rpc-urls";
import { createSelfHostedFacilitator } from "@/lib/facilitator/self-hosted";

/** How often the facilitator polls for a settlement's receipt on the local chain, in ms (anvil mines at once). */
const RECEIPT_POLLING_MS = 50;

/**
 * The devnet's facilitator: Tollgate's self-hosted facilitator (lib/facilitator/self-hosted.ts:
 * the real @x402/core + @x402/evm + @x402/svm code, nonce-managed, receipts polled at the
 * chain's pace) with the local chain's gas account and, when given, the local SVM's fee payer.
 */
export function createLocalFacilitator(chain: Chain, network: Network, signerKey: Hex, svm?: { network: Network; feePayer: KeyPairSigner; rpcUrls: RpcUrls }): x402Facilitator {
  return createSelfHostedFacilitator({
    evmPrivateKey: signerKey,
    evmChains: [{ network, chainId: chain.id, rpcUrls: [chain.rpcUrls.default.http[0]!], name: chain.name }],
    svm: svm ? [svm] : [],
    receiptPollingMs: RECEIPT_POLLING_MS,
  });
}

const requestSchema = z.object({
  x402Version: z.number().int(),
  paymentPayload: z.record(z.string(), z.unknown()),
  paymentRequirements: z.record(z.string(), z.unknown()),
});

/** A running facilitator HTTP server. */
export type FacilitatorServer = { url: string; close: () => Promise<void> };

/**
 * Serves a facilitator over HTTP on 127.0.0.1:`port` (0 = any free port), speaking the
 * facilitator API of the x402 v2 spec (specs/x402-specification-v2.md, "Facilitator"):
 * `GET /supported`, `POST /verify`, `POST /settle`. Malformed bodies get 400 with a reason;
 * verify and settle answer 200 with their result, valid or not.
 */
export async function startFacilitatorServer(facilitator: x402Facilitator, port: number): Promise<FacilitatorServer> {
  const server = http.createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    };
    try {
      if (req.method === "GET" && req.url === "/supported") return send(200, facilitator.getSupported());
      if (req.method !== "POST" || (req.url !== "/verify" && req.url !== "/settle")) return send(404, { error: "not found" });
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return send(400, { error: "body is not JSON" });
      }
      const parsed = requestSchema.safeParse(json);
      if (!parsed.success) return send(400, { error: "body must be {x402Version, paymentPayload, paymentRequirements}" });
      const { paymentPayload, paymentRequirements } = parsed.data as never as Parameters<x402Facilitator["verify"]> extends [infer P, infer R] ? { paymentPayload: P; paymentRequirements: R } : never;
      if (req.url === "/verify") return send(200, await facilitator.verify(paymentPayload, paymentRequirements));
      return send(200, await facilitator.settle(paymentPayload, paymentRequirements));
    } catch (error) {
      console.error(`[facilitator] ${req.method} ${req.url} failed:`, error);
      return send(500, { error: error instanceof Error ? error.message : "facilitator error" });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
