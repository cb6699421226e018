import type { FacilitatorClient } from "@x402/core/http";
import { x402Facilitator } from "@x402/core/facilitator";
import { BuilderCodeFacilitatorExtension } from "@x402/extensions/builder-code";
import { FacilitatorTimeoutError, type Network, type PaymentPayload, type PaymentRequirements, type SettleResponse, type SupportedResponse, type VerifyResponse } from "@x402/core/types";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { registerExactEvmScheme } from "@x402/evm/exact/facilitator";
import { toFacilitatorSvmSigner, type FacilitatorRpcClient } from "@x402/svm";
import { registerExactSvmScheme } from "@x402/svm/exact/facilitator";
import { createKeyPairSignerFromBytes, getBase58Encoder, type KeyPairSigner } from "@solana/kit";
import { concat, createWalletClient, type Abi, defineChain, encodeFunctionData, formatGwei, getContractError, publicActions, type Address, type BaseError, type Chain, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { untilAborted } from "@/lib/abort";
import { evmTransport, solanaRpc } from "@/lib/chains/rpc";
import type { RpcUrls } from "@/lib/chains/rpc-urls";
import { toV1Network } from "@/lib/x402/networks";
import { memoryNonceStore, SerialSender, type NonceStore } from "./serial-sender";
import { awaitReceiptSpeedingUp, type Resendable, type SendFees, type SpeedUpClient } from "./speed-up";

/** The fee cap of the gas account's transactions, as a multiple of the latest block's base fee. */
const BASE_FEE_MULTIPLIER = 2;

/** How long a settlement's receipt is waited for, in ms, before the settle is reported failed. */
const RECEIPT_TIMEOUT_MS = 120_000;

/** How often a settlement's receipt is polled, in ms (viem's default is 4 s; blocks come faster). */
const RECEIPT_POLLING_MS = 250;

/**
 * How long a settlement may stay unmined, while blocks come without it, before it is sent again
 * with raised fees (ms), and how many times: a base fee that rose past the fee cap would otherwise
 * hold it, and every later settlement of the gas account behind its nonce, until it fell again.
 */
const SPEED_UP_AFTER_MS = 30_000;
const MAX_SPEED_UPS = 3;

/**
 * How old a block number read just before a send may be (ms), as viem's cache keeps it: a block
 * mined that long before the send may count as one that came without it (an early speed-up, at
 * worst). Read fresh in the gas account's queue, each read cost a burst of settlements a round
 * trip: ~9% of its rate at 25 ms per call (`npm run bench:settle`); a second costs a quarter of that.
 */
export const BLOCK_NUMBER_CACHE_MS = 1_000;

/**
 * When a settlement run in this process is sped up, given the time its settle call is allowed
 * (`settleTimeoutMs`, FACILITATOR_TIMEOUT_MS; ms): halfway through it, so that a re-send mined
 * still answers the buyer inline rather than with 503 `settlement_pending`; at most 30 s, at least
 * 1 s. (A block must also have come without the settlement: lib/facilitator/speed-up.ts.)
 *
 * @returns ms.
 */
export function speedUpAfterFor(settleTimeoutMs: number): number {
  return Math.max(1_000, Math.min(SPEED_UP_AFTER_MS, Math.floor(settleTimeoutMs / 2)));
}

/**
 * The most sends remembered until their receipt is asked for, and re-sent hashes until their
 * settle reports (a re-sent ERC-6492 deployment is never asked for); the oldest go first.
 */
const MAX_MINED_AS = 1_000;

/** `map.set(key, value)`, first dropping the oldest entry when it holds MAX_MINED_AS. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size >= MAX_MINED_AS) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/**
 * @x402/core's facilitator, reporting in a SettleResponse the transaction that was mined:
 * @x402/evm reports the hash it sent, and a settlement sped up (awaitReceiptSpeedingUp) is
 * mined under a re-send's hash. `minedAs` maps the one to the other.
 */
class MinedHashFacilitator extends x402Facilitator {
  constructor(private readonly minedAs: Map<string, string>) {
    super();
  }

  override async settle(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<SettleResponse> {
    const response = await super.settle(paymentPayload, paymentRequirements);
    const mined = response.transaction ? this.minedAs.get(response.transaction) : undefined;
    if (mined === undefined) return response;
    this.minedAs.delete(response.transaction);
    return { ...response, transaction: mined };
  }
}

/**
 * What of a transaction does not depend on its nonce (chain id, type, fees, gas), read from the
 * RPC before the transaction joins its account's queue, so that the queue holds only the signing
 * and one eth_sendRawTransaction: with the filling inside it (eth_fillTransaction, or a block,
 * eth_maxPriorityFeePerGas and eth_estimateGas where a provider has no eth_fillTransaction), a
 * remote RPC's round trips capped a burst of settlements at a half to a quarter of that
 * (`npm run bench:settle`).
 *
 * @throws what viem's prepareTransactionRequest throws (e.g. the call reverts in estimation).
 */
async function fillBeforeQueue(
  client: { prepareTransactionRequest: (args: never) => Promise<unknown> },
  request: { to: Address; data?: Hex; value?: bigint },
): Promise<{ chainId: number; type: string; gas: bigint; gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint }> {
  const filled = (await client.prepareTransactionRequest({ ...request, parameters: ["chainId", "fees", "gas", "type"] } as never)) as Awaited<ReturnType<typeof fillBeforeQueue>>;
  const { chainId, type, gas, gasPrice, maxFeePerGas, maxPriorityFeePerGas } = filled;
  return type === "legacy" || type === "eip2930" ? { chainId, type, gas, gasPrice } : { chainId, type, gas, maxFeePerGas, maxPriorityFeePerGas };
}

/** One EVM chain a self-hosted facilitator settles on: its CAIP-2 network and its RPC endpoints, tried in order. */
export type SelfHostedEvmChain = { network: Network; chainId: number; rpcUrls: RpcUrls; name?: string };

/**
 * The real facilitator code (@x402/core x402Facilitator with @x402/evm's exact scheme, v2 and v1,
 * and @x402/svm's exact scheme) run inside Tollgate, so it verifies and settles with no third
 * party, like a production facilitator:
 * - EVM: one gas-paying account (`evmPrivateKey`) per chain, its transactions submitted one at a
 *   time with the chain's next nonce (SerialSender: concurrent settlements would otherwise
 *   collide, "nonce too low", or wait behind a nonce gap), receipts polled every
 *   `receiptPollingMs` (default 250 ms) instead of viem's 4 s, for up to `receiptTimeoutMs`
 *   (default 120 s; after that the settle fails and the next nonce is read from the chain);
 *   fees capped at twice the latest base fee; a transaction still unmined after
 *   `speedUpAfterMs` (default 30 s; the app passes speedUpAfterFor(FACILITATOR_TIMEOUT_MS))
 *   while blocks come without it is sent again, same nonce, with fees raised, up to `maxSpeedUps` (3) times, and the SettleResponse names whichever send was
 *   mined (lib/facilitator/speed-up.ts). The next nonce lives in `nonceStore(network, address)`:
 *   this process's memory by default, or a store shared by every instance with the same key
 *   (databaseNonceStore, on PostgreSQL), each send holding it, so the instances take turns;
 * - Solana: `svm.feePayer` pays the fees, through `svm.rpcUrls` per network;
 * - the builder-code extension (ERC-8021 attribution, @x402/extensions/builder-code): an EVM
 *   settlement's calldata ends with the codes a v2 payment carries (the store's `a`, which its
 *   resource server checked, and the buyer's `s`) and this facilitator's own `builderCode` (`w`);
 *   nothing is appended when there are none. /supported lists the extension.
 * Each network's endpoints are tried in order, per call (lib/chains/rpc.ts): a send the first
 * endpoint failed goes to the next, the same signed transaction (one nonce, one signature).
 *
 * @throws Error when a chain has no RPC URL.
 */
export function createSelfHostedFacilitator({
  evmPrivateKey,
  evmChains = [],
  svm = [],
  receiptPollingMs = RECEIPT_POLLING_MS,
  receiptTimeoutMs = RECEIPT_TIMEOUT_MS,
  speedUpAfterMs = SPEED_UP_AFTER_MS,
  maxSpeedUps = MAX_SPEED_UPS,
  nonceStore = () => memoryNonceStore(),
  builderCode = null,
}: {
  evmPrivateKey?: Hex;
  evmChains?: SelfHostedEvmChain[];
  svm?: { network: Network; feePayer: KeyPairSigner; rpcUrls: RpcUrls }[];
  receiptPollingMs?: number;
  receiptTimeoutMs?: number;
  speedUpAfterMs?: number;
  maxSpeedUps?: number;
  nonceStore?: (network: Network, address: Address) => NonceStore;
  /** This facilitator's own builder code (ERC-8021 `w`), or null for none. */
  builderCode?: string | null;
}): x402Facilitator {
  const minedAs = new Map<string, string>();
  const facilitator = new MinedHashFacilitator(minedAs);
  // @x402/evm asks it for the calldata suffix of each settlement (the library's own encoding).
  facilitator.registerExtension(new BuilderCodeFacilitatorExtension(builderCode ? { builderCode } : {}));
  if (evmPrivateKey) {
    const account = privateKeyToAccount(evmPrivateKey);
    for (const chain of evmChains) {
      // Fees capped at twice the latest base fee (viem's default is 1.2×; geth's eth_fillTransaction
      // and most wallets use 2×): a transaction whose cap a rising base fee overtakes waits
      // unmined, and every later one of the gas account waits behind its nonce. Only the base
      // fee actually charged is paid.
      const viemChain: Chain = defineChain({ id: chain.chainId, name: chain.name ?? `Chain ${chain.chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [...chain.rpcUrls] } }, fees: { baseFeeMultiplier: BASE_FEE_MULTIPLIER } });
      const client = createWalletClient({ chain: viemChain, account, pollingInterval: receiptPollingMs, transport: evmTransport(chain.rpcUrls) }).extend(publicActions);
      const sender = new SerialSender(client, account.address, nonceStore(chain.network, account.address));
      const send = (request: { to: Address; data?: Hex; value?: bigint }, filled: Awaited<ReturnType<typeof fillBeforeQueue>>, nonce: number) =>
        client.sendTransaction({ ...request, ...filled, nonce } as Parameters<typeof client.sendTransaction>[0]);
      /** What each transaction awaiting its receipt was sent with, to send it again faster (awaitReceiptSpeedingUp). */
      const sent = new Map<Hex, Resendable>();
      /**
       * One transaction of the gas account: filled before it joins the account's queue, signed and
       * sent inside it with the next nonce.
       */
      const submit = async (request: { to: Address; data?: Hex; value?: bigint }) => {
        // The block number is read beside the fill only to warm viem's cache, so that the read
        // in the queue below usually costs no round trip.
        const [filled] = await Promise.all([fillBeforeQueue(client, request), client.getBlockNumber({ cacheTime: BLOCK_NUMBER_CACHE_MS }).catch(() => undefined)]);
        const { hash, nonce: sentNonce, blockBefore } = await sender.send(async (nonce) => {
          // The latest block number, read in the transaction's turn just before it is sent: a
          // block past it that comes without the transaction says it is stuck. (Read before the
          // queue, the blocks mined while a burst waited its turn counted too.) Not read (an RPC
          // error): the speed-up counts from the first block it sees, and the send goes ahead.
          const blockBefore = await client.getBlockNumber({ cacheTime: BLOCK_NUMBER_CACHE_MS }).catch(() => undefined);
          return { hash: await send(request, filled, nonce), nonce, blockBefore };
        });
        const fees: SendFees = filled.gasPrice !== undefined ? { gasPrice: filled.gasPrice } : { maxFeePerGas: filled.maxFeePerGas!, maxPriorityFeePerGas: filled.maxPriorityFeePerGas! };
        remember(sent, hash, {
          fees,
          blockBefore,
          resend: async (raised) => {
            const again = await send(request, { ...filled, ...raised }, sentNonce);
            const fee = "gasPrice" in raised ? `gas price ${formatGwei(raised.gasPrice)} gwei` : `fee cap ${formatGwei(raised.maxFeePerGas)} gwei, tip ${formatGwei(raised.maxPriorityFeePerGas)} gwei`;
            console.warn(`[tollgate] gas account ${account.address} on ${chain.network}: transaction ${hash} (nonce ${sentNonce}) unmined while blocks came; sent again as ${again} (${fee})`);
            return again;
          },
        });
        return hash;
      };
      // viem's overloaded verifyTypedData type is narrower than the signer interface's; the runtime
      // methods are exactly what @x402/evm's docs pass here, with every transaction (the transfer,
      // an ERC-6492 wallet deployment) submitted through the account's queue.
      const signer = toFacilitatorEvmSigner({
        ...client,
        address: account.address,
        // What @x402/evm passes: the token's transferWithAuthorization and, maybe, a data suffix.
        writeContract: (args: { address: Address; abi: Abi; functionName: string; args: readonly unknown[]; dataSuffix?: Hex }) => {
          const { abi, address, functionName, args: callArgs, dataSuffix } = args;
          const data = encodeFunctionData({ abi, functionName, args: callArgs });
          return submit({ to: address, data: dataSuffix ? concat([data, dataSuffix]) : data }).catch((error: unknown) => {
            // The error viem's writeContract throws (a revert decoded with the ABI), which @x402/evm reads.
            throw getContractError(error as BaseError, { abi, address, args: callArgs, functionName, sender: account.address });
          });
        },
        sendTransaction: (args: { to: Address; data: Hex }) => submit(args),
        // A transaction stuck behind a risen base fee is sent again with raised fees (same nonce).
        // A receipt that does not come within receiptTimeoutMs: the settlement is reported failed
        // (Tollgate then asks the chain), and the next nonce is read from the chain again, in case
        // the transaction left the pool unmined.
        waitForTransactionReceipt: ({ hash, timeout }: { hash: Hex; timeout?: number }) => {
          const resendable = sent.get(hash);
          sent.delete(hash);
          return awaitReceiptSpeedingUp(client as unknown as SpeedUpClient, hash, resendable, {
            timeoutMs: timeout ?? receiptTimeoutMs,
            speedUpAfterMs,
            maxSpeedUps,
            pollingMs: receiptPollingMs,
          }).then(
            (receipt) => {
              if (receipt.transactionHash !== hash) remember(minedAs, hash, receipt.transactionHash);
              return receipt;
            },
            (error: unknown) => {
              sender.resync();
              throw error;
            },
          );
        },
      } as unknown as Parameters<typeof toFacilitatorEvmSigner>[0], { confirmationTimeoutMs: receiptTimeoutMs });
      registerExactEvmScheme(facilitator, { signer, networks: chain.network });
    }
  }
  for (const s of svm) {
    // @x402/svm's own facilitator signer, given this network's RPC (its type brands the cluster; ours is any).
    // A v1 payment names the network by its v1 name ("solana-devnet"), and the signer looks the RPC
    // up by that name: unmapped, it would quietly use the cluster's public endpoint instead.
    const rpc = solanaRpc(s.rpcUrls) as unknown as FacilitatorRpcClient;
    const v1 = toV1Network(s.network);
    const rpcs = v1 ? { [s.network]: rpc, [v1]: rpc } : { [s.network]: rpc };
    registerExactSvmScheme(facilitator, { signer: toFacilitatorSvmSigner(s.feePayer, rpcs), networks: s.network });
  }
  return facilitator;
}

/** The Solana fee payer of FACILITATOR_SVM_PRIVATE_KEY: base58 of the 64-byte keypair. */
export function feePayerSigner(secretKey: string): Promise<KeyPairSigner> {
  return createKeyPairSignerFromBytes(new Uint8Array(getBase58Encoder().encode(secretKey)));
}

/**
 * A facilitator running in this process, as the FacilitatorClient the resource server talks to
 * (the same calls @x402/core's HTTP client makes, without HTTP).
 */
export class InProcessFacilitatorClient implements FacilitatorClient {
  /**
   * @param options.timeoutMs how long verify or settle may take (FACILITATOR_TIMEOUT_MS), as for a
   *   facilitator over HTTP: past it the call throws FacilitatorTimeoutError and, for settle, the
   *   outcome is unknown (the work goes on; the chain decides). None when omitted.
   */
  constructor(
    private readonly facilitator: x402Facilitator,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  verify(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<VerifyResponse> {
    return this.withTimeout("verify", this.facilitator.verify(paymentPayload, paymentRequirements));
  }

  settle(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<SettleResponse> {
    return this.withTimeout("settle", this.facilitator.settle(paymentPayload, paymentRequirements));
  }

  private withTimeout<T>(operation: string, call: Promise<T>): Promise<T> {
    const { timeoutMs } = this.options;
    if (!timeoutMs) return call;
    const signal = AbortSignal.timeout(timeoutMs);
    return untilAborted(call, signal).catch((error: unknown) => {
      throw signal.aborted ? new FacilitatorTimeoutError(operation, timeoutMs) : error;
    });
  }

  async getSupported(): Promise<SupportedResponse> {
    return this.facilitator.getSupported() as SupportedResponse;
  }
}
