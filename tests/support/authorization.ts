import { authorizationTypes } from "@x402/evm";
import { createPublicClient, createWalletClient, http, parseSignature, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { localChain } from "@/scripts/devnet/chain";
import { compileContracts } from "@/scripts/devnet/compile";
import type { DevnetFile } from "@/scripts/devnet/config";

/**
 * Signs and lands an EIP-3009 `transferWithAuthorization` of the devnet's USDC from the key's
 * address, as a buyer could at any time with their own key: used to spend a payment's nonce on
 * another transfer (to themselves, 1 unit) before Tollgate settles the payment.
 *
 * @param authorization the nonce and validity window to use (a payment's), `to` and `value` in
 *   atomic units (default: to the signer itself, 1 unit).
 * @returns the hash of the mined transaction.
 * @throws when the transaction reverts (e.g. the nonce was already used).
 */
export async function transferWithNonce(
  config: DevnetFile,
  privateKey: Hex,
  authorization: { nonce: Hex; validAfter: bigint; validBefore: bigint; to?: Address; value?: bigint },
): Promise<Hex> {
  const chain = localChain(config.chainId, config.rpcUrl);
  const account = privateKeyToAccount(privateKey);
  const asset = config.asset.address as Address;
  const message = {
    from: account.address,
    to: authorization.to ?? account.address,
    value: authorization.value ?? 1n,
    validAfter: authorization.validAfter,
    validBefore: authorization.validBefore,
    nonce: authorization.nonce,
  };
  const signature = await account.signTypedData({
    domain: { name: config.asset.name, version: config.asset.version, chainId: config.chainId, verifyingContract: asset },
    types: authorizationTypes,
    primaryType: "TransferWithAuthorization",
    message,
  });
  const { v, r, s } = parseSignature(signature);
  const hash = await createWalletClient({ chain, transport: http(config.rpcUrl), account }).writeContract({
    address: asset,
    abi: compileContracts().TestToken.abi,
    functionName: "transferWithAuthorization",
    args: [message.from, message.to, message.value, message.validAfter, message.validBefore, message.nonce, Number(v), r, s],
  });
  const receipt = await createPublicClient({ chain, transport: http(config.rpcUrl) }).waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transferWithAuthorization ${hash} reverted`);
  return hash;
}
