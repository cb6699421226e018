import type { PaymentRequirements } from "@x402/core/types";

/**
 * PaymentRequirements of 0.01 USDC (10000 atomic units) on Base Sepolia, the exact scheme, with
 * USDC's EIP-712 domain: for unit tests that need a well-formed option and no chain.
 */
export const BASE_SEPOLIA_USDC: PaymentRequirements = {
  scheme: "exact",
  network: "eip155:84532",
  amount: "10000",
  asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
  maxTimeoutSeconds: 300,
  extra: { name: "USDC", version: "2" },
};
