import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/** Path of the anvil binary that the @foundry-rs/anvil npm package installed for this platform. */
export function anvilBinary(): string {
  const pkg = `@foundry-rs/anvil-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
}

/** A running anvil. `stop()` kills it and waits for the exit. */
export type Anvil = { rpcUrl: string; process: ChildProcess; stop: () => Promise<void> };

/**
 * Starts anvil on 127.0.0.1:`port` with the standard test mnemonic (its accounts hold 10,000 ETH
 * each) and waits until its JSON-RPC answers (< 1 s).
 *
 * @param chainId anvil's chain id (the devnet uses 84532).
 * @throws Error when anvil exits or does not answer within 15 s.
 */
export async function startAnvil({ port, chainId }: { port: number; chainId: number }): Promise<Anvil> {
  const child = spawn(anvilBinary(), ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), "--silent"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  const rpcUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`anvil exited (${code}) before it was ready: ${stderr.trim()}`))),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode) return;
    const done = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await done;
  };
  try {
    await Promise.race([waitForRpc(rpcUrl, 15_000), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  exited.catch(() => {}); // later exits are reported by the caller's process handling
  return { rpcUrl, process: child, stop };
}

async function waitForRpc(rpcUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`anvil at ${rpcUrl} did not answer within ${timeoutMs} ms`);
}
