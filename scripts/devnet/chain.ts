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

/** Each demo buyer starts with this many atomic units of test USDC (1,000 USDC). */
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

/**
 * Deploys TestUSDC from the deployer account (so its address is the same on every fresh anvil),
 * places Multicall3 at its canonical address, and mints BUYER_FUNDING to every demo buyer.
 *
 * @returns the token's address.
 */
export async function deployTestUsdc(chain: Chain, artifacts: Record<"TestUSDC" | "Multicall3", Artifact>): Promise<Address> {
  const transport = http(chain.rpcUrls.default.http[0]);
  const publicClient = createPublicClient({ chain, transport });
  const deployer = createWalletClient({ chain, transport, account: privateKeyToAccount(testKey(ACCOUNTS.deployer)) }).extend(publicActions);

  await publicClient.request({
    method: "anvil_setCode" as never,
    params: [MULTICALL3_ADDRESS, artifacts.Multicall3.deployedBytecode] as never,
  });

  const deployHash = await deployer.deployContract({ abi: artifacts.TestUSDC.abi, bytecode: artifacts.TestUSDC.bytecode });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: deployHash });
  if (!receipt.contractAddress) throw new Error("TestUSDC deployment produced no contract address");
  const token = getAddress(receipt.contractAddress);

  const hashes: Hex[] = [];
  for (const index of ACCOUNTS.buyers) {
    const to = privateKeyToAccount(testKey(index)).address;
    hashes.push(await deployer.writeContract({ address: token, abi: artifacts.TestUSDC.abi, functionName: "mint", args: [to, BUYER_FUNDING] }));
  }
  for (const hash of hashes) await publicClient.waitForTransactionReceipt({ hash });
  return token;
}

/** Reads an ERC-20 balance in atomic units. */
export async function balanceOf(rpcUrl: string, token: Address, owner: Address): Promise<bigint> {
  const client = createPublicClient({ transport: http(rpcUrl) });
  return client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] });
}
