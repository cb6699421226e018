import {
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  getAddress,
  http,
  publicActions,
  toHex,
  type Address,
  type Chain,
  type Hex,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import type { Artifact } from "./compile";

/** anvil's default mnemonic: its keys are public, so nothing they hold is worth anything. */
export const TEST_MNEMONIC = "test test test test test test test test test test test junk";

/** The devnet's account layout on the test mnemonic. */
export const ACCOUNTS = { buyers: [0, 1, 2, 3, 4], deployer: 7, merchant: 8, facilitator: 9 } as const;

/** Canonical Multicall3 address; @x402/evm calls it to explain failed simulations. */
export const MULTICALL3_ADDRESS: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";

/** Each demo buyer starts with this many atomic units of each test token (1,000 tokens). */
export const BUYER_FUNDING = 1_000_000_000n;

/** The private key of account `index` on the test mnemonic. */
export function testKey(index: number): Hex {
  const key = mnemonicToAccount(TEST_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (!key) throw new Error(`no private key for account ${index}`);
  return toHex(key);
}

/** A viem chain for the local anvil. */
export function localChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: "Tollgate devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** A token the devnet deploys: ERC-20 name (also its EIP-712 domain name), symbol, EIP-712 version. */
export type TestTokenSpec = { name: string; symbol: string; version: string };

/** The devnet's tokens: test USDC (the demo's price unit) and test EURC (a second option). */
export const DEVNET_TOKENS: TestTokenSpec[] = [
  { name: "USD Coin", symbol: "USDC", version: "2" },
  { name: "EURC", symbol: "EURC", version: "2" },
];

/**
 * Places Multicall3 at its canonical address, deploys each token from the deployer account (so
 * the addresses are the same on every fresh anvil), and mints BUYER_FUNDING of each to every
 * demo buyer.
 *
 * @returns the tokens' addresses, in `specs` order.
 */
export async function deployTestTokens(
  chain: Chain,
  artifacts: Record<"TestToken" | "Multicall3", Artifact>,
  specs: TestTokenSpec[] = DEVNET_TOKENS,
): Promise<Address[]> {
  const transport = http(chain.rpcUrls.default.http[0]);
  const publicClient = createPublicClient({ chain, transport });
  const deployer = createWalletClient({ chain, transport, account: privateKeyToAccount(testKey(ACCOUNTS.deployer)) }).extend(publicActions);

  await publicClient.request({
    method: "anvil_setCode" as never,
    params: [MULTICALL3_ADDRESS, artifacts.Multicall3.deployedBytecode] as never,
  });

  const { abi, bytecode } = artifacts.TestToken;
  const tokens: Address[] = [];
  for (const spec of specs) {
    const hash = await deployer.deployContract({ abi, bytecode, args: [spec.name, spec.symbol, spec.version] });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress) throw new Error(`${spec.symbol} deployment produced no contract address`);
    tokens.push(getAddress(receipt.contractAddress));
  }
  const hashes: Hex[] = [];
  for (const token of tokens) {
    for (const index of ACCOUNTS.buyers) {
      const to = privateKeyToAccount(testKey(index)).address;
      hashes.push(await deployer.writeContract({ address: token, abi, functionName: "mint", args: [to, BUYER_FUNDING] }));
    }
  }
  for (const hash of hashes) await publicClient.waitForTransactionReceipt({ hash });
  return tokens;
}

/** Reads an ERC-20 balance in atomic units. */
export async function balanceOf(rpcUrl: string, token: Address, owner: Address): Promise<bigint> {
  const client = createPublicClient({ transport: http(rpcUrl) });
  return client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] });
}
