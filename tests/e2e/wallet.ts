import type { Page } from "@playwright/test";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** What the test decides about the next signature request. */
export type WalletControls = { rejectSignatures: boolean; signatures: number };

/**
 * Installs a browser wallet into the page: a plain EIP-1193 provider announced by EIP-6963
 * (`eip6963:announceProvider`, answering every `eip6963:requestProvider`), so wagmi discovers it
 * like MetaMask or Rabby. Signing requests cross to Node (`page.exposeFunction`), where viem
 * signs with the key, which never enters the page. Other JSON-RPC goes to the devnet's anvil.
 * `startChainId` lets a test start on another network to exercise switching.
 */
export async function installTestWallet(page: Page, opts: { privateKey: Hex; rpcUrl: string; startChainId: number }): Promise<WalletControls> {
  const account = privateKeyToAccount(opts.privateKey);
  const controls: WalletControls = { rejectSignatures: false, signatures: 0 };
  await page.exposeFunction("__tollgateTestWalletSign", async (method: string, params: unknown[]) => {
    if (controls.rejectSignatures) return { error: { code: 4001, message: "User rejected the request." } };
    controls.signatures++;
    if (method === "eth_signTypedData_v4") {
      const typed = JSON.parse(params[1] as string);
      delete typed.types.EIP712Domain;
      return { result: await account.signTypedData(typed) };
    }
    if (method === "personal_sign") return { result: await account.signMessage({ message: { raw: params[0] as Hex } }) };
    return { error: { code: 4200, message: `unsupported ${method}` } };
  });
  await page.addInitScript(
    ({ address, rpcUrl, startChainId }) => {
      let chainId = startChainId;
      // Like a real wallet, it remembers that this site was allowed to see the account (until revoked).
      const CONNECTED_KEY = "__tollgate_test_wallet_connected";
      let connected = window.localStorage.getItem(CONNECTED_KEY) === address;
      const setConnected = (value: boolean) => {
        connected = value;
        if (value) window.localStorage.setItem(CONNECTED_KEY, address);
        else window.localStorage.removeItem(CONNECTED_KEY);
      };
      const listeners: Record<string, ((...a: unknown[]) => void)[]> = {};
      const emit = (event: string, ...args: unknown[]) => (listeners[event] ?? []).forEach((fn) => fn(...args));
      const hex = (n: number) => `0x${n.toString(16)}`;
      const provider = {
        async request({ method, params }: { method: string; params?: unknown[] }) {
          switch (method) {
            case "eth_requestAccounts":
              setConnected(true);
              emit("connect", { chainId: hex(chainId) });
              return [address];
            case "eth_accounts":
              return connected ? [address] : [];
            case "eth_chainId":
              return hex(chainId);
            case "net_version":
              return String(chainId);
            case "wallet_requestPermissions":
            case "wallet_getPermissions":
              if (method === "wallet_requestPermissions") setConnected(true);
              return [{ parentCapability: "eth_accounts" }];
            case "wallet_revokePermissions":
              setConnected(false);
              return null;
            case "wallet_switchEthereumChain": {
              chainId = parseInt((params?.[0] as { chainId: string }).chainId, 16);
              emit("chainChanged", hex(chainId));
              return null;
            }
            case "wallet_addEthereumChain":
              return null;
            case "eth_signTypedData_v4":
            case "personal_sign": {
              const answer = await (window as unknown as { __tollgateTestWalletSign: (m: string, p: unknown[]) => Promise<{ result?: string; error?: { code: number; message: string } }> }).__tollgateTestWalletSign(method, params ?? []);
              if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
              return answer.result;
            }
            default: {
              const res = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }) });
              const json = await res.json();
              if (json.error) throw Object.assign(new Error(json.error.message), json.error);
              return json.result;
            }
          }
        },
        on(event: string, fn: (...a: unknown[]) => void) {
          (listeners[event] ??= []).push(fn);
        },
        removeListener(event: string, fn: (...a: unknown[]) => void) {
          listeners[event] = (listeners[event] ?? []).filter((f) => f !== fn);
        },
      };
      const info = {
        uuid: "7d6a2f3e-5b1c-4e8a-9f2d-1c3b5a7e9d01",
        name: "Tollgate Test Wallet",
        icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'%3E%3Crect width='10' height='10' fill='%23b45309'/%3E%3C/svg%3E",
        rdns: "dev.tollgate.testwallet",
      };
      const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
      window.addEventListener("eip6963:requestProvider", announce);
      announce();
    },
    { address: account.address, rpcUrl: opts.rpcUrl, startChainId: opts.startChainId },
  );
  return controls;
}
