import { x402Client, x402HTTPClient } from "@x402/core/client";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { toClientEvmSigner, type ClientEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/client";

/** What the browser wallet provides: its address and EIP-712 signing (viem WalletClient shape). */
export type BrowserWallet = {
  address: `0x${string}`;
  signTypedData: ClientEvmSigner["signTypedData"];
};

/**
 * Signs a payment for one chosen requirement with the official client scheme (@x402/evm exact,
 * EIP-3009 transferWithAuthorization, EIP-712 built by the library) and returns the request
 * headers that carry it (`PAYMENT-SIGNATURE`). Spend controls are off here: the person sees and
 * approves the exact amount in their wallet.
 *
 * @param readClient a public client for the requirement's chain (for the scheme's on-chain reads).
 * @throws whatever the wallet throws (a declined signature: EIP-1193 code 4001).
 */
export async function signPaymentHeaders(
  paymentRequired: PaymentRequired,
  requirement: PaymentRequirements,
  wallet: BrowserWallet,
  readClient: Parameters<typeof toClientEvmSigner>[1],
): Promise<Record<string, string>> {
  const client = new x402Client();
  client.register(requirement.network, new ExactEvmScheme(toClientEvmSigner(wallet, readClient)));
  client.setSpendControls(false);
  const payload = await client.createPaymentPayload({ ...paymentRequired, accepts: [requirement] });
  return new x402HTTPClient(client).encodePaymentSignatureHeader(payload);
}
