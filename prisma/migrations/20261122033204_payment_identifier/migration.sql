-- CreateEnum
CREATE TYPE "PaymentIdentifierMode" AS ENUM ('off', 'optional', 'required');

-- AlterTable
ALTER TABLE "PaidResponse" ADD COLUMN     "keepUntil" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "paymentIdentifier" TEXT;

-- AlterTable
ALTER TABLE "PricedRoute" ADD COLUMN     "paymentIdentifier" "PaymentIdentifierMode" NOT NULL DEFAULT 'optional';

-- CreateIndex
CREATE UNIQUE INDEX "Payment_paymentIdentifier_key" ON "Payment"("paymentIdentifier");
