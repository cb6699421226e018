-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "PaymentStatus" ADD VALUE 'settling';
ALTER TYPE "PaymentStatus" ADD VALUE 'unknown';

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "checkedAt" TIMESTAMP(3),
ADD COLUMN     "onchainRef" JSONB;

-- CreateTable
CREATE TABLE "PaidResponse" (
    "paymentId" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "headers" JSONB NOT NULL,
    "body" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "PaidResponse_pkey" PRIMARY KEY ("paymentId")
);

-- CreateTable
CREATE TABLE "JobLease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobLease_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "ReconcileRun" (
    "id" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "dryRun" BOOLEAN NOT NULL,
    "checked" INTEGER NOT NULL DEFAULT 0,
    "settled" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "unresolved" INTEGER NOT NULL DEFAULT 0,
    "orphans" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "ReconcileRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrphanTransfer" (
    "id" TEXT NOT NULL,
    "network" TEXT NOT NULL,
    "asset" TEXT NOT NULL,
    "payTo" TEXT NOT NULL,
    "from" TEXT NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "transaction" TEXT NOT NULL,
    "logIndex" INTEGER NOT NULL,
    "blockNumber" BIGINT NOT NULL,
    "foundAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OrphanTransfer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChainScanCursor" (
    "key" TEXT NOT NULL,
    "block" BIGINT NOT NULL,

    CONSTRAINT "ChainScanCursor_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "PaidResponse_createdAt_idx" ON "PaidResponse"("createdAt");

-- CreateIndex
CREATE INDEX "ReconcileRun_startedAt_idx" ON "ReconcileRun"("startedAt");

-- CreateIndex
CREATE INDEX "OrphanTransfer_foundAt_idx" ON "OrphanTransfer"("foundAt");

-- CreateIndex
CREATE UNIQUE INDEX "OrphanTransfer_network_transaction_logIndex_key" ON "OrphanTransfer"("network", "transaction", "logIndex");

-- AddForeignKey
ALTER TABLE "PaidResponse" ADD CONSTRAINT "PaidResponse_paymentId_fkey" FOREIGN KEY ("paymentId") REFERENCES "Payment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
