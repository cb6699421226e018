-- DropIndex
DROP INDEX "Payment_createdAt_idx";

-- DropIndex
DROP INDEX "Payment_payer_idx";

-- CreateTable
CREATE TABLE "SignInNonce" (
    "nonce" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "SignInNonce_pkey" PRIMARY KEY ("nonce")
);

-- CreateIndex
CREATE INDEX "SignInNonce_expiresAt_idx" ON "SignInNonce"("expiresAt");

-- CreateIndex
CREATE INDEX "Payment_createdAt_id_idx" ON "Payment"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Payment_payer_createdAt_idx" ON "Payment"("payer", "createdAt");

-- CreateIndex
CREATE INDEX "Payment_network_asset_createdAt_idx" ON "Payment"("network", "asset", "createdAt");

-- CreateIndex
CREATE INDEX "Payment_transaction_idx" ON "Payment"("transaction");
