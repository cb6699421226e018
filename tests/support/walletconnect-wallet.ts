/**
 * A phone wallet for WalletConnect tests: the real `@walletconnect/sign-client` (what mobile
 * wallets build on) holding a viem account. It pairs from the `wc:` URI a visitor would scan from
 * the paywall's QR code, approves the session for its account, and answers the dapp's requests by
 * signing for real (EIP-712 typed data for x402's EIP-3009 authorization), so the signature the
 * paywall gets is what a real wallet would send.
 */
import { SignClient } from "@walletconnect/sign-client";
import type { Hex, PrivateKeyAccount } from "viem";

export type WalletConnectWallet = {
  /** Pairs with a dapp from its `wc:` URI (what scanning the QR code does). */
  pair: (uri: string) => Promise<void>;
  /** Every JSON-RPC method the dapp asked the wallet for, in order. */
  requests: string[];
  close: () => Promise<void>;
};

export async function startWalletConnectWallet({ relayUrl, account, chainId }: { relayUrl: string; account: PrivateKeyAccount; chainId: number }): Promise<WalletConnectWallet> {
  const client = await SignClient.init({
    projectId: "tollgate-tests",
    relayUrl,
    storageOptions: { database: ":memory:" },
    metadata: { name: "Test phone wallet", description: "WalletConnect wallet in Tollgate's tests", url: "https://wallet.invalid", icons: [] },
  });
  const requests: string[] = [];
  const caip10 = `eip155:${chainId}:${account.address}`;

  client.on("session_proposal", async ({ id, params }) => {
    const asked = { ...params.optionalNamespaces?.eip155, ...params.requiredNamespaces?.eip155 };
    await client.approve({
      id,
      namespaces: {
        eip155: {
          chains: [`eip155:${chainId}`],
          accounts: [caip10],
          methods: [...new Set([...(asked.methods ?? []), "eth_signTypedData_v4", "personal_sign", "eth_accounts", "eth_chainId"])],
          events: [...new Set([...(asked.events ?? []), "chainChanged", "accountsChanged"])],
        },
      },
    });
  });

  client.on("session_request", async ({ topic, id, params }) => {
    const { method, params: args } = params.request as { method: string; params: unknown[] };
    requests.push(method);
    const answer = async (): Promise<unknown> => {
      switch (method) {
        case "eth_signTypedData_v4": {
          const typed = typeof args[1] === "string" ? JSON.parse(args[1]) : args[1];
          const { EIP712Domain: _domain, ...types } = typed.types;
          return account.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message: typed.message });
        }
        case "personal_sign":
          return account.signMessage({ message: { raw: args[0] as Hex } });
        case "eth_accounts":
        case "eth_requestAccounts":
          return [account.address];
        case "eth_chainId":
          return `0x${chainId.toString(16)}`;
        default:
          throw new Error(`the test wallet does not do ${method}`);
      }
    };
    try {
      await client.respond({ topic, response: { id, jsonrpc: "2.0", result: await answer() } });
    } catch (error) {
      await client.respond({ topic, response: { id, jsonrpc: "2.0", error: { code: 4001, message: (error as Error).message } } });
    }
  });

  return {
    pair: async (uri) => {
      await client.core.pairing.pair({ uri });
    },
    requests,
    close: async () => {
      await client.core.relayer.transportClose().catch(() => undefined);
    },
  };
}
