import type { Page } from "@playwright/test";
import { createKeyPairSignerFromBytes, getBase58Encoder, getTransactionDecoder, getTransactionEncoder, signBytes } from "@solana/kit";

/** What the test decides about the next signature request, and how many were made. */
export type SolanaWalletControls = { rejectSignatures: boolean; signatures: number };

/**
 * Installs a Solana browser wallet into the page: a Wallet Standard wallet (`standard:connect`,
 * `standard:events`, `solana:signTransaction`, `solana:signMessage`) registered by dispatching
 * `wallet-standard:register-wallet` and on `wallet-standard:app-ready`, so wallet-adapter finds it
 * like Phantom or Solflare. Transactions cross to Node as number arrays
 * (`page.exposeFunction`), where a @solana/kit key signs them; the key never enters the page.
 *
 * @param secretKey base58 of the 64-byte keypair (devnet.json `svm.buyers[i].secretKey`).
 */
export async function installSolanaTestWallet(page: Page, secretKey: string): Promise<SolanaWalletControls> {
  const signer = await createKeyPairSignerFromBytes(new Uint8Array(getBase58Encoder().encode(secretKey)));
  const controls: SolanaWalletControls = { rejectSignatures: false, signatures: 0 };
  await page.exposeFunction("__tollgateSolanaSign", async (bytes: number[]) => {
    if (controls.rejectSignatures) return { error: "User rejected the request." };
    controls.signatures++;
    const transaction = getTransactionDecoder().decode(new Uint8Array(bytes));
    const [signatures] = await signer.signTransactions([transaction as Parameters<typeof signer.signTransactions>[0][number]]);
    const signed = { ...transaction, signatures: { ...transaction.signatures, ...signatures } };
    return { signed: [...getTransactionEncoder().encode(signed)] };
  });
  await page.exposeFunction("__tollgateSolanaSignMessage", async (bytes: number[]) => {
    if (controls.rejectSignatures) return { error: "User rejected the request." };
    controls.signatures++;
    return { signature: [...(await signBytes(signer.keyPair.privateKey, new Uint8Array(bytes)))] };
  });
  await page.addInitScript(
    ({ address, publicKey }) => {
      const chains = ["solana:mainnet", "solana:devnet", "solana:testnet", "solana:localnet"] as const;
      const account = Object.freeze({
        address,
        publicKey: new Uint8Array(publicKey),
        chains,
        features: ["solana:signTransaction", "solana:signMessage"] as const,
      });
      let accounts: (typeof account)[] = [];
      const listeners: ((properties: { accounts: (typeof account)[] }) => void)[] = [];
      const sign = (window as unknown as { __tollgateSolanaSign: (b: number[]) => Promise<{ signed?: number[]; error?: string }> }).__tollgateSolanaSign;
      const wallet = {
        version: "1.0.0" as const,
        name: "Tollgate Solana Test Wallet",
        icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'%3E%3Crect width='10' height='10' fill='%237c3aed'/%3E%3C/svg%3E" as const,
        chains,
        get accounts() {
          return accounts;
        },
        features: {
          "standard:connect": {
            version: "1.0.0",
            connect: async () => {
              accounts = [account];
              listeners.forEach((l) => l({ accounts }));
              return { accounts };
            },
          },
          "standard:disconnect": {
            version: "1.0.0",
            disconnect: async () => {
              accounts = [];
              listeners.forEach((l) => l({ accounts }));
            },
          },
          "standard:events": {
            version: "1.0.0",
            on: (_event: string, listener: (properties: { accounts: (typeof account)[] }) => void) => {
              listeners.push(listener);
              return () => listeners.splice(listeners.indexOf(listener), 1);
            },
          },
          "solana:signMessage": {
            version: "1.0.0",
            signMessage: async (...inputs: { message: Uint8Array }[]) => {
              const signMessage = (window as unknown as { __tollgateSolanaSignMessage: (b: number[]) => Promise<{ signature?: number[]; error?: string }> }).__tollgateSolanaSignMessage;
              const outputs = [];
              for (const input of inputs) {
                const answer = await signMessage([...input.message]);
                if (answer.error) throw new Error(answer.error);
                outputs.push({ signedMessage: input.message, signature: new Uint8Array(answer.signature!) });
              }
              return outputs;
            },
          },
          "solana:signTransaction": {
            version: "1.0.0",
            supportedTransactionVersions: ["legacy", 0],
            signTransaction: async (...inputs: { transaction: Uint8Array }[]) => {
              const outputs = [];
              for (const input of inputs) {
                const answer = await sign([...input.transaction]);
                if (answer.error) throw new Error(answer.error);
                outputs.push({ signedTransaction: new Uint8Array(answer.signed!) });
              }
              return outputs;
            },
          },
        },
      };
      const register = ({ register }: { register: (w: typeof wallet) => void }) => register(wallet);
      window.dispatchEvent(new CustomEvent("wallet-standard:register-wallet", { detail: register }));
      window.addEventListener("wallet-standard:app-ready", (event) => register((event as CustomEvent).detail));
    },
    { address: signer.address, publicKey: [...new Uint8Array(getBase58Encoder().encode(signer.address))] },
  );
  return controls;
}
