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
 * Where one gas account's next nonce on one chain is kept between sends, and what keeps two
 * senders of that account from sending at the same time.
 *
 * `memoryNonceStore` serves one process (its SerialSender already sends one at a time);
 * `databaseNonceStore` (lib/facilitator/nonce-store.ts) serves every instance on one PostgreSQL.
 */
export interface NonceStore {
  /**
   * Runs `use` while no other holder of this account's nonce runs (in this process, and on every
   * instance sharing the store), with the stored next nonce (`undefined` when unknown). When
   * `use` resolves, its `next` is stored; when it throws, the stored nonce is forgotten (the next
   * holder reads the chain) and the error is rethrown.
   *
   * @returns what `use` resolved with as `result`.
   * @throws what `use` threw; a database store also throws when its database cannot be reached
   *   (then `use` never ran and nothing was sent).
   */
  hold<T>(use: (next: number | undefined) => Promise<{ result: T; next: number }>): Promise<T>;
}

/**
 * The next nonce kept in this process's memory. Holders are not queued here: the SerialSender
 * that owns the store runs one at a time.
 */
export function memoryNonceStore(): NonceStore {
  let next: number | undefined;
  return {
    async hold(use) {
      try {
        const held = await use(next);
        next = held.next;
        return held.result;
      } catch (error) {
        next = undefined;
        throw error;
      }
    },
  };
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
 * With a shared NonceStore (several instances with one key on one PostgreSQL), each send also
 * holds the store's lock, so the instances take turns and each starts from the nonce the last
 * one left. A nonce someone else took anyway (a process not sharing the store, a wallet with the
 * same key: mined, `nonce too low`; in the pool, `replacement transaction underpriced`) is
 * retried once with the chain's pending count. Only the submission is queued: receipts are
 * awaited outside it.
 */
export class SerialSender {
  private tail: Promise<unknown> = Promise.resolve();
  /** Set by resync(): the next send reads the chain's count whatever the store holds. */
  private stale = false;

  constructor(
    private readonly client: NonceSource,
    private readonly address: Address,
    private readonly store: NonceStore = memoryNonceStore(),
  ) {}

  /**
   * Runs `send` with the next nonce once every earlier send of this account has finished.
   *
   * @param send submits one transaction with the given nonce and resolves once the node took it
   *   (e.g. viem's `writeContract` with `nonce`), with its result (the transaction hash).
   * @returns what `send` resolved with.
   * @throws what `send` threw (after one retry when the node said the nonce was taken), or the
   *   store's error when a shared store cannot be reached (then nothing was sent).
   */
  send<T>(send: (nonce: number) => Promise<T>): Promise<T> {
    const run = this.tail.then(() => this.submit(send, true));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Forgets the next nonce: the next send reads the chain's pending count. For when a sent
   * transaction may have left the node's pool unmined (evicted, dropped by a restart), which
   * would otherwise leave a gap that every later transaction waits behind.
   */
  resync(): void {
    this.stale = true;
  }

  private async submit<T>(send: (nonce: number) => Promise<T>, retry: boolean): Promise<T> {
    try {
      return await this.store.hold(async (stored) => {
        // A retry never trusts the stored nonce: the node just said it was taken.
        const known = this.stale || !retry ? undefined : stored;
        const nonce = known ?? (await this.client.getTransactionCount({ address: this.address, blockTag: "pending" }));
        this.stale = false;
        return { result: await send(nonce), next: nonce + 1 };
      });
    } catch (error) {
      if (retry && isNonceTaken(error)) return this.submit(send, false);
      throw error;
    }
  }
}
