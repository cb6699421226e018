import { getTransactionDecoder, getTransactionEncoder, type Address, type TransactionPartialSigner } from "@solana/kit";
import { x402Client, x402HTTPClient } from "@x402/core/client";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { ExactSvmScheme } from "@x402/svm/exact/client";

/**
 * What a Solana browser wallet provides through wallet-adapter: its address and a signTransaction
 * over serialized transaction bytes (the adapter's own web3.js objects stay in the component).
 */
export type BrowserSolanaWallet = {
  address: Address;
  /** Signs the wire bytes of a transaction and returns the signed wire bytes. */
  signTransactionBytes: (bytes: Uint8Array) => Promise<Uint8Array>;
};

/** The wallet as a @solana/kit TransactionPartialSigner: the wallet signs, the kit transaction keeps its signature. */
function toPartialSigner(wallet: BrowserSolanaWallet): TransactionPartialSigner {
  return {
    address: wallet.address,
    async signTransactions(transactions) {
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
 * @param rpcUrl the network's JSON-RPC (mint account, latest blockhash).
 * @throws whatever the wallet throws (a declined signature: WalletSignTransactionError).
 */
export async function signSvmPaymentHeaders(
  paymentRequired: PaymentRequired,
  requirement: PaymentRequirements,
  wallet: BrowserSolanaWallet,
  rpcUrl: string,
): Promise<Record<string, string>> {
  const client = new x402Client();
  client.register(requirement.network, new ExactSvmScheme(toPartialSigner(wallet), { rpcUrl }));
  client.setSpendControls(false);
  const payload = await client.createPaymentPayload({ ...paymentRequired, accepts: [requirement] });
  return new x402HTTPClient(client).encodePaymentSignatureHeader(payload);
}
