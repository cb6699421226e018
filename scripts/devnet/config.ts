import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

const assetSchema = z.object({
  address: z.string(),
  symbol: z.string(),
  decimals: z.number().int(),
  /** EIP-712 domain name and version, carried in PaymentRequirements.extra. */
  name: z.string(),
  version: z.string(),
});

/**
 * The local x402 network's description, written by the devnet to `.data/devnet.json` and read by
 * the seed, the agent CLI, tests and benchmarks. Everything in it is throwaway: anvil's public
 * test keys on a chain that lives as long as the devnet process.
 */
export const devnetFileSchema = z.object({
  /** anvil's chain id: 84532, Base Sepolia's, because v1 x402 clients only know named networks. */
  chainId: z.number().int(),
  /** CAIP-2 id of the chain, e.g. "eip155:84532". */
  network: z.string(),
  /** v1 network name for the same chain, e.g. "base-sepolia". */
  networkV1: z.string(),
  rpcUrl: z.url(),
  facilitatorUrl: z.url(),
  /** Test USDC: the demo's price unit (same as `assets[0]`). */
  asset: assetSchema,
  /** Every test token: USDC, then EURC. */
  assets: z.array(assetSchema),
  /** The merchant's receiving address (anvil account 8). */
  payTo: z.string(),
  /** The facilitator's gas-paying signer (anvil account 9). */
  facilitatorSigner: z.string(),
  /** Demo buyers: anvil accounts 0..4 of the standard test mnemonic, funded with every test token. */
  buyers: z.array(z.object({ address: z.string(), privateKey: z.string() })),
  /** The local SVM (LiteSVM behind JSON-RPC), run under Solana devnet's CAIP-2 id. */
  svm: z.object({
    /** "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1" (Solana devnet's id; every component points at rpcUrl). */
    network: z.string(),
    rpcUrl: z.url(),
    /** The test USDC mint: base58 address, symbol, decimals (6). */
    mint: z.object({ address: z.string(), symbol: z.string(), decimals: z.number().int() }),
    /** The merchant's wallet (its USDC token account exists). */
    payTo: z.string(),
    /** The merchant wallet's keypair (base58 of 64 bytes), for SIWS sign-in on the devnet. */
    merchantSecretKey: z.string(),
    /** The facilitator's fee payer. */
    feePayer: z.string(),
    /** Demo buyers, deterministic: base58 of the 64-byte keypair (secret + public key). */
    buyers: z.array(z.object({ address: z.string(), secretKey: z.string() })),
  }),
  startedAt: z.iso.datetime(),
  pid: z.number().int(),
});
export type DevnetFile = z.infer<typeof devnetFileSchema>;

/**
 * The key `npm run dev` signs offers and receipts with (OFFER_RECEIPT_PRIVATE_KEY) unless one is
 * set: public, like the devnet's anvil keys, for development only.
 */
export const DEV_OFFER_RECEIPT_KEY = "0x7e11a9a7e0ff3e5ece1970000000000000000000000000000000000000000001";

/** The builder code (ERC-8021 `a`) `npm run dev` declares (BUILDER_CODE) unless one is set. */
export const DEV_BUILDER_CODE = "tollgate_dev";

/** Where the devnet file lives: the project's .data/devnet.json, or DEVNET_FILE (tests use their own). */
export const DEVNET_FILE = process.env.DEVNET_FILE ? path.resolve(process.env.DEVNET_FILE) : path.resolve(import.meta.dirname, "../../.data/devnet.json");

/**
 * Reads and validates the devnet file.
 * @throws Error telling the user to start the devnet when it is missing or malformed.
 */
export function readDevnetFile(file = DEVNET_FILE): DevnetFile {
  if (!fs.existsSync(file)) throw new Error(`${file} not found: start the local network with \`npm run dev\` or \`npm run devnet\``);
  const parsed = devnetFileSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file} is not a devnet file: ${parsed.error.message}`);
  return parsed.data;
}

/** Writes the devnet file (creating .data/). */
export function writeDevnetFile(data: DevnetFile, file = DEVNET_FILE): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}
