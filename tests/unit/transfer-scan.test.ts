/**
 * The reconciler's question for each transfer to a payTo it scans: is this a payment Tollgate
 * knows? (lib/settlement/data.ts, on a real PGlite with the real migrations.) The scan runs while
 * payments are being settled, so the answer must hold when a row settles mid-question: the test
 * settles the row right after the lookup's first read of the payments table. When the lookup read
 * twice (settled rows by transaction, then open rows), a row that settled between the two reads
 * matched neither, and its transfer was flagged as one without a record.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { recordSettled } from "@/lib/payments/mutations";
import { isSvmTransferAccountedFor, isTransferAccountedFor } from "@/lib/settlement/data";
import { storeOrphanTransfer, unflagRecordedOrphans } from "@/lib/settlement/mutations";
import type { OnchainRef } from "@/lib/settlement/onchain";
import { settlingPayment as claimSettling } from "../support/payments";
import { usePglite } from "../support/pglite";

const database = usePglite("transfer-scan");
const EVM = "eip155:84532";
const SVM = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const PAY_TO = "0x2222222222222222222222222222222222222222";
let routeId: string;
let seq = 0;

beforeAll(async () => {
  routeId = (await database().prisma.pricedRoute.create({ data: { method: "GET", pathPattern: "/api/items/:id" } })).id;
});

/** A payment claimed and moved to `settling` (tests/support/payments.ts) on `network`, for `onchainRef`'s payer. */
async function settlingPayment(network: string, onchainRef: OnchainRef, amount = "20000"): Promise<string> {
  seq++;
  const payer = onchainRef.kind === "eip3009" ? onchainRef.from : onchainRef.payer;
  return claimSettling(database().prisma, routeId, { network, amount, payer, payTo: PAY_TO, onchainRef });
}

/**
 * The database as the lookup sees it, except that right after its first read of the payments
 * table, `settle` runs (once): the row settles in the middle of the question.
 */
function settlingMidQuestion(settle: () => Promise<unknown>): PrismaClient {
  let done = false;
  const afterFirstRead = async <T,>(result: T): Promise<T> => {
    if (!done) {
      done = true;
      await settle();
    }
    return result;
  };
  return database().prisma.$extends({
    query: {
      payment: {
        findFirst: async ({ args, query }) => afterFirstRead(await query(args)),
        findMany: async ({ args, query }) => afterFirstRead(await query(args)),
      },
    },
  }) as unknown as PrismaClient;
}

const evmRef = (from: string): OnchainRef => ({ kind: "eip3009", from, nonce: `0x${seq.toString(16).padStart(64, "0")}`, validBefore: "9999999999" });
const hash = (n: number) => `0x${n.toString(16).padStart(64, "a")}`;

describe("isTransferAccountedFor (EVM)", () => {
  it("knows a transfer whose payment settles while the question is asked", async () => {
    const from = "0x3333333333333333333333333333333333333333";
    const id = await settlingPayment(EVM, evmRef(from));
    const transaction = hash(1);
    const db = settlingMidQuestion(() => recordSettled(database().prisma, id, { transaction }));
    expect(await isTransferAccountedFor(db, { network: EVM, payTo: PAY_TO, transaction, from, amount: 20_000n })).toBe(true);
    expect((await database().prisma.payment.findUniqueOrThrow({ where: { id } })).status).toBe("settled");
  });

  it("knows a settled payment by its transaction, and an open one by payer, payTo and amount", async () => {
    const from = "0x4444444444444444444444444444444444444444";
    const settled = await settlingPayment(EVM, evmRef(from), "30000");
    await recordSettled(database().prisma, settled, { transaction: hash(2) });
    expect(await isTransferAccountedFor(database().prisma, { network: EVM, payTo: PAY_TO, transaction: hash(2).toUpperCase().replace("0X", "0x"), from, amount: 30_000n })).toBe(true);
    await settlingPayment(EVM, evmRef(from), "40000");
    expect(await isTransferAccountedFor(database().prisma, { network: EVM, payTo: PAY_TO, transaction: hash(3), from, amount: 40_000n })).toBe(true);
  });

  it("flags a transfer no payment names: another payer, another amount, or nothing open", async () => {
    const from = "0x5555555555555555555555555555555555555555";
    await settlingPayment(EVM, evmRef(from), "50000");
    const other = "0x6666666666666666666666666666666666666666";
    expect(await isTransferAccountedFor(database().prisma, { network: EVM, payTo: PAY_TO, transaction: hash(4), from: other, amount: 50_000n })).toBe(false);
    expect(await isTransferAccountedFor(database().prisma, { network: EVM, payTo: PAY_TO, transaction: hash(5), from, amount: 50_001n })).toBe(false);
    expect(await isTransferAccountedFor(database().prisma, { network: EVM, payTo: "0x7777777777777777777777777777777777777777", transaction: hash(6), from, amount: 50_000n })).toBe(false);
  });
});

describe("isSvmTransferAccountedFor (Solana)", () => {
  const svmRef = (messageHash: string): OnchainRef => ({ kind: "svm", payer: "EgoNaCTkgH4FRAMQcymeua6hqr1Cq6KnJt1vGyoqx7Uu", messageHash, blockhash: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU" });

  it("knows a transfer whose payment settles while the question is asked", async () => {
    const id = await settlingPayment(SVM, svmRef("message-1"));
    const signature = "3ggMe23R2M9hMcvrc2phPZxWvoRYWx4jVr4p4oSTM2smujhm1ctqANiXposoptmk4Ug24FHyF1AXzitYxsJ5VpF3";
    const db = settlingMidQuestion(() => recordSettled(database().prisma, id, { transaction: signature }));
    expect(await isSvmTransferAccountedFor(db, { network: SVM, signature, messageHash: "message-1" })).toBe(true);
  });

  it("flags a transfer whose signature and message no payment names", async () => {
    await settlingPayment(SVM, svmRef("message-2"));
    expect(await isSvmTransferAccountedFor(database().prisma, { network: SVM, signature: "5".repeat(88), messageHash: "message-3" })).toBe(false);
    expect(await isSvmTransferAccountedFor(database().prisma, { network: SVM, signature: "6".repeat(88), messageHash: "message-2" })).toBe(true);
  });
});

describe("unflagRecordedOrphans", () => {
  it("unflags a stored orphan once a payment names its transaction, and keeps the rest", async () => {
    const db = database().prisma;
    const orphan = (network: string, transaction: string) =>
      storeOrphanTransfer(db, { network, asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", payTo: PAY_TO, from: "0x8888888888888888888888888888888888888888", amount: 20_000n, transaction, logIndex: 0, blockNumber: 7n });
    const evmPaid = `0x${"AB".repeat(32)}`; // stored as an RPC might spell it; the payment has it lower-cased
    const evmStray = `0x${"cd".repeat(32)}`;
    const svmPaid = "4Zv7".repeat(22);
    const svmStray = "5Qk9".repeat(22); // its lower-case spelling is a payment's signature: not the same signature
    for (const [network, tx] of [[EVM, evmPaid], [EVM, evmStray], [SVM, svmPaid], [SVM, svmStray]] as const) await orphan(network, tx);
    for (const [network, tx] of [[EVM, evmPaid.toLowerCase()], [SVM, svmPaid], [SVM, svmStray.toLowerCase()]] as const) {
      const id = await settlingPayment(network, network === EVM ? evmRef("0x9999999999999999999999999999999999999999") : { kind: "svm", payer: "EgoNaCTkgH4FRAMQcymeua6hqr1Cq6KnJt1vGyoqx7Uu", messageHash: `m-${seq}`, blockhash: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU" });
      await recordSettled(db, id, { transaction: tx });
    }
    const flagged = async () => (await db.orphanTransfer.findMany({ select: { transaction: true } })).map((o) => o.transaction).sort();

    const preview = await unflagRecordedOrphans(db, { dryRun: true });
    expect(preview.map((o) => o.transaction).sort()).toEqual([evmPaid, svmPaid].sort());
    expect(await flagged()).toEqual([evmPaid, evmStray, svmPaid, svmStray].sort());

    const unflagged = await unflagRecordedOrphans(db);
    expect(unflagged.map((o) => o.transaction).sort()).toEqual([evmPaid, svmPaid].sort());
    expect(await flagged()).toEqual([evmStray, svmStray].sort());
    expect(await unflagRecordedOrphans(db)).toEqual([]);
  });
});
