import { privateKeyToAccount } from "viem/accounts";
import { startAnvil } from "./anvil";
import { ACCOUNTS, DEVNET_TOKENS, deployTestTokens, localChain, testKey } from "./chain";
import { compileContracts } from "./compile";
import { writeDevnetFile, type DevnetFile } from "./config";
import { createLocalFacilitator, startFacilitatorServer } from "./facilitator";
import { startLocalSvm } from "./svm";

/**
 * The devnet's chain id: Base Sepolia's. v1 x402 clients only know named networks, and no name
 * exists for anvil's 31337, so the local chain borrows "base-sepolia"'s id. It is still a local
 * anvil: nothing here touches Base Sepolia.
 */
export const DEVNET_CHAIN_ID = 84532;

export type Devnet = { config: DevnetFile; stop: () => Promise<void> };

/**
 * Starts the local x402 network: anvil, test USDC and EURC deployed and buyers funded, Multicall3
 * placed; a local SVM (LiteSVM behind JSON-RPC) with a test USDC mint, funded buyers and the
 * merchant's token account; and one facilitator over HTTP for both. Writes the description to `file` (.data/devnet.json by default;
 * pass null to skip).
 *
 * @param rpcPort anvil's port (8545 by default); facilitatorPort the facilitator's (4020);
 *   svmRpcPort the local SVM's JSON-RPC (8899). 0 = any free port.
 */
export async function startDevnet({
  rpcPort = 8545,
  facilitatorPort = 4020,
  svmRpcPort = 8899,
  file,
}: { rpcPort?: number; facilitatorPort?: number; svmRpcPort?: number; file?: string | null } = {}): Promise<Devnet> {
  const artifacts = compileContracts();
  const anvil = await startAnvil({ port: rpcPort, chainId: DEVNET_CHAIN_ID });
  let svm: Awaited<ReturnType<typeof startLocalSvm>> | undefined;
  try {
    svm = await startLocalSvm(svmRpcPort);
    const chain = localChain(DEVNET_CHAIN_ID, anvil.rpcUrl);
    const network = `eip155:${DEVNET_CHAIN_ID}` as const;
    const tokens = await deployTestTokens(chain, artifacts);
    const assets = DEVNET_TOKENS.map((spec, i) => ({ address: tokens[i]!, symbol: spec.symbol, decimals: 6, name: spec.name, version: spec.version }));
    const facilitatorKey = testKey(ACCOUNTS.facilitator);
    const server = await startFacilitatorServer(
      createLocalFacilitator(chain, network, facilitatorKey, { network: svm.devnet.network as `${string}:${string}`, feePayer: svm.feePayer, rpcUrls: [svm.devnet.rpcUrl] }),
      facilitatorPort,
    );
    const config: DevnetFile = {
      chainId: DEVNET_CHAIN_ID,
      network,
      networkV1: "base-sepolia",
      rpcUrl: anvil.rpcUrl,
      facilitatorUrl: server.url,
      asset: assets[0]!,
      assets,
      payTo: privateKeyToAccount(testKey(ACCOUNTS.merchant)).address,
      facilitatorSigner: privateKeyToAccount(facilitatorKey).address,
      buyers: ACCOUNTS.buyers.map((i) => {
        const privateKey = testKey(i);
        return { address: privateKeyToAccount(privateKey).address, privateKey };
      }),
      svm: svm.devnet,
      startedAt: new Date().toISOString(),
      pid: process.pid,
    };
    if (file !== null) writeDevnetFile(config, file);
    const localSvm = svm;
    return {
      config,
      stop: async () => {
        await server.close();
        await localSvm.close();
        await anvil.stop();
      },
    };
  } catch (error) {
    await svm?.close();
    await anvil.stop();
    throw error;
  }
}
