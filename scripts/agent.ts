/**
 * `npm run agent -- URL [--method POST] [--data JSON] [--buyer N] [--v1] [--network evm|solana] [--payment-id [ID]]`
 *
 * Pays an x402-priced URL with the official client (@x402/fetch; --v1: x402-fetch) and a demo
 * buyer of the local network: on EVM anvil account N (default 0; BUYER_PRIVATE_KEY overrides),
 * with `--network solana` the local SVM's buyer N (@x402/svm's client scheme; with --v1, x402-fetch). Prints the
 * response body (a live feed, server-sent events or NDJSON, as it arrives), the decoded
 * PAYMENT-RESPONSE (on EVM with the builder codes its transaction credits), its signed receipt
 * when the seller signs them (checked, and its signer against the one /.well-known/x402
 * publishes) and the buyer's balance before and after.
 *
 * `--siwx` (EVM): on a route that sells access, pays once, then calls again signing in with
 * sign-in-with-x (@x402/extensions' wrapFetchWithSIWx), and prints whether the second call was free.
 *
 * `--payment-id [ID]` sends a payment-identifier id (a new `pay_…` one when ID is left out) where
 * the 402 declares the extension, then presents the very same payment again, as a client would
 * after losing the answer, and prints whether the retry got the same response and was charged.
 */
import { parseArgs } from "node:util";
import { decodePaymentResponseHeader } from "@x402/core/http";
import {
  extractJWSHeader,
  extractReceiptFromResponse,
  verifyReceiptSignatureEIP712,
  verifyReceiptSignatureJWS,
  type ReceiptPayload,
  type SignedReceipt,
} from "@x402/extensions/offer-receipt";
import { generatePaymentId } from "@x402/extensions/payment-identifier";
import { wrapFetchWithSIWx } from "@x402/extensions/sign-in-with-x";
import { parseBuilderCodeSuffixFromCalldata } from "@x402/extensions/builder-code";
import { createPublicClient, formatUnits, http, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { isLiveFeed } from "@/lib/streams";
import { createPayingFetch, createPayingFetchV1, createSvmPayingFetch, createSvmPayingFetchV1, splBalance } from "./agent-client";
import { balanceOf } from "./devnet/chain";
import { readDevnetFile } from "./devnet/config";

// `--payment-id` may come without a value: give it a fresh id.
const argv = process.argv.slice(2);
const idFlag = argv.indexOf("--payment-id");
if (idFlag >= 0 && (idFlag === argv.length - 1 || argv[idFlag + 1]!.startsWith("--"))) argv.splice(idFlag + 1, 0, generatePaymentId());

const { values, positionals } = parseArgs({
  args: argv,
  allowPositionals: true,
  options: {
    method: { type: "string", default: "GET" },
    data: { type: "string" },
    buyer: { type: "string", default: "0" },
    v1: { type: "boolean", default: false },
    network: { type: "string", default: "evm" },
    "payment-id": { type: "string" },
    siwx: { type: "boolean", default: false },
  },
});
const url = positionals[0];
if (!url) {
  console.error("usage: npm run agent -- URL [--method POST] [--data JSON] [--buyer N] [--v1] [--network evm|solana] [--payment-id [ID]] [--siwx]");
  process.exit(2);
}
if (values.data !== undefined) {
  try {
    JSON.parse(values.data);
  } catch {
    console.error("--data must be JSON");
    process.exit(2);
  }
}

if (values.network !== "evm" && values.network !== "solana") {
  console.error("--network must be evm or solana");
  process.exit(2);
}
const paymentId = values["payment-id"];
if (paymentId !== undefined && values.v1) {
  console.error("--payment-id needs x402 v2 (payment-identifier is a v2 extension)");
  process.exit(2);
}
if (values.siwx && (values.v1 || values.network === "solana")) {
  console.error("--siwx signs in with the EVM buyer over x402 v2 here");
  process.exit(2);
}

const devnet = readDevnetFile();
/** The last request the paying fetch sent with a payment, to present it again (--payment-id). */
let lastPaid: { input: RequestInfo | URL; init: RequestInit; headers: Headers } | undefined;
const recordingFetch: typeof fetch = (input, init) => {
  const request = new Request(input, init);
  if (request.headers.has("payment-signature")) lastPaid = { input, init: init ?? {}, headers: new Headers(request.headers) };
  return fetch(input, init);
};
const solana = values.network === "solana";
let payer: string;
let pay: typeof fetch;
let balance: () => Promise<bigint>;
let fmt: (n: bigint) => string;
if (solana) {
  const buyer = devnet.svm.buyers[Number(values.buyer)];
  if (!buyer) {
    console.error(`no Solana buyer ${values.buyer}: the devnet has ${devnet.svm.buyers.length} (0..${devnet.svm.buyers.length - 1})`);
    process.exit(2);
  }
  payer = buyer.address;
  pay = values.v1 ? await createSvmPayingFetchV1(devnet, Number(values.buyer)) : await createSvmPayingFetch(devnet, Number(values.buyer), recordingFetch, { paymentId });
  balance = () => splBalance(devnet.svm.rpcUrl, devnet.svm.mint.address, payer);
  fmt = (n) => `${formatUnits(n, devnet.svm.mint.decimals)} ${devnet.svm.mint.symbol}`;
} else {
  const buyer = devnet.buyers[Number(values.buyer)];
  const privateKey = (process.env.BUYER_PRIVATE_KEY ?? buyer?.privateKey) as Hex | undefined;
  if (!privateKey) {
    console.error(`no buyer ${values.buyer}: the devnet has ${devnet.buyers.length} (0..${devnet.buyers.length - 1})`);
    process.exit(2);
  }
  payer = privateKeyToAccount(privateKey).address;
  const asset = devnet.asset.address as Address;
  // With --siwx, sign-in is tried under the payment: a 402 the signed request still gets is paid.
  const base = values.siwx ? wrapFetchWithSIWx(recordingFetch, privateKeyToAccount(privateKey)) : recordingFetch;
  pay = values.v1 ? createPayingFetchV1(devnet, privateKey) : createPayingFetch(devnet, privateKey, base, { paymentId });
  balance = () => balanceOf(devnet.rpcUrl, asset, payer as Address);
  fmt = (n) => `${formatUnits(n, devnet.asset.decimals)} ${devnet.asset.symbol}`;
}

const before = await balance();
const method = values.method.toUpperCase();
const response = await pay(url, {
  method,
  headers: values.data !== undefined ? { "content-type": "application/json" } : undefined,
  body: values.data,
});
console.log(`${method} ${url} → ${response.status} ${response.statusText}`);
console.log("\nbody:");
let text = "";
if (isLiveFeed(response.headers) && response.body) {
  // A live feed (server-sent events, NDJSON…) is printed as it arrives, as an agent consuming it would see it.
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    const part = decoder.decode(chunk.value, { stream: true });
    text += part;
    process.stdout.write(part);
  }
} else {
  text = await response.text();
  try {
    console.log(JSON.stringify(JSON.parse(text), null, 2));
  } catch {
    console.log(text);
  }
}
const after = await balance();
const header = response.headers.get("PAYMENT-RESPONSE") ?? response.headers.get("X-PAYMENT-RESPONSE");
console.log("\npayment response:");
if (header) {
  const settle = decodePaymentResponseHeader(header);
  console.log(`  success      ${settle.success}`);
  console.log(`  transaction  ${settle.transaction || "(none)"}`);
  console.log(`  payer        ${settle.payer ?? "(unknown)"}`);
  console.log(`  network      ${settle.network}`);
  if (settle.errorReason) console.log(`  error        ${settle.errorReason}`);
  // EVM (CAIP-2 eip155:…, or a v1 name): Solana settlements carry no calldata suffix.
  if (settle.success && !solana && settle.transaction) console.log(`  credited     ${await attribution(settle.transaction as Hex)}`);
} else {
  console.log("  (none: nothing was settled)");
}
const receipt = extractReceiptFromResponse(response);
if (receipt) await printReceipt(receipt, new URL(url).origin);
console.log(`\nbuyer ${payer}`);
console.log(`  before  ${fmt(before)}`);
console.log(`  after   ${fmt(after)}  (${fmt(after - before)})`);
if (!response.ok) process.exitCode = 1;

if (values.siwx) {
  // The same call again: the buyer's access (if the route sells it) is claimed by signing in.
  const again = await pay(url, { method, headers: values.data !== undefined ? { "content-type": "application/json" } : undefined, body: values.data });
  await again.arrayBuffer();
  const afterAgain = await balance();
  console.log("\nsign-in-with-x: the same call again");
  console.log(`  → ${again.status} ${again.statusText}`);
  console.log(`  paid again        ${again.headers.has("payment-response") ? "yes" : "no"}  (${fmt(afterAgain - after)})`);
  console.log(`  access until      ${again.headers.get("x-access-until") ?? "(none: this route does not sell access)"}`);
}

if (paymentId !== undefined) {
  console.log(`\npayment-identifier ${paymentId}`);
  if (!lastPaid) {
    console.log("  no payment was sent, so there is nothing to retry");
  } else {
    // The same signed payment with the same id, as after a lost answer.
    const retry = await fetch(lastPaid.input instanceof Request ? lastPaid.input.url : lastPaid.input, { method, body: values.data, headers: lastPaid.headers });
    const retryText = await retry.text();
    const afterRetry = await balance();
    console.log(`  retry of the same payment → ${retry.status} ${retry.statusText}`);
    console.log(`  same response body        ${retryText === text ? "yes" : "no"}`);
    console.log(`  charged again             ${afterRetry === after ? "no" : `yes (${fmt(afterRetry - after)})`}`);
    if (retry.status === 409 || retry.status === 400) console.log(`  ${retryText}`);
  }
}

/**
 * The offer-receipt extension's signed receipt (specs/extensions/extension-offer-and-receipt.md
 * §5), checked as an agent should, with @x402/extensions alone: an EIP-712 receipt's signer
 * against the one the seller publishes at /.well-known/x402; a JWS receipt's signature with the
 * key its did:web `kid` resolves to (the seller's /.well-known/did.json), and that kid against the
 * published one.
 */
async function printReceipt(signed: SignedReceipt, origin: string): Promise<void> {
  console.log("\nsigned receipt (offer-receipt):");
  const published = await fetch(`${origin}/.well-known/x402`)
    .then((r) => r.json() as Promise<{ offerReceipt?: { signer?: string; kid?: string } }>)
    .then((d) => d.offerReceipt)
    .catch(() => undefined);
  let payload: ReceiptPayload;
  let signedBy: string;
  let matches: boolean;
  try {
    if (signed.format === "eip712") {
      const verified = await verifyReceiptSignatureEIP712(signed);
      payload = verified.payload;
      signedBy = `${verified.signer} (EIP-712)`;
      matches = published?.signer?.toLowerCase() === verified.signer.toLowerCase();
    } else {
      const kid = extractJWSHeader(signed.signature).kid ?? "(no kid)";
      payload = await verifyReceiptSignatureJWS(signed);
      signedBy = `${kid} (JWS, key from its DID document)`;
      matches = published?.kid === kid;
    }
  } catch (error) {
    console.log(`  signature    invalid (${error instanceof Error ? error.message : String(error)})`);
    process.exitCode = 1;
    return;
  }
  console.log(`  signed by    ${signedBy}`);
  console.log(`  published    ${matches ? "yes" : "no"}, at ${origin}/.well-known/x402`);
  console.log(`  resource     ${payload.resourceUrl}`);
  console.log(`  payer        ${payload.payer}`);
  console.log(`  network      ${payload.network}`);
  console.log(`  issued at    ${new Date(payload.issuedAt * 1000).toISOString()}`);
  console.log(`  transaction  ${payload.transaction || "(not included)"}`);
  if (!matches) process.exitCode = 1;
}

/**
 * The builder codes (ERC-8021) the settlement transaction's calldata credits, read with
 * @x402/extensions' parser: the store's `a`, the facilitator's `w`, services' `s`.
 */
async function attribution(transaction: Hex): Promise<string> {
  try {
    const tx = await createPublicClient({ transport: http(devnet.rpcUrl) }).getTransaction({ hash: transaction });
    const codes = parseBuilderCodeSuffixFromCalldata(tx.input);
    if (!codes) return "(no builder codes)";
    return [codes.a && `app ${codes.a}`, codes.w && `facilitator ${codes.w}`, codes.s && `services ${[codes.s].flat().join(", ")}`].filter(Boolean).join("; ") + " (ERC-8021)";
  } catch (error) {
    return `(not read: ${error instanceof Error ? error.message.split("\n")[0] : String(error)})`;
  }
}
