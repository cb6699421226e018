import { address as solanaAddress, blockhash as solanaBlockhash, getBase64Encoder, getCompiledTransactionMessageDecoder, getTransactionDecoder, type Rpc, type Signature, type SolanaRpcApi } from "@solana/kit";
import { getTransferCheckedInstructionDataDecoder, TOKEN_PROGRAM_ADDRESS, TRANSFER_CHECKED_DISCRIMINATOR } from "@solana-program/token";
import { eip3009ABI } from "@x402/evm";
import { decodeTransactionFromPayload, getTokenPayerFromTransaction, transactionMessageHash } from "@x402/svm";
import { createPublicClient, parseAbiItem, parseEventLogs, TransactionReceiptNotFoundError, type Address, type Hex, type Log, type PublicClient } from "viem";
import { z } from "zod";
import { evmTransport, solanaRpc } from "@/lib/chains/rpc";
import type { RpcUrls } from "@/lib/chains/rpc-urls";
import { readLogWindow } from "./log-window";

/**
 * What the chain itself says about a payment, asked without the facilitator: the ground truth
 * when a settle call's outcome is unknown (timeout, dropped connection, facilitator error after
 * the request was sent) and for the reconciler.
 *
 * EVM, exact scheme, EIP-3009 (coinbase/x402 specs/schemes/exact/scheme_exact_evm.md; EIP-3009):
 * the token's `authorizationState(authorizer, nonce)` is true once the authorization was used or
 * canceled; the `AuthorizationUsed(authorizer, nonce)` log names the transaction that used it,
 * `AuthorizationCanceled` one that canceled it. An unused authorization whose `validBefore` has
 * passed (by the chain's clock) can never be used: the money certainly did not move.
 *
 * A used nonce alone does not say the payment went through: the authorizer may sign another
 * authorization with the same nonce (to themselves, for 1 unit) and land it between verify and
 * settle, which makes the facilitator's settle fail on a nonce the chain shows used. The payment
 * counts as settled only if the token's next log in that transaction, right after
 * `AuthorizationUsed` (where EIP-3009 tokens emit the transfer: FiatToken, OpenZeppelin's
 * ERC3009), is `Transfer(authorizer, payTo, amount)`; otherwise the nonce was spent elsewhere and
 * this payment can never settle.
 */

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

const base58 = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,88}$/);

/** Where to look for a payment on chain, stored with the payment row (Payment.onchainRef). */
export const onchainRefSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("eip3009"), from: address, nonce: bytes32, validBefore: z.string().regex(/^\d{1,78}$/) }),
  /**
   * Solana exact (specs/schemes/exact/scheme_exact_svm.md): the transaction's id is the fee
   * payer's signature, added by the facilitator, so Tollgate cannot know it in advance. It finds
   * the transaction by its message instead (what every signer commits to; @x402/svm's
   * transactionMessageHash), among the token payer's recent signatures; an unlanded transaction
   * whose blockhash expired can never land.
   */
  z.object({ kind: z.literal("svm"), payer: base58, messageHash: z.string().min(1), blockhash: base58 }),
]);
export type OnchainRef = z.infer<typeof onchainRefSchema>;

/**
 * The on-chain reference of a verified payment's scheme payload, when Tollgate knows how to check
 * that kind of payment on chain: EVM EIP-3009 and Solana exact (Permit2 not yet).
 *
 * @param network CAIP-2 network of the matched requirements.
 * @param payload the PaymentPayload's scheme payload (already shape-checked).
 */
export function onchainRefOf(network: string, payload: Record<string, unknown>): OnchainRef | null {
  if (network.startsWith("solana:")) {
    try {
      const transaction = decodeTransactionFromPayload({ transaction: String(payload.transaction) });
      const message = getCompiledTransactionMessageDecoder().decode(transaction.messageBytes);
      const parsed = onchainRefSchema.safeParse({
        kind: "svm",
        payer: getTokenPayerFromTransaction(transaction),
        messageHash: transactionMessageHash(transaction),
        blockhash: message.lifetimeToken,
      });
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
  if (!network.startsWith("eip155:")) return null;
  const authorization = payload.authorization as Record<string, unknown> | undefined;
  const parsed = onchainRefSchema.safeParse({ kind: "eip3009", from: authorization?.from, nonce: authorization?.nonce, validBefore: authorization?.validBefore });
  return parsed.success ? parsed.data : null;
}

/**
 * Whether `transaction` can name a transaction on `network`: an EVM transaction hash (0x + 64
 * hex), a Solana signature (base58, 64 bytes), elsewhere any short printable string. A settle
 * answer claiming success with anything else (an empty string) says nothing the books can keep:
 * the chain is asked instead.
 */
export function isTransactionRef(network: string, transaction: string | undefined | null): transaction is string {
  if (!transaction) return false;
  if (network.startsWith("eip155:")) return bytes32.safeParse(transaction).success;
  if (network.startsWith("solana:")) return /^[1-9A-HJ-NP-Za-km-z]{64,88}$/.test(transaction);
  return transaction.length <= 200 && /^[\x21-\x7e]+$/.test(transaction);
}

/**
 * What the chain says. `final` on not_settled: it can never settle (expired, canceled, its nonce
 * used elsewhere, or a failed transaction). `uncheckable` on unknown: Tollgate has no way to ask
 * (no on-chain reference, no RPC URL); `unreachable`: the RPC did not answer (asking about other
 * payments on that network now would wait out the same timeouts).
 */
export type OnchainOutcome =
  | { state: "settled"; transaction: Hex; blockNumber: bigint }
  | { state: "not_settled"; final: boolean; reason: string }
  | { state: "unknown"; reason: string; uncheckable?: true; unreachable?: true };

/** EIP-3009's log of a used authorization (the reconciler reads it too). */
export const AUTHORIZATION_USED = parseAbiItem("event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)");
const AUTHORIZATION_CANCELED = parseAbiItem("event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce)");
/** ERC-20's transfer log (the reconciler's orphan scan reads it too). */
export const TRANSFER = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");
/** How far before the payment's creation the log search reaches, in seconds (clock skew, slow inclusion). */
const SEARCH_MARGIN_SECONDS = 600n;
/** Never search more blocks than this for one payment. */
const MAX_SEARCH_BLOCKS = 200_000n;

const clients = new Map<string, PublicClient>();
function clientFor(rpcUrls: RpcUrls): PublicClient {
  const key = rpcUrls.join(" ");
  let client = clients.get(key);
  if (!client) {
    client = createPublicClient({ transport: evmTransport(rpcUrls, { timeout: 5_000, retryCount: 1 }) });
    clients.set(key, client);
  }
  return client;
}

/**
 * Asks the chain whether a payment settled.
 *
 * @param rpcUrls the payment's network's JSON-RPC endpoints, tried in order (lib/chains/rpc.ts).
 * @param expected what the payment pays: `asset` (the token contract, EIP-3009), `payTo`, and
 *   `amount` in atomic units (the PaymentRequirements'). A Solana payment is found by its signed
 *   message, which fixes all three.
 * @param ref the payment's on-chain reference.
 * @param createdAt when Tollgate claimed the payment: the log search starts shortly before.
 * @param options.svmSignaturesMax Solana: how many signatures of one account (the token payer's,
 *   then the merchant's token account's when the payer's run out) are read at most (default 2,000).
 * @returns settled with the transaction; not_settled (final once expired or canceled, or once its
 *   nonce was used by a transaction that did not pay `amount` to `payTo`; Solana: once its
 *   transaction failed or its blockhash expired unlanded); unknown when the RPC cannot be reached,
 *   the used authorization's transaction is not found, or (Solana) both the payer and the merchant's
 *   token account have more transactions since the payment than the search reads. Never throws.
 */
export async function checkOnchain(
  rpcUrls: RpcUrls,
  expected: { asset: string; payTo: string; amount: bigint },
  ref: OnchainRef,
  createdAt: Date,
  { svmSignaturesMax = SVM_SIGNATURES_MAX }: { svmSignaturesMax?: number } = {},
): Promise<OnchainOutcome> {
  if (ref.kind === "svm") return checkSvm(rpcUrls, expected, ref, createdAt, svmSignaturesMax);
  const client = clientFor(rpcUrls);
  const token = expected.asset as Address;
  const from = ref.from as Address;
  const nonce = ref.nonce as Hex;
  try {
    // The authorization's state is read at the very block whose time decides expiry: two "latest"
    // reads may reach two nodes of a load-balanced RPC, one behind the other, and an unused state
    // from the node behind next to a time from the node ahead would fail a payment that landed.
    const latest = await client.getBlock({ blockTag: "latest" });
    const used = await client.readContract({ address: token, abi: eip3009ABI, functionName: "authorizationState", args: [from, nonce], blockNumber: latest.number });
    if (!used) {
      const expired = latest.timestamp >= BigInt(ref.validBefore);
      return { state: "not_settled", final: expired, reason: expired ? "authorization_expired_unused" : "authorization_not_used_yet" };
    }
    const notBefore = BigInt(Math.floor(createdAt.getTime() / 1000)) - SEARCH_MARGIN_SECONDS;
    let to = latest.number;
    const lowest = latest.number > MAX_SEARCH_BLOCKS ? latest.number - MAX_SEARCH_BLOCKS : 0n;
    while (to >= lowest) {
      const window = await readLogWindow(rpcUrls, { from: lowest, to }, "backward", (fromBlock, toBlock) =>
        Promise.all([
          client.getLogs({ address: token, event: AUTHORIZATION_USED, args: { authorizer: from, nonce }, fromBlock, toBlock }),
          client.getLogs({ address: token, event: AUTHORIZATION_CANCELED, args: { authorizer: from, nonce }, fromBlock, toBlock }),
        ]),
      );
      const [usedLogs, canceledLogs] = window.result;
      const fromBlock = window.fromBlock;
      const usedLog = usedLogs[0];
      if (usedLog?.transactionHash) {
        const paid = await paidWithAuthorization(client, { token, from, payTo: expected.payTo, amount: expected.amount }, usedLog.transactionHash, usedLog.logIndex);
        if (paid === "unknown") return { state: "unknown", reason: `authorization used in ${usedLog.transactionHash}, whose receipt could not be read` };
        if (!paid) return { state: "not_settled", final: true, reason: `authorization_used_elsewhere: its nonce was used in ${usedLog.transactionHash}, which did not transfer ${expected.amount} to ${expected.payTo}` };
        return { state: "settled", transaction: usedLog.transactionHash, blockNumber: usedLog.blockNumber ?? fromBlock };
      }
      if (canceledLogs.length > 0) return { state: "not_settled", final: true, reason: "authorization_canceled" };
      if (fromBlock === 0n) break;
      const first = await client.getBlock({ blockNumber: fromBlock });
      if (first.timestamp < notBefore) break;
      to = fromBlock - 1n;
    }
    return { state: "unknown", reason: "authorization used, but its transaction was not found" };
  } catch (error) {
    return { state: "unknown", unreachable: true, reason: `chain not reachable: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` };
  }
}

/**
 * Whether the token log right after an `AuthorizationUsed` (at `usedLogIndex` in `transaction`)
 * is `Transfer(from, payTo, amount)` from the same token: the transfer that authorization made.
 * Only the adjacent log counts, so one transfer to payTo in a transaction can never stand for a
 * second authorization used beside it.
 *
 * @returns "unknown" when the receipt cannot be read.
 */
async function paidWithAuthorization(
  client: PublicClient,
  { token, from, payTo, amount }: { token: Address; from: Address; payTo: string; amount: bigint },
  transaction: Hex,
  usedLogIndex: number | null,
): Promise<boolean | "unknown"> {
  if (usedLogIndex === null) return "unknown";
  const receipt = await client.getTransactionReceipt({ hash: transaction }).catch(() => null);
  if (!receipt) return "unknown";
  return transfersAfter(receipt.logs, usedLogIndex, { token, from, payTo, amount });
}

/** Whether the log right after `usedLogIndex` is the token's `Transfer(from, payTo, amount)`. */
function transfersAfter(logs: Log[], usedLogIndex: number, { token, from, payTo, amount }: { token: Address; from: Address; payTo: string; amount: bigint }): boolean {
  const next = logs.find((l) => l.logIndex === usedLogIndex + 1);
  if (!next || next.address.toLowerCase() !== token.toLowerCase()) return false;
  const [transfer] = parseEventLogs({ abi: [TRANSFER], logs: [next], strict: true });
  return (
    !!transfer &&
    transfer.args.from.toLowerCase() === from.toLowerCase() &&
    transfer.args.to.toLowerCase() === payTo.toLowerCase() &&
    transfer.args.value === amount
  );
}

/**
 * Whether `transaction` carries this payment, read from that one transaction (one RPC call): the
 * reconciler's audit of a facilitator's success. EVM: its receipt succeeded and holds the token's
 * `AuthorizationUsed(from, nonce)` followed by `Transfer(from, payTo, amount)` (as checkOnchain
 * requires). Solana: the transaction landed without error and its message is the payment's.
 *
 * @param expected `asset`, `payTo` and `amount` in atomic units, as for checkOnchain.
 * @returns "unknown" when the RPC did not answer; false also when the transaction does not exist
 *   (the caller then asks checkOnchain where, if anywhere, the payment went). Never throws.
 */
export async function carriesPayment(rpcUrls: RpcUrls, expected: { asset: string; payTo: string; amount: bigint }, ref: OnchainRef, transaction: string): Promise<boolean | "unknown"> {
  try {
    if (ref.kind === "svm") {
      const found = await solanaRpc(rpcUrls).getTransaction(transaction as Signature, { encoding: "base64", maxSupportedTransactionVersion: 0 }).send();
      if (!found || found.meta?.err) return false;
      return transactionMessageHash(getTransactionDecoder().decode(getBase64Encoder().encode(found.transaction[0]))) === ref.messageHash;
    }
    if (!bytes32.safeParse(transaction).success) return false;
    const receipt = await clientFor(rpcUrls)
      .getTransactionReceipt({ hash: transaction as Hex })
      .catch((error: unknown) => (error instanceof TransactionReceiptNotFoundError ? null : Promise.reject(error)));
    if (!receipt || receipt.status !== "success") return false;
    const token = expected.asset as Address;
    const used = parseEventLogs({ abi: [AUTHORIZATION_USED], logs: receipt.logs }).find(
      (l) => l.address.toLowerCase() === token.toLowerCase() && l.args.authorizer.toLowerCase() === ref.from.toLowerCase() && l.args.nonce.toLowerCase() === ref.nonce.toLowerCase(),
    );
    if (!used || used.logIndex === null) return false;
    return transfersAfter(receipt.logs, used.logIndex, { token, from: ref.from as Address, payTo: expected.payTo, amount: expected.amount });
  } catch {
    return "unknown";
  }
}

/** How many of an account's signatures the Solana check reads per call, and by default at most in all. */
const SVM_SIGNATURES_PAGE = 200;
const SVM_SIGNATURES_MAX = 2_000;

/** Where one account's signatures put a Solana payment's message. */
type MessageSearch =
  | { state: "found"; signature: Signature; slot: bigint; err: unknown }
  /** Every signature back to `notBefore` was read: no transaction of this account carries it. */
  | { state: "absent" }
  /** More signatures since `notBefore` than `max`: not proof of absence. */
  | { state: "exhausted" };

/**
 * A transaction that getSignaturesForAddress listed, read with getTransaction.
 * @throws the RPC's error, or an Error when the RPC does not serve it (a load-balanced RPC's node
 *   behind the one that listed it).
 */
async function listedTransaction(rpc: Rpc<SolanaRpcApi>, signature: Signature) {
  const found = await rpc.getTransaction(signature, { encoding: "base64", maxSupportedTransactionVersion: 0 }).send();
  if (!found) throw new Error(`transaction ${signature} is listed but the RPC did not serve it yet`);
  return found;
}

/**
 * Looks for the transaction whose message hashes to `messageHash` among `account`'s signatures,
 * newest first, page by page (getSignaturesForAddress, then getTransaction of each), down to
 * `notBefore` (unix seconds) or `max` signatures read, from a node that has seen `minContextSlot`.
 * @throws the RPC's error (a node behind `minContextSlot` refuses), or an Error when a listed
 *   transaction is not served.
 */
async function findMessage(rpc: Rpc<SolanaRpcApi>, account: string, messageHash: string, notBefore: number, max: number, minContextSlot: bigint): Promise<MessageSearch> {
  let before: Signature | undefined;
  let read = 0;
  for (;;) {
    const signatures = await rpc.getSignaturesForAddress(solanaAddress(account), { limit: SVM_SIGNATURES_PAGE, minContextSlot, ...(before ? { before } : {}) }).send();
    let reachedStart = signatures.length < SVM_SIGNATURES_PAGE;
    for (const entry of signatures) {
      if (entry.blockTime !== null && Number(entry.blockTime) < notBefore) {
        reachedStart = true;
        break;
      }
      // Listed but not served throws: no proof of absence, so the search gives no answer rather than pass it over.
      const found = await listedTransaction(rpc, entry.signature);
      const transaction = getTransactionDecoder().decode(getBase64Encoder().encode(found.transaction[0]));
      if (transactionMessageHash(transaction) !== messageHash) continue;
      return { state: "found", signature: entry.signature, slot: BigInt(found.slot), err: found.meta?.err ?? null };
    }
    read += signatures.length;
    if (reachedStart) return { state: "absent" };
    if (read >= max) return { state: "exhausted" };
    before = signatures[signatures.length - 1]!.signature;
  }
}

async function checkSvm(rpcUrls: RpcUrls, expected: { asset: string; payTo: string }, ref: Extract<OnchainRef, { kind: "svm" }>, createdAt: Date, max: number): Promise<OnchainOutcome> {
  const rpc = solanaRpc(rpcUrls);
  const notBefore = Math.floor(createdAt.getTime() / 1000) - Number(SEARCH_MARGIN_SECONDS);
  try {
    // Whether the payment's blockhash can still land, asked first: the searches below then read
    // from a node at least at that answer's slot (minContextSlot), so a node of a load-balanced
    // RPC that lags the one that called the blockhash expired cannot make a landed payment look
    // absent for good.
    const { context, value: valid } = await rpc.isBlockhashValid(solanaBlockhash(ref.blockhash)).send();
    const seen = BigInt(context.slot);
    // The token payer's transactions first (newest first, down to the payment's creation less the
    // margin). A payer with more transactions since than the search reads (a busy agent's wallet)
    // is no proof of absence: the payment's transfer is also among the transactions of the
    // merchant's token account for the mint, searched then (a landed payment created it if needed).
    let search = await findMessage(rpc, ref.payer, ref.messageHash, notBefore, max, seen);
    if (search.state === "exhausted") {
      const { value: accounts } = await rpc.getTokenAccountsByOwner(solanaAddress(expected.payTo), { mint: solanaAddress(expected.asset) }, { encoding: "base64" }).send();
      let exhausted = false;
      for (const { pubkey } of accounts) {
        const inAccount = await findMessage(rpc, pubkey, ref.messageHash, notBefore, max, seen);
        if (inAccount.state === "found") {
          search = inAccount;
          break;
        }
        exhausted ||= inAccount.state === "exhausted";
      }
      if (search.state === "exhausted" && exhausted) return { state: "unknown", reason: `the token payer and the merchant's token account each have more than ${max} transactions since the payment; not all could be searched` };
    }
    if (search.state === "found") {
      if (search.err) return { state: "not_settled", final: true, reason: `transaction_failed: ${JSON.stringify(search.err, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}` };
      return { state: "settled", transaction: search.signature as unknown as Hex, blockNumber: search.slot };
    }
    return { state: "not_settled", final: !valid, reason: valid ? "transaction_not_landed_yet" : "blockhash_expired_unlanded" };
  } catch (error) {
    return { state: "unknown", unreachable: true, reason: `chain not reachable: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` };
  }
}

/** Signatures per getSignaturesForAddress page (the RPC's maximum). */
const SCAN_PAGE = 1_000;

/**
 * `account`'s signatures, newest first, paged back to slot `afterSlot` (inclusive); with no
 * cursor yet (the first scan), the latest page only.
 */
async function* signaturesSince(rpc: Rpc<SolanaRpcApi>, account: Parameters<Rpc<SolanaRpcApi>["getSignaturesForAddress"]>[0], afterSlot: bigint | null, pageSize: number) {
  let before: Signature | undefined;
  for (;;) {
    const page = await rpc.getSignaturesForAddress(account, { limit: pageSize, ...(before ? { before } : {}) }).send();
    for (const entry of page) {
      if (afterSlot !== null && BigInt(entry.slot) < afterSlot) return;
      yield entry;
    }
    if (afterSlot === null || page.length < pageSize) return;
    before = page[page.length - 1]!.signature;
  }
}

/** A token transfer into one of `payTo`'s token accounts for `mint`, as found on a Solana chain. */
export type SvmTransfer = { signature: string; slot: bigint; from: string; amount: bigint; messageHash: string; instruction: number };

/**
 * SPL TransferChecked transfers of `mint` into any token account `payTo` owns, from slot
 * `afterSlot` on (inclusive), read through the network's RPC: the token accounts (getTokenAccountsByOwner), their
 * signatures (getSignaturesForAddress, newest first, `pageSize` at a time (default and the RPC's
 * maximum 1,000), paged back to `afterSlot`; the latest page only on the first scan), and each
 * transaction decoded with @solana/kit and @solana-program/token. Failed transactions are left out.
 *
 * @throws the RPC's error, or an Error when a listed transaction is not served (the reconciler
 *   logs it and retries next pass).
 */
export async function findSvmTransfersTo(rpcUrls: RpcUrls, mint: string, payTo: string, afterSlot: bigint | null, { pageSize = SCAN_PAGE } = {}): Promise<SvmTransfer[]> {
  const rpc = solanaRpc(rpcUrls);
  const { value: accounts } = await rpc.getTokenAccountsByOwner(solanaAddress(payTo), { mint: solanaAddress(mint) }, { encoding: "base64" }).send();
  const transfers: SvmTransfer[] = [];
  const dataDecoder = getTransferCheckedInstructionDataDecoder();
  for (const { pubkey } of accounts) {
    for await (const entry of signaturesSince(rpc, pubkey, afterSlot, pageSize)) {
      // The cursor's own slot is scanned again: a slot seen part-way is never skipped (storing is idempotent).
      if (entry.err) continue;
      // Listed but not served throws: the scan stops here and is run again, rather than moving its
      // cursor past a transfer it never read.
      const found = await listedTransaction(rpc, entry.signature);
      if (found.meta?.err) continue;
      const transaction = getTransactionDecoder().decode(getBase64Encoder().encode(found.transaction[0]));
      const message = getCompiledTransactionMessageDecoder().decode(transaction.messageBytes);
      if (!("instructions" in message)) continue; // legacy and v0 messages only
      message.instructions.forEach((ix, index) => {
        if (message.staticAccounts[ix.programAddressIndex] !== TOKEN_PROGRAM_ADDRESS || !ix.data || ix.data[0] !== TRANSFER_CHECKED_DISCRIMINATOR) return;
        const destination = ix.accountIndices?.[2];
        if (destination === undefined || message.staticAccounts[destination] !== pubkey) return;
        const authority = ix.accountIndices?.[3];
        transfers.push({
          signature: entry.signature,
          slot: BigInt(entry.slot),
          from: authority !== undefined ? String(message.staticAccounts[authority]) : "unknown",
          amount: dataDecoder.decode(ix.data).amount,
          messageHash: transactionMessageHash(transaction),
          instruction: index,
        });
      });
    }
  }
  return transfers;
}
