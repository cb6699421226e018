import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Abi, Hex } from "viem";

/** A compiled contract: its ABI, creation bytecode and runtime bytecode. */
export type Artifact = { abi: Abi; bytecode: Hex; deployedBytecode: Hex };

const require = createRequire(import.meta.url);
const CONTRACTS_DIR = path.join(import.meta.dirname, "contracts");
const CACHE_DIR = path.resolve(import.meta.dirname, "../../.cache/contracts");
const SOURCES = ["TestToken.sol", "Multicall3.sol"];

/**
 * Compiles the devnet contracts with solc-js (offline: the compiler ships in the npm package),
 * resolving `@openzeppelin/...` imports from node_modules. Artifacts are cached under
 * .cache/contracts keyed by the sources' and compiler's hash (~6 s cold, instant warm).
 *
 * @throws Error listing the compiler's errors.
 */
export function compileContracts(): Record<"TestToken" | "Multicall3", Artifact> {
  const solc = require("solc") as { compile(input: string, opts: { import: (p: string) => { contents: string } | { error: string } }): string; version(): string };
  const sources = Object.fromEntries(SOURCES.map((f) => [f, { content: fs.readFileSync(path.join(CONTRACTS_DIR, f), "utf8") }]));
  const key = crypto.createHash("sha256").update(solc.version()).update(JSON.stringify(sources)).digest("hex").slice(0, 16);
  const cacheFile = path.join(CACHE_DIR, `${key}.json`);
  if (fs.existsSync(cacheFile)) return JSON.parse(fs.readFileSync(cacheFile, "utf8"));

  const input = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const findImport = (importPath: string) => {
    try {
      return { contents: fs.readFileSync(require.resolve(importPath), "utf8") };
    } catch {
      return { error: `not found: ${importPath}` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length) throw new Error(`solc failed:\n${errors.map((e: { formattedMessage: string }) => e.formattedMessage).join("\n")}`);

  const pick = (file: string, name: string): Artifact => {
    const c = output.contracts[file][name];
    return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, deployedBytecode: `0x${c.evm.deployedBytecode.object}` };
  };
  const artifacts = { TestToken: pick("TestToken.sol", "TestToken"), Multicall3: pick("Multicall3.sol", "Multicall3") };
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  fs.writeFileSync(cacheFile, JSON.stringify(artifacts));
  return artifacts;
}
