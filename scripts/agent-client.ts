import { x402Client } from "@x402/core/client";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { appendPaymentIdentifierToExtensions, PAYMENT_IDENTIFIER } from "@x402/extensions/payment-identifier";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { toClientEvmSigner } from "@x402/evm";
import { wrapFetchWithPayment } from "@x402/fetch";
import { ExactSvmScheme } from "@x402/svm/exact/client";
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token";
import { address, createKeyPairSignerFromBytes, createSolanaRpc, getBase58Encoder } from "@solana/kit";
import { createPublicClient, createWalletClient, http, publicActions, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { wrapFetchWithPayment as wrapFetchWithPaymentV1 } from "x402-fetch";
import { createSigner as createSignerV1 } from "x402/types";
import { localChain } from "./devnet/chain";
import type { DevnetFile } from "./devnet/config";

/**
 * The official v2 client (@x402/core x402Client + @x402/evm exact scheme) for a devnet buyer.
 * The devnet tokens (test USDC and EURC) are not among the client's known assets, so they are
 * allowed explicitly, each capped at `maxAmountPerPayment` atomic units (default 1 token).
 */
export function createX402Client(devnet: DevnetFile, privateKey: Hex, maxAmountPerPayment = "1000000"): x402Client {
  const account = privateKeyToAccount(privateKey);
  const publicClient = createPublicClient({ chain: localChain(devnet.chainId, devnet.rpcUrl), transport: http(devnet.rpcUrl) });
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: toClientEvmSigner(account, publicClient), schemeOptions: { rpcUrl: devnet.rpcUrl } });
  client.setSpendControls({ allowedAssets: devnet.assets.map((a) => ({ network: devnet.network as `${string}:${string}`, asset: a.address, maxAmountPerPayment })) });
  return client;
}

/**
 * PaymentRequirements for the devnet's test USDC: the exact scheme, `amount` atomic units
 * (default 0.01 USDC) to the devnet's merchant, `maxTimeoutSeconds` (default 300).
 */
export function devnetRequirements(devnet: DevnetFile, { amount = "10000", maxTimeoutSeconds = 300 }: { amount?: string; maxTimeoutSeconds?: number } = {}): PaymentRequirements {
  return {
    scheme: "exact",
    network: devnet.network as `${string}:${string}`,
    asset: devnet.asset.address,
    amount,
    payTo: devnet.payTo,
    maxTimeoutSeconds,
    extra: { name: devnet.asset.name, version: devnet.asset.version },
  };
}

/** A v2 PaymentPayload for `requirements`, signed by devnet buyer `buyer` (0-4) with the official client. */
export function signDevnetPayment(devnet: DevnetFile, buyer: number, requirements: PaymentRequirements): Promise<PaymentPayload> {
  return createX402Client(devnet, devnet.buyers[buyer]!.privateKey as Hex).createPaymentPayload({
    x402Version: 2,
    resource: { url: "http://127.0.0.1/api/demo/quote", description: "", mimeType: "application/json" },
    accepts: [requirements],
  });
}

/** Options of the paying fetches. */
export type PayingFetchOptions = {
  /**
   * A payment-identifier id (specs/extensions/payment_identifier.md) to send wherever a 402
   * declares the extension, through @x402/extensions' client helper.
   */
  paymentId?: string;
};

/** Registers a client extension that adds `id` to every payment whose 402 declares payment-identifier. */
export function withPaymentIdentifier(client: x402Client, id: string): x402Client {
  return client.registerExtension({
    key: PAYMENT_IDENTIFIER,
    enrichPaymentPayload: async (payload) => ({ ...payload, extensions: appendPaymentIdentifierToExtensions(structuredClone(payload.extensions ?? {}), id) }),
  });
}

/**
 * A fetch that pays x402 challenges with the official v2 client (@x402/fetch), unpatched.
 * @param baseFetch the fetch underneath (tests pass one that records requests).
 */
export function createPayingFetch(devnet: DevnetFile, privateKey: Hex, baseFetch: typeof fetch = fetch, options: PayingFetchOptions = {}): typeof fetch {
  const client = createX402Client(devnet, privateKey);
  return wrapFetchWithPayment(baseFetch, options.paymentId ? withPaymentIdentifier(client, options.paymentId) : client);
}

/**
 * A fetch that pays with the official v1 client (x402-fetch 1.x): reads the 402 JSON body,
 * answers with X-PAYMENT. v1 knows the local chain as "base-sepolia" (same chain id).
 *
 * @param maxAmountPerPayment atomic units (default 1 USDC).
 * @param select which offered option to pay (x402-fetch's own default: the chain's real USDC if
 *   offered, else the first).
 * @param baseFetch the fetch it wraps (default the global one).
 */
export function createPayingFetchV1(devnet: DevnetFile, privateKey: Hex, maxAmountPerPayment = 1_000_000n, select?: Parameters<typeof wrapFetchWithPaymentV1>[3], baseFetch: typeof fetch = fetch): typeof fetch {
  const wallet = createWalletClient({
    chain: localChain(devnet.chainId, devnet.rpcUrl),
    transport: http(devnet.rpcUrl),
    account: privateKeyToAccount(privateKey),
  }).extend(publicActions);
  return wrapFetchWithPaymentV1(baseFetch, wallet as never, maxAmountPerPayment, select) as typeof fetch;
}

/**
 * The official v2 client with @x402/svm's exact scheme for a devnet Solana buyer, pointed at the
 * local SVM's RPC (the scheme has no other way to learn it). The local test USDC mint is allowed
 * explicitly, capped at `maxAmountPerPayment` atomic units (default 1 USDC).
 *
 * @param buyerIndex which of `devnet.svm.buyers` pays.
 */
export async function createSvmX402Client(devnet: DevnetFile, buyerIndex: number, maxAmountPerPayment = "1000000"): Promise<x402Client> {
  const buyer = devnet.svm.buyers[buyerIndex];
  if (!buyer) throw new Error(`no Solana buyer ${buyerIndex} (there are ${devnet.svm.buyers.length})`);
  const signer = await createKeyPairSignerFromBytes(new Uint8Array(getBase58Encoder().encode(buyer.secretKey)));
  const client = new x402Client();
  client.register(devnet.svm.network as `${string}:${string}`, new ExactSvmScheme(signer, { rpcUrl: devnet.svm.rpcUrl }));
  client.setSpendControls({ allowedAssets: [{ network: devnet.svm.network as `${string}:${string}`, asset: devnet.svm.mint.address, maxAmountPerPayment }] });
  return client;
}

/**
 * A fetch that pays on the local SVM with the official v1 client (x402-fetch 1.x and x402's
 * Solana signer): reads the 402 JSON body, answers with X-PAYMENT. v1 knows the local SVM as
 * "solana-devnet" (same genesis hash). The client asks the RPC to simulate its transfer
 * (compute-unit estimate), so it is pointed at the local SVM's.
 *
 * @param buyerIndex which of `devnet.svm.buyers` pays.
 * @param maxAmountPerPayment atomic units (default 1 USDC).
 * @throws Error when there is no such buyer.
 */
export async function createSvmPayingFetchV1(devnet: DevnetFile, buyerIndex: number, maxAmountPerPayment = 1_000_000n): Promise<typeof fetch> {
  const buyer = devnet.svm.buyers[buyerIndex];
  if (!buyer) throw new Error(`no Solana buyer ${buyerIndex} (there are ${devnet.svm.buyers.length})`);
  const signer = await createSignerV1("solana-devnet", buyer.secretKey);
  return wrapFetchWithPaymentV1(fetch, signer as never, maxAmountPerPayment, undefined, { svmConfig: { rpcUrl: devnet.svm.rpcUrl } }) as typeof fetch;
}

/** A fetch that pays x402 challenges on the local SVM with the official v2 client (@x402/fetch). */
export async function createSvmPayingFetch(devnet: DevnetFile, buyerIndex: number, baseFetch: typeof fetch = fetch, options: PayingFetchOptions = {}): Promise<typeof fetch> {
  const client = await createSvmX402Client(devnet, buyerIndex);
  return wrapFetchWithPayment(baseFetch, options.paymentId ? withPaymentIdentifier(client, options.paymentId) : client);
}

/**
 * The SPL token balance (atomic units) of `owner`'s associated token account for `mint`, read over
 * JSON-RPC (`getTokenAccountBalance`); 0 when the account does not exist.
 */
export async function splBalance(rpcUrl: string, mint: string, owner: string): Promise<bigint> {
  const [ata] = await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: TOKEN_PROGRAM_ADDRESS });
  try {
    const { value } = await createSolanaRpc(rpcUrl).getTokenAccountBalance(ata).send();
    return BigInt(value.amount);
  } catch {
    return 0n;
  }
}
