import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  AccountState,
  findAssociatedTokenPda,
  getMintDecoder,
  getMintEncoder,
  getTokenDecoder,
  getTokenEncoder,
  TOKEN_PROGRAM_ADDRESS,
} from "@solana-program/token";
import {
  address,
  createKeyPairSignerFromPrivateKeyBytes,
  getAddressEncoder,
  getBase58Decoder,
  getBase58Encoder,
  getBase64Decoder,
  getBase64Encoder,
  getCompiledTransactionMessageDecoder,
  getCompiledTransactionMessageEncoder,
  getTransactionDecoder,
  getTransactionEncoder,
  lamports,
  none,
  some,
  type Address,
  type KeyPairSigner,
} from "@solana/kit";
import { USDC_DEVNET_ADDRESS } from "@x402/svm";
import { LiteSVM, FailedTransactionMetadata } from "litesvm";

/**
 * A local Solana for the devnet: LiteSVM (the real SPL Token programs, in-process) behind a small
 * JSON-RPC server on 127.0.0.1 that answers what the official x402 client and facilitator call
 * (getAccountInfo, getLatestBlockhash, simulateTransaction, sendTransaction,
 * getSignatureStatuses, …) and the reads wallets, the paywall, Tollgate's settlement check and
 * outside tools use (getBalance, getTokenAccountBalance, getTokenAccountsByOwner, getTransaction,
 * getSignaturesForAddress, isBlockhashValid, getSlot).
 *
 * Fidelity points (RECIPES.md): simulation runs without signature checks (at verify time the fee
 * payer has not signed yet); a transaction seen before is answered AlreadyProcessed, as a
 * validator does, so a replay through another facilitator instance cannot "settle" without
 * moving money; LiteSVM accepts only its latest blockhash, which this server never expires.
 */

/** The CAIP-2 id the local SVM runs under: Solana devnet's (@x402/svm accepts only public ids). */
export const SVM_DEVNET_NETWORK = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const TOKEN_AMOUNT_PER_BUYER = 1_000_000_000n; // 1,000 test USDC (6 decimals)
const SOL = 1_000_000_000n;

/** A deterministic keypair for a devnet role (stable across restarts, like anvil's test keys). */
export async function svmTestSigner(role: string): Promise<{ signer: KeyPairSigner; address: Address; secretKey: Uint8Array }> {
  const seed = createHash("sha256").update(`tollgate-devnet-svm/${role}`).digest();
  const signer = await createKeyPairSignerFromPrivateKeyBytes(new Uint8Array(seed), true);
  const publicKey = new Uint8Array(getAddressEncoder().encode(signer.address));
  return { signer, address: signer.address, secretKey: new Uint8Array([...seed, ...publicKey]) };
}

/** What the devnet file records about the local SVM. */
export type SvmDevnet = {
  network: string;
  rpcUrl: string;
  mint: { address: string; symbol: string; decimals: number };
  payTo: string;
  feePayer: string;
  buyers: { address: string; secretKey: string }[];
  /** The merchant wallet's keypair (base58, 64 bytes): it signs in to the dashboard with SIWS in tests. */
  merchantSecretKey: string;
};

const b64 = getBase64Encoder();
const b64d = getBase64Decoder();
const bs58d = getBase58Decoder();

/**
 * Starts the local SVM and its RPC on 127.0.0.1:`port` (0 = any free port): a USDC-like mint
 * (6 decimals), five funded buyers with token accounts, the merchant's token account, and a
 * funded fee payer for the facilitator.
 */
export async function startLocalSvm(port: number): Promise<{ svm: LiteSVM; devnet: SvmDevnet; feePayer: KeyPairSigner; close: () => Promise<void> }> {
  const svm = new LiteSVM();
  const [mintAuthority, merchant, feePayer] = await Promise.all([svmTestSigner("mint-authority"), svmTestSigner("merchant"), svmTestSigner("fee-payer")]);
  // The test USDC lives at Solana devnet USDC's address (@x402/svm's USDC_DEVNET_ADDRESS), so
  // clients and the paywall know it as USDC, as they would on devnet.
  const mint = { address: address(USDC_DEVNET_ADDRESS) };
  const buyers = await Promise.all([0, 1, 2, 3, 4].map((i) => svmTestSigner(`buyer-${i}`)));

  const rent = (len: number) => svm.minimumBalanceForRentExemption(BigInt(len));
  const setSystemAccount = (owner: Address, sol: bigint) =>
    svm.setAccount({ address: owner, data: new Uint8Array(), executable: false, lamports: lamports(sol), programAddress: address("11111111111111111111111111111111"), space: 0n });
  const mintData = getMintEncoder().encode({ mintAuthority: some(mintAuthority.address), supply: TOKEN_AMOUNT_PER_BUYER * 5n, decimals: 6, isInitialized: true, freezeAuthority: none() });
  svm.setAccount({ address: mint.address, data: new Uint8Array(mintData), executable: false, lamports: lamports(rent(mintData.length)), programAddress: TOKEN_PROGRAM_ADDRESS, space: BigInt(mintData.length) });
  const tokenAccount = async (owner: Address, amount: bigint) => {
    const [ata] = await findAssociatedTokenPda({ owner, mint: mint.address, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const data = getTokenEncoder().encode({ mint: mint.address, owner, amount, delegate: none(), state: AccountState.Initialized, isNative: none(), delegatedAmount: 0n, closeAuthority: none() });
    svm.setAccount({ address: ata, data: new Uint8Array(data), executable: false, lamports: lamports(rent(data.length)), programAddress: TOKEN_PROGRAM_ADDRESS, space: BigInt(data.length) });
    return ata;
  };
  for (const buyer of buyers) {
    setSystemAccount(buyer.address, 10n * SOL);
    await tokenAccount(buyer.address, TOKEN_AMOUNT_PER_BUYER);
  }
  setSystemAccount(merchant.address, SOL);
  await tokenAccount(merchant.address, 0n);
  setSystemAccount(feePayer.address, 100n * SOL);

  const server = await serveRpc(svm, port);
  const devnet: SvmDevnet = {
    network: SVM_DEVNET_NETWORK,
    rpcUrl: server.url,
    mint: { address: mint.address, symbol: "USDC", decimals: 6 },
    payTo: merchant.address,
    feePayer: feePayer.address,
    buyers: buyers.map((b) => ({ address: b.address, secretKey: bs58d.decode(b.secretKey) })),
    merchantSecretKey: bs58d.decode(merchant.secretKey),
  };
  return { svm, devnet, feePayer: feePayer.signer, close: server.close };
}

type RpcError = { code: number; message: string; data?: unknown };
class JsonRpcError extends Error {
  constructor(readonly rpc: RpcError) {
    super(rpc.message);
  }
}

/** JSON-safe: bigint → number where it fits (the RPC's u64 fields are JSON numbers). */
const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? Number(v) : v));

async function serveRpc(svm: LiteSVM, port: number): Promise<{ url: string; close: () => Promise<void> }> {
  /** Landed transactions by signature: what getSignatureStatuses, getTransaction and getSignaturesForAddress read. */
  const processed = new Map<string, { slot: bigint; err: unknown; wire: string; accounts: string[]; blockTime: number; order: number }>();
  const context = () => ({ slot: svm.getClock().slot, apiVersion: "2.2.0" });

  const accountInfo = (addr: string, encoding: string | undefined) => {
    const account = svm.getAccount(address(addr));
    if (!account.exists) return null;
    const base = { executable: account.executable, lamports: account.lamports, owner: account.programAddress, rentEpoch: 18446744073709551615n, space: account.data.length };
    if (encoding === "jsonParsed" && account.programAddress === TOKEN_PROGRAM_ADDRESS) {
      const parsed = parseTokenAccount(account.data);
      if (parsed) return { ...base, data: { program: "spl-token", parsed, space: account.data.length } };
    }
    return { ...base, data: [b64d.decode(account.data), "base64"] };
  };

  const parseTokenAccount = (data: Uint8Array) => {
    if (data.length === 82) {
      const m = getMintDecoder().decode(data);
      return { type: "mint", info: { decimals: m.decimals, isInitialized: m.isInitialized, supply: m.supply.toString(), mintAuthority: m.mintAuthority.__option === "Some" ? m.mintAuthority.value : null, freezeAuthority: null } };
    }
    if (data.length === 165) {
      const t = getTokenDecoder().decode(data);
      const mintAccount = svm.getAccount(t.mint);
      const decimals = mintAccount.exists ? getMintDecoder().decode(mintAccount.data).decimals : 0;
      return { type: "account", info: { mint: t.mint, owner: t.owner, state: "initialized", isNative: false, tokenAmount: uiAmount(t.amount, decimals) } };
    }
    return null;
  };

  const uiAmount = (amount: bigint, decimals: number) => {
    const s = amount.toString().padStart(decimals + 1, "0");
    const ui = `${s.slice(0, -decimals || undefined)}${decimals ? `.${s.slice(-decimals)}` : ""}`.replace(/\.?0+$/, "") || "0";
    return { amount: amount.toString(), decimals, uiAmount: Number(ui), uiAmountString: ui };
  };

  const decodeTx = (encoded: string, encoding: string | undefined) => {
    const bytes = encoding === "base58" ? getBase58Encoder().encode(encoded) : b64.encode(encoded);
    return getTransactionDecoder().decode(bytes);
  };

  const signatureOf = (tx: ReturnType<typeof decodeTx>) => {
    const first = Object.values(tx.signatures)[0];
    return first ? bs58d.decode(first) : null;
  };

  const failure = (result: FailedTransactionMetadata) => ({ err: result.err().toString(), logs: result.meta().logs() });

  const handlers: Record<string, (params: unknown[]) => unknown> = {
    getHealth: () => "ok",
    // Devnet only, not a Solana method: moves to a new blockhash, as ~150 slots passing would,
    // so tests can present a transaction whose blockhash expired.
    tollgateDevnet_expireBlockhash: () => {
      svm.expireBlockhash();
      return svm.latestBlockhash();
    },
    getVersion: () => ({ "solana-core": "2.2.0", "feature-set": 0 }),
    getSlot: () => svm.getClock().slot,
    getBlockHeight: () => svm.getClock().slot,
    getLatestBlockhash: () => ({ context: context(), value: { blockhash: svm.latestBlockhash(), lastValidBlockHeight: svm.getClock().slot + 150n } }),
    isBlockhashValid: ([hash]) => ({ context: context(), value: hash === svm.latestBlockhash() }),
    getMinimumBalanceForRentExemption: ([len]) => svm.minimumBalanceForRentExemption(BigInt(len as number)),
    getFeeForMessage: () => ({ context: context(), value: 5000 }),
    getBalance: ([addr]) => ({ context: context(), value: svm.getBalance(address(addr as string)) ?? 0n }),
    getAccountInfo: ([addr, config]) => ({ context: context(), value: accountInfo(addr as string, (config as { encoding?: string } | undefined)?.encoding) }),
    getMultipleAccounts: ([addrs, config]) => ({ context: context(), value: (addrs as string[]).map((a) => accountInfo(a, (config as { encoding?: string } | undefined)?.encoding)) }),
    getTokenAccountBalance: ([addr]) => {
      const account = svm.getAccount(address(addr as string));
      const parsed = account.exists && account.programAddress === TOKEN_PROGRAM_ADDRESS ? parseTokenAccount(account.data) : null;
      if (!parsed || parsed.type !== "account") throw new JsonRpcError({ code: -32602, message: "Invalid param: not a Token account" });
      return { context: context(), value: (parsed.info as { tokenAmount: unknown }).tokenAmount };
    },
    getTokenAccountsByOwner: ([owner, filter, config]) => {
      const wanted = filter as { mint?: string; programId?: string };
      const encoding = (config as { encoding?: string } | undefined)?.encoding;
      const value = svm
        .getProgramAccounts(TOKEN_PROGRAM_ADDRESS)
        .filter((a) => a.data.length === 165)
        .filter((a) => {
          const t = getTokenDecoder().decode(a.data);
          return t.owner === owner && (!wanted.mint || t.mint === wanted.mint);
        })
        .map((a) => ({ pubkey: a.address, account: accountInfo(a.address, encoding) }));
      return { context: context(), value };
    },
    simulateTransaction: ([encoded, config]) => {
      const cfg = (config ?? {}) as { encoding?: string; sigVerify?: boolean; replaceRecentBlockhash?: boolean };
      if (cfg.sigVerify && cfg.replaceRecentBlockhash) throw new JsonRpcError({ code: -32602, message: "sigVerify may not be used with replaceRecentBlockhash" });
      let tx = decodeTx(encoded as string, cfg.encoding);
      // Clients estimating compute units (@solana-program/compute-budget, e.g. the v1 x402 client)
      // simulate a message with a placeholder blockhash and ask the node to replace it, as
      // Solana's RPC does.
      const replacementBlockhash = cfg.replaceRecentBlockhash ? { blockhash: svm.latestBlockhash(), lastValidBlockHeight: svm.getClock().slot + 150n } : undefined;
      if (replacementBlockhash) {
        const message = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
        const messageBytes = getCompiledTransactionMessageEncoder().encode({ ...message, lifetimeToken: replacementBlockhash.blockhash });
        tx = { ...tx, messageBytes: messageBytes as typeof tx.messageBytes };
      }
      svm.withSigverify(cfg.sigVerify === true);
      try {
        const result = svm.simulateTransaction(tx);
        if (result instanceof FailedTransactionMetadata) {
          const { err, logs } = failure(result);
          return { context: context(), value: { err, logs, accounts: null, unitsConsumed: 0, returnData: null, innerInstructions: null, replacementBlockhash } };
        }
        const meta = result.meta();
        return { context: context(), value: { err: null, logs: meta.logs(), accounts: null, unitsConsumed: meta.computeUnitsConsumed(), returnData: null, innerInstructions: [], replacementBlockhash } };
      } finally {
        svm.withSigverify(true);
      }
    },
    sendTransaction: ([encoded, config]) => {
      const tx = decodeTx(encoded as string, (config as { encoding?: string } | undefined)?.encoding ?? "base58");
      const signature = signatureOf(tx);
      if (!signature) throw new JsonRpcError({ code: -32602, message: "Invalid transaction: no signature" });
      if (processed.has(signature)) {
        throw new JsonRpcError({ code: -32002, message: "Transaction simulation failed: This transaction has already been processed", data: { err: "AlreadyProcessed", logs: [] } });
      }
      const result = svm.sendTransaction(tx);
      if (result instanceof FailedTransactionMetadata) {
        const { err, logs } = failure(result);
        throw new JsonRpcError({ code: -32002, message: `Transaction simulation failed: ${err}`, data: { err, logs } });
      }
      const accounts = getCompiledTransactionMessageDecoder().decode(tx.messageBytes).staticAccounts.map(String);
      // Each landed transaction gets a slot of its own, as on a chain that moves on.
      svm.warpToSlot(svm.getClock().slot + 1n);
      processed.set(signature, { slot: svm.getClock().slot, err: null, wire: b64d.decode(getTransactionEncoder().encode(tx) as Uint8Array), accounts, blockTime: Math.floor(Date.now() / 1000), order: processed.size });
      return signature;
    },
    getSignatureStatuses: ([signatures]) => ({
      context: context(),
      value: (signatures as string[]).map((s) => {
        const seen = processed.get(s);
        return seen ? { slot: seen.slot, confirmations: null, err: seen.err, status: { Ok: null }, confirmationStatus: "finalized" } : null;
      }),
    }),
    getTransaction: ([signature]) => {
      const seen = processed.get(signature as string);
      if (!seen) return null;
      return {
        slot: seen.slot,
        blockTime: seen.blockTime,
        meta: { err: seen.err, fee: 5000, innerInstructions: [], logMessages: [], preBalances: [], postBalances: [], preTokenBalances: [], postTokenBalances: [], status: { Ok: null }, loadedAddresses: { readonly: [], writable: [] } },
        transaction: [seen.wire, "base64"],
        version: 0,
      };
    },
    getSignaturesForAddress: ([addr, config]) => {
      const { limit: asked, before } = (config ?? {}) as { limit?: number; before?: string };
      const limit = Math.min(asked ?? 1000, 1000);
      const newestFirst = [...processed.entries()].filter(([, t]) => t.accounts.includes(addr as string)).sort((a, b) => b[1].order - a[1].order);
      // `before`: the page starts after that signature (the next older ones), as Solana's RPC pages.
      const start = before === undefined ? 0 : newestFirst.findIndex(([signature]) => signature === before) + 1;
      return newestFirst
        .slice(start > 0 || before === undefined ? start : newestFirst.length)
        .slice(0, limit)
        .map(([signature, t]) => ({ signature, slot: t.slot, err: t.err, memo: null, blockTime: t.blockTime, confirmationStatus: "finalized" }));
    },
  };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const answer = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
      res.end(json(body));
    };
    if (req.method === "OPTIONS") {
      // Browsers (the paywall, wallets) preflight: allow whatever headers their RPC client sends.
      res.writeHead(204, {
        "access-control-allow-origin": "*",
        "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "content-type",
        "access-control-allow-methods": "POST",
        "access-control-max-age": "600",
      });
      return res.end();
    }
    let request: { id?: unknown; method?: string; params?: unknown[] } | { id?: unknown; method?: string; params?: unknown[] }[];
    try {
      request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return answer({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
    }
    const one = (r: { id?: unknown; method?: string; params?: unknown[] }) => {
      const handler = r.method ? handlers[r.method] : undefined;
      if (!handler) return { jsonrpc: "2.0", id: r.id ?? null, error: { code: -32601, message: `Method not found: ${r.method}` } };
      try {
        return { jsonrpc: "2.0", id: r.id ?? null, result: handler(r.params ?? []) };
      } catch (error) {
        if (error instanceof JsonRpcError) return { jsonrpc: "2.0", id: r.id ?? null, error: error.rpc };
        return { jsonrpc: "2.0", id: r.id ?? null, error: { code: -32603, message: error instanceof Error ? error.message : String(error) } };
      }
    };
    answer(Array.isArray(request) ? request.map(one) : one(request));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
