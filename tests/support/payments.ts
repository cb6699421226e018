import { randomUUID } from "node:crypto";
import { createWalletClient, erc20Abi, http, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { markSettling, reservePayment, type PaymentReservation } from "@/lib/payments/mutations";
import { upsertPricedRoute } from "@/lib/routes/mutations";
import { localChain } from "@/scripts/devnet/chain";
import type { DevnetFile } from "@/scripts/devnet/config";

let claimed = 0;

/**
 * A payment claimed and moved to `settling`, as the money path leaves it while it asks the
 * facilitator to settle (an empty 200 kept as the handler's response). Defaults: a GET of
 * `http://shop.test/api/items/<n>` (n counts up per test file) on Base Sepolia, 0.01 USDC
 * (10000 atomic units), a unique payment key; `overrides` replace any field.
 *
 * @returns the row's id.
 */
export async function settlingPayment(db: PrismaClient, routeId: string, overrides: Partial<PaymentReservation> = {}): Promise<string> {
  const n = ++claimed;
  const id = await reservePayment(db, {
    routeId,
    resource: `http://shop.test/api/items/${n}`,
    method: "GET",
    payer: "0x1111111111111111111111111111111111111111",
    scheme: "exact",
    network: "eip155:84532",
    asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    amount: "10000",
    payTo: "0x2222222222222222222222222222222222222222",
    x402Version: 2,
    paymentKey: `key-${n}-${randomUUID()}`,
    ...overrides,
  });
  if (!id) throw new Error("settlingPayment: the payment key was claimed already");
  await markSettling(db, id, { status: 200, headers: [], body: new Uint8Array() });
  return id;
}

/** Prices `GET /api/demo/quote` at 0.01 of the devnet's test USDC to its merchant: what the reconciler's transfer scan watches. */
export async function priceDevnetQuote(db: PrismaClient, devnet: DevnetFile): Promise<void> {
  await upsertPricedRoute(db, {
    method: "GET",
    pathPattern: "/api/demo/quote",
    description: "A quote",
    mimeType: "application/json",
    paymentOptions: [{ network: devnet.network, asset: devnet.asset.address, amount: "10000", payTo: devnet.payTo, extra: { name: devnet.asset.name, version: devnet.asset.version } }],
  });
}

/**
 * Devnet buyer `buyer` pays the merchant `amount` atomic units of the test USDC directly, outside
 * x402 (an ERC-20 transfer sent straight to anvil): a transfer no payment row explains.
 *
 * @returns the transaction hash.
 */
export function payMerchantOutsideX402(devnet: DevnetFile, buyer: number, amount: bigint): Promise<Hex> {
  const account = privateKeyToAccount(devnet.buyers[buyer]!.privateKey as Hex);
  const wallet = createWalletClient({ chain: localChain(devnet.chainId, devnet.rpcUrl), account, transport: http(devnet.rpcUrl) });
  return wallet.writeContract({ address: devnet.asset.address as Address, abi: erc20Abi, functionName: "transfer", args: [devnet.payTo as Address, amount] });
}
