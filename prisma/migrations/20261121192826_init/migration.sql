-- CreateEnum
CREATE TYPE "RouteKind" AS ENUM ('api', 'page');

-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('pending', 'settled', 'failed');

-- CreateTable
CREATE TABLE "PricedRoute" (
    "id" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "pathPattern" TEXT NOT NULL,
    "kind" "RouteKind" NOT NULL DEFAULT 'api',
    "description" TEXT NOT NULL DEFAULT '',
    "mimeType" TEXT NOT NULL DEFAULT 'application/json',
    "accessWindowSeconds" INTEGER NOT NULL DEFAULT 86400,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PricedRoute_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PaymentOption" (
    "id" TEXT NOT NULL,
    "routeId" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "scheme" TEXT NOT NULL DEFAULT 'exact',
    "network" TEXT NOT NULL,
    "asset" TEXT NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "payTo" TEXT NOT NULL,
    "extra" JSONB NOT NULL DEFAULT '{}',
    "maxTimeoutSeconds" INTEGER NOT NULL DEFAULT 300,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PaymentOption_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RouteTableRevision" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RouteTableRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Payment" (
    "id" TEXT NOT NULL,
    "routeId" TEXT,
    "resource" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "payer" TEXT,
    "scheme" TEXT NOT NULL,
    "network" TEXT NOT NULL,
    "asset" TEXT NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "payTo" TEXT NOT NULL,
    "transaction" TEXT,
    "status" "PaymentStatus" NOT NULL DEFAULT 'pending',
    "errorReason" TEXT,
    "x402Version" INTEGER NOT NULL,
    "paymentKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "settledAt" TIMESTAMP(3),

    CONSTRAINT "Payment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PricedRoute_method_pathPattern_key" ON "PricedRoute"("method", "pathPattern");

-- CreateIndex
CREATE INDEX "PaymentOption_routeId_idx" ON "PaymentOption"("routeId");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_paymentKey_key" ON "Payment"("paymentKey");

-- CreateIndex
CREATE INDEX "Payment_createdAt_idx" ON "Payment"("createdAt");

-- CreateIndex
CREATE INDEX "Payment_routeId_createdAt_idx" ON "Payment"("routeId", "createdAt");

-- CreateIndex
CREATE INDEX "Payment_payer_idx" ON "Payment"("payer");

-- CreateIndex
CREATE INDEX "Payment_status_createdAt_idx" ON "Payment"("status", "createdAt");

-- AddForeignKey
ALTER TABLE "PaymentOption" ADD CONSTRAINT "PaymentOption_routeId_fkey" FOREIGN KEY ("routeId") REFERENCES "PricedRoute"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_routeId_fkey" FOREIGN KEY ("routeId") REFERENCES "PricedRoute"("id") ON DELETE SET NULL ON UPDATE CASCADE;
