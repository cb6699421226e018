/**
 * Whether `address` is one of the configured merchant addresses. EVM addresses compare without
 * case (checksum or not); Solana addresses are case-sensitive base58 and compare exactly.
 */
export function isMerchantAddress(address: string, admins: readonly string[]): boolean {
  const evm = /^0x[0-9a-fA-F]{40}$/.test(address);
  return admins.some((admin) => (evm ? admin.toLowerCase() === address.toLowerCase() : admin === address));
}
