-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "settleRequest" JSONB;
