import { BaseError, NonceTooLowError, type Address } from "viem";

/** What a serial sender needs of a chain client: the account's pending transaction count. */
type NonceSource = { getTransactionCount: (args: { address: Address; blockTag: "pending" }) => Promise<number> };

/**
 * Whether the node refused a transaction because its nonce is already used by another one: mined
 * (`nonce too low`, viem's NonceTooLowError) or waiting in the pool with a fee this one does not
 * outbid (`replacement transaction underpriced`, geth's and anvil's words; viem has no class for it).
 */
function isNonceTaken(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return error.walk((e) => e instanceof NonceTooLowError || (e instanceof Error && /replacement transaction underpriced/i.test(e.message))) !== null;
}

/**
 * Sends one account's transactions on one chain one at a time, each with the account's next
 * nonce, so that concurrent settlements can never leave a nonce gap.
 *
 * Why not viem's nonce manager: it hands out nonces before the transaction is filled and sent;
 * when one of a burst fails before it is sent (an RPC error filling it), it resets, and the
 * nonces consumed around it can leave a hole that the later transactions wait behind forever
 * (measured: 40 concurrent settlements with one fill in seven refused → 15 to 18 failed and the next
 * settlement never confirmed). Here a nonce is only taken inside the queue, and after any failure
 * the next one is read again from the chain (`pending` count), which is right because nothing
 * else of this account is in flight: a send the node refused leaves no hole, and one it accepted
 * before the error (a timeout) is counted.
 *
 * A nonce another process with the same key has taken (mined: `nonce too low`; in the pool:
 * `replacement transaction underpriced`) is retried once with the chain's pending count. Only the
 * submission is queued: receipts are awaited outside it.
 */
export class SerialSender {
  private tail: Promise<unknown> = Promise.resolve();
  private next: number | undefined;

  constructor(
    private readonly client: NonceSource,
    private readonly address: Address,
  ) {}

  /**
   * Runs `send` with the next nonce once every earlier send of this account has finished.
   *
   * @param send submits one transaction with the given nonce and resolves once the node took it
   *   (e.g. viem's `writeContract` with `nonce`), with its result (the transaction hash).
   * @returns what `send` resolved with.
   * @throws what `send` threw (after one retry when the node said the nonce was taken).
   */
  send<T>(send: (nonce: number) => Promise<T>): Promise<T> {
    const run = this.tail.then(() => this.submit(send, true));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Forgets the cached next nonce: the next send reads the chain's pending count. For when a sent
   * transaction may have left the node's pool unmined (evicted, dropped by a restart), which
   * would otherwise leave a gap that every later transaction waits behind.
   */
  resync(): void {
    this.next = undefined;
  }

  private async submit<T>(send: (nonce: number) => Promise<T>, retry: boolean): Promise<T> {
    const nonce = this.next ?? (await this.client.getTransactionCount({ address: this.address, blockTag: "pending" }));
    try {
      const result = await send(nonce);
      this.next = nonce + 1;
      return result;
    } catch (error) {
      this.next = undefined;
      if (retry && isNonceTaken(error)) return this.submit(send, false);
      throw error;
    }
  }
}
