import { TransactionReceiptNotFoundError, type Hex, type TransactionReceipt } from "viem";

/**
 * A fee raised for a re-send: +12.5% and 1 wei (geth's pool takes a replacement only at +10% on
 * both fee fields; anvil's and most others' at any increase).
 */
const raised = (fee: bigint) => fee + fee / 8n + 1n;

/** The fees of one send: EIP-1559 fields, or a legacy gas price (wei). */
export type SendFees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

/**
 * How a sent transaction can be sent again: the fees it went out with, the latest block number
 * read just before it was sent (undefined when it could not be read: then blocks count from the
 * first one the speed-up sees), and a function that sends it again with other fees (same nonce,
 * recipient, data, value and gas limit) and resolves with the new hash.
 */
export type Resendable = { fees: SendFees; blockBefore: bigint | undefined; resend: (fees: SendFees) => Promise<Hex> };

/** What waiting and speeding up need of the gas account's client (viem's wallet client with public actions). */
export type SpeedUpClient = {
  getBlock(): Promise<{ number: bigint | null; baseFeePerGas: bigint | null }>;
  getGasPrice(): Promise<bigint>;
  /** Throws viem's TransactionReceiptNotFoundError while `hash` is unmined. */
  getTransactionReceipt(args: { hash: Hex }): Promise<TransactionReceipt>;
  waitForTransactionReceipt(args: { hash: Hex; signal?: AbortSignal; timeout?: number; checkReplacement?: boolean }): Promise<TransactionReceipt>;
};

/** How a stuck transaction is sped up; times in ms. */
export type SpeedUpOptions = {
  /** How long the receipt is waited for in all, across re-sends (ms). */
  timeoutMs: number;
  /** How long a send may stay unmined, while blocks come without it, before it is sent again with raised fees (ms). */
  speedUpAfterMs: number;
  /** How many times it is sent again, at most. */
  maxSpeedUps: number;
  /** How often the chain is looked at (ms). */
  pollingMs: number;
};

/**
 * Waits for the receipt of the gas account's transaction `hash` and, when it is stuck and
 * `resendable` is given, speeds it up: a transaction still unmined `speedUpAfterMs` after it was
 * sent, while at least one block came without it (a block past `resendable.blockBefore`; so a
 * halted chain or a lagging node is not taken for a low fee) and the chain has a receipt for none
 * of its sends (so a send mined while its receipt poll lags, on a busy machine, is not sent
 * again), is sent again by `resendable.resend` with raisedFees: each fee +12.5%,
 * and a fee cap of at least twice the latest base fee plus the tip (the rule the first send was
 * filled by); a legacy gas price at least the node's current one. Up to `maxSpeedUps` times. This also brings back a transaction the node dropped from its pool (a full pool, a
 * restart, or anvil, which evicts one whose fee cap fell below the base fee). Whichever send is
 * mined first ends the wait with its receipt; the one nonce means only one of them can be (so a
 * settlement's transferWithAuthorization runs once), and the others' waits are stopped. A re-send
 * the node refuses (the earlier one was mined meanwhile: "nonce too low") changes nothing.
 *
 * Each send's receipt is awaited with viem's waitForTransactionReceipt (without its replacement
 * detection: the sends are known here).
 *
 * @returns the mined send's receipt (`transactionHash` is that send's, which may not be `hash`).
 * @throws viem's WaitForTransactionReceiptTimeoutError when none is mined within `timeoutMs`, or
 *   the error the last open wait ended with.
 */
export function awaitReceiptSpeedingUp(
  client: SpeedUpClient,
  hash: Hex,
  resendable: Resendable | undefined,
  options: SpeedUpOptions,
): Promise<TransactionReceipt> {
  const { timeoutMs, speedUpAfterMs, maxSpeedUps, pollingMs } = options;
  const done = new AbortController();
  const deadline = Date.now() + timeoutMs;
  return new Promise<TransactionReceipt>((resolve, reject) => {
    let open = 0;
    const finish = (end: () => void) => {
      if (done.signal.aborted) return;
      done.abort();
      end();
    };
    const watch = (sent: Hex) => {
      open++;
      client.waitForTransactionReceipt({ hash: sent, checkReplacement: false, signal: done.signal, timeout: Math.max(1, deadline - Date.now()) }).then(
        (receipt) => finish(() => resolve(receipt)),
        (error: unknown) => {
          if (--open === 0) finish(() => reject(error));
        },
      );
    };
    watch(hash);
    if (resendable && maxSpeedUps > 0) void speedUps(client, hash, resendable, { speedUpAfterMs, maxSpeedUps, pollingMs }, done.signal, watch);
  });
}

/** The re-sends of `hash` while `signal` is not aborted; each one sent is handed to `watch`. Never rejects. */
async function speedUps(
  client: SpeedUpClient,
  hash: Hex,
  { fees, blockBefore, resend }: Resendable,
  { speedUpAfterMs, maxSpeedUps, pollingMs }: Omit<SpeedUpOptions, "timeoutMs">,
  signal: AbortSignal,
  watch: (hash: Hex) => void,
): Promise<void> {
  let sentAt = Date.now();
  let blockAtSend = blockBefore;
  /** Every send so far: only one of them can be mined (one nonce). */
  const sends = [hash];
  let count = 0;
  while (count < maxSpeedUps) {
    await new Promise((wake) => setTimeout(wake, pollingMs));
    if (signal.aborted) return;
    try {
      const block = await client.getBlock();
      if (block.number === null) continue;
      // No block number from before the send: count from this one (never early).
      blockAtSend ??= block.number;
      if (Date.now() - sentAt < speedUpAfterMs || block.number <= blockAtSend) continue;
      // A send already mined (its wait has not seen it yet): its receipt ends the wait, and a
      // re-send would only reach a node's pool as a stale transaction (anvil keeps one that
      // arrives while the block with the first is being built).
      if (await anyMined(client, sends)) return;
      const next = raisedFees(fees, "gasPrice" in fees ? { gasPrice: await client.getGasPrice() } : { baseFeePerGas: block.baseFeePerGas });
      if (signal.aborted) return;
      count++;
      const resent = await resend(next);
      sends.push(resent);
      fees = next;
      sentAt = Date.now();
      blockAtSend = block.number;
      watch(resent);
    } catch {
      // An RPC error, or the node refused the re-send (the earlier send was mined meanwhile):
      // the waits go on, and so does this, up to maxSpeedUps re-sends.
    }
  }
}

/**
 * Whether the chain has a receipt for one of `hashes`. Throws an RPC error other than viem's
 * TransactionReceiptNotFoundError (so that an unknown answer sends nothing).
 */
async function anyMined(client: SpeedUpClient, hashes: Hex[]): Promise<boolean> {
  for (const hash of hashes) {
    try {
      await client.getTransactionReceipt({ hash });
      return true;
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    }
  }
  return false;
}

/**
 * The fees of a re-send (wei): each fee +12.5% and 1 wei, which geth's pool (+10% on both fields)
 * and others take as a replacement. EIP-1559: a fee cap of at least twice `baseFeePerGas` (the
 * latest block's) plus the tip, so that it follows a base fee that rose; legacy: a gas price of
 * at least the node's current `gasPrice`.
 */
export function raisedFees(fees: SendFees, { baseFeePerGas, gasPrice }: { baseFeePerGas?: bigint | null; gasPrice?: bigint }): SendFees {
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  if ("gasPrice" in fees) return { gasPrice: max(raised(fees.gasPrice), gasPrice ?? 0n) };
  const maxPriorityFeePerGas = raised(fees.maxPriorityFeePerGas);
  return { maxFeePerGas: max(raised(fees.maxFeePerGas), (baseFeePerGas ?? 0n) * 2n + maxPriorityFeePerGas), maxPriorityFeePerGas };
}
