-- AlterTable
ALTER TABLE "PricedRoute" ADD COLUMN     "freeQuota" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "freeQuotaWindowSeconds" INTEGER NOT NULL DEFAULT 86400;

-- CreateTable
CREATE TABLE "QuotaUsage" (
    "routeId" TEXT NOT NULL,
    "identity" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "used" INTEGER NOT NULL,

    CONSTRAINT "QuotaUsage_pkey" PRIMARY KEY ("routeId","identity","windowStart")
);

-- AddForeignKey
ALTER TABLE "QuotaUsage" ADD CONSTRAINT "QuotaUsage_routeId_fkey" FOREIGN KEY ("routeId") REFERENCES "PricedRoute"("id") ON DELETE CASCADE ON UPDATE CASCADE;
