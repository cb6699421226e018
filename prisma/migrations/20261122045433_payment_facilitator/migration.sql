-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "facilitator" TEXT;
