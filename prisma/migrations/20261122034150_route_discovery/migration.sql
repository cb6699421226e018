-- AlterTable
ALTER TABLE "PricedRoute" ADD COLUMN     "discovery" JSONB;
