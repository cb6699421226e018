import "server-only";
import { address as solanaAddress } from "@solana/kit";
import { createPublicClient, formatEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { evmTransport, solanaRpc } from "@/lib/chains/rpc";
import { env } from "@/lib/env";
import { feePayerSigner } from "./self-hosted";

/** Below this many ether (or the chain's native token), an EVM gas account is reported low: a few hundred L2 settlements. */
export const LOW_EVM_BALANCE_WEI = 5_000_000_000_000_000n; // 0.005
/** Below this many lamports, the Solana fee payer is reported low: about 5,000 settlements at 10,000 lamports. */
export const LOW_SOL_BALANCE_LAMPORTS = 50_000_000n; // 0.05 SOL

/** One account the self-hosted facilitator pays fees from, with its balance, or why it could not be read. */
export type FacilitatorAccount = {
  network: string;
  address: string;
  /** Human units, e.g. "0.0123 ETH"; null when the RPC did not answer. */
  balance: string | null;
  low: boolean;
};

/**
 * The self-hosted facilitator's fee accounts (lib/facilitator/self-hosted.ts) and their balances,
 * read from the chains' RPCs (3 s timeout each): the EVM gas account on every chain in
 * EVM_CHAINS, the Solana fee payer on every network in SOLANA_RPC_URLS. Empty when the
 * facilitator is not self-hosted.
 */
export async function loadFacilitatorAccounts(): Promise<FacilitatorAccount[]> {
  const { selfHostedFacilitator: keys, evmChains, solanaRpcUrls } = env();
  if (!keys) return [];
  const accounts: Promise<FacilitatorAccount>[] = [];
  if (keys.evmPrivateKey) {
    const address = privateKeyToAccount(keys.evmPrivateKey).address;
    for (const [chainId, chain] of Object.entries(evmChains)) {
      if (!chain.rpcUrls) continue;
      const client = createPublicClient({ transport: evmTransport(chain.rpcUrls, { timeout: 3_000, retryCount: 0 }) });
      accounts.push(
        client.getBalance({ address }).then(
          (wei) => ({ network: `eip155:${chainId}`, address, balance: `${formatEther(wei)} (native)`, low: wei < LOW_EVM_BALANCE_WEI }),
          () => ({ network: `eip155:${chainId}`, address, balance: null, low: false }),
        ),
      );
    }
  }
  if (keys.svmPrivateKey) {
    const signer = await feePayerSigner(keys.svmPrivateKey);
    for (const [network, rpcUrls] of Object.entries(solanaRpcUrls)) {
      accounts.push(
        solanaRpc(rpcUrls)
          .getBalance(solanaAddress(signer.address))
          .send({ abortSignal: AbortSignal.timeout(3_000) })
          .then(
            ({ value }) => ({ network, address: signer.address, balance: `${Number(value) / 1e9} SOL`, low: BigInt(value) < LOW_SOL_BALANCE_LAMPORTS }),
            () => ({ network, address: signer.address, balance: null, low: false }),
          ),
      );
    }
  }
  return Promise.all(accounts);
}
