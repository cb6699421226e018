-- AlterTable
ALTER TABLE "PaidResponse" ADD COLUMN     "streamed" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "PricedRoute" ADD COLUMN     "settleAfterComplete" BOOLEAN NOT NULL DEFAULT false;
