import { getTransactionDecoder, getTransactionEncoder, type Address, type TransactionPartialSigner } from "@solana/kit";
import { x402Client, x402HTTPClient } from "@x402/core/client";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { ExactSvmScheme } from "@x402/svm/exact/client";
import { isSvmEndpointFailure } from "@/lib/chains/rpc";
import { noteRpcAnswer, noteRpcFailure, rpcOrder } from "@/lib/chains/rpc-health";
import type { RpcUrls } from "@/lib/chains/rpc-urls";

/**
 * What a Solana browser wallet provides through wallet-adapter: its address and a signTransaction
 * over serialized transaction bytes (the adapter's own web3.js objects stay in the component).
 */
export type BrowserSolanaWallet = {
  address: Address;
  /** Signs the wire bytes of a transaction and returns the signed wire bytes. */
  signTransactionBytes: (bytes: Uint8Array) => Promise<Uint8Array>;
};

/**
 * The wallet as a @solana/kit TransactionPartialSigner: the wallet signs, the kit transaction
 * keeps its signature. `asked` is called before the wallet is.
 */
function toPartialSigner(wallet: BrowserSolanaWallet, asked: () => void): TransactionPartialSigner {
  return {
    address: wallet.address,
    async signTransactions(transactions) {
      asked();
      const encoder = getTransactionEncoder();
      const decoder = getTransactionDecoder();
      return Promise.all(
        transactions.map(async (transaction) => {
          const signed = decoder.decode(await wallet.signTransactionBytes(new Uint8Array(encoder.encode(transaction))));
          const signature = signed.signatures[wallet.address];
          if (!signature) throw new Error("The wallet returned the transaction without its signature");
          return Object.freeze({ [wallet.address]: signature });
        }),
      );
    },
  };
}

/**
 * Signs a payment for one chosen Solana requirement with the official client scheme (@x402/svm
 * exact: the library builds the SPL TransferChecked transaction with the facilitator as fee
 * payer; the wallet only signs) and returns the request headers that carry it
 * (`PAYMENT-SIGNATURE`). Spend controls are off: the person approves the amount in the wallet.
 *
 * @param rpcUrls the network's JSON-RPC endpoints (mint account, latest blockhash), in order (one
 *   that failed lately last, see rpc-health.ts): one that fails before the wallet is asked to
 *   sign (down, rate-limited, or silent for `endpointTimeoutMs`, default 10 s) gives way to the
 *   next, and rests; once the wallet was asked, its
 *   answer is final (a declined signature is never asked again). An attempt given up on never
 *   reaches the wallet, should its endpoint answer later.
 * @throws whatever the wallet throws (a declined signature: WalletSignTransactionError), or the
 *   last endpoint's error.
 */
export async function signSvmPaymentHeaders(
  paymentRequired: PaymentRequired,
  requirement: PaymentRequirements,
  wallet: BrowserSolanaWallet,
  rpcUrls: RpcUrls,
  { endpointTimeoutMs = 10_000 }: { endpointTimeoutMs?: number } = {},
): Promise<Record<string, string>> {
  let walletAsked = false;
  let failure: unknown;
  for (const rpcUrl of rpcOrder(rpcUrls)) {
    let givenUp = false;
    const signer = toPartialSigner(wallet, () => {
      if (givenUp) throw new Error(`${rpcUrl} answered after another endpoint took over`);
      walletAsked = true;
    });
    const client = new x402Client();
    client.register(requirement.network, new ExactSvmScheme(signer, { rpcUrl }));
    client.setSpendControls(false);
    const attempt = client.createPaymentPayload({ ...paymentRequired, accepts: [requirement] });
    attempt.catch(() => undefined); // an attempt given up on settles unobserved
    let timer: ReturnType<typeof setTimeout> | undefined;
    // (@x402/svm's client scheme takes a URL, not an RPC: the bound sits around the attempt.)
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (walletAsked) return; // the wallet's answer is awaited for as long as the person takes
        givenUp = true;
        reject(new Error(`${rpcUrl} did not answer within ${endpointTimeoutMs} ms`));
      }, endpointTimeoutMs);
    });
    try {
      const payload = await Promise.race([attempt, silent]);
      noteRpcAnswer(rpcUrl);
      return new x402HTTPClient(client).encodePaymentSignatureHeader(payload);
    } catch (error) {
      if (walletAsked) throw error;
      if (givenUp || isSvmEndpointFailure(error)) noteRpcFailure(rpcUrl);
      failure = error;
    } finally {
      clearTimeout(timer);
    }
  }
  throw failure;
}
