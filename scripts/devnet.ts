/**
 * `npm run devnet`: the local x402 network alone (anvil + test USDC/EURC + facilitator), until Ctrl-C.
 * Ports: DEVNET_RPC_PORT (8545), DEVNET_FACILITATOR_PORT (4020), DEVNET_SVM_RPC_PORT (8899). Writes .data/devnet.json.
 */
import { startDevnet } from "./devnet/index";
import { DEVNET_FILE } from "./devnet/config";

const devnet = await startDevnet({
  rpcPort: Number(process.env.DEVNET_RPC_PORT ?? 8545),
  facilitatorPort: Number(process.env.DEVNET_FACILITATOR_PORT ?? 4020),
  svmRpcPort: Number(process.env.DEVNET_SVM_RPC_PORT ?? 8899),
});
const { config } = devnet;
console.log(`Local x402 network (${DEVNET_FILE})
  chain        ${config.network} (v1: ${config.networkV1}) at ${config.rpcUrl}
  tokens       ${config.assets.map((a) => `${a.symbol} ${a.address}`).join(", ")}
  facilitator  ${config.facilitatorUrl}  (/supported, /verify, /settle)
  merchant     ${config.payTo}
  buyers       ${config.buyers.map((b) => b.address).join("\n               ")}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await devnet.stop();
    process.exit(0);
  });
}
