-- CreateEnum
CREATE TYPE "RouteState" AS ENUM ('charging', 'free', 'blocked');

-- AlterTable: a disabled route was served free, which is what `free` says; enabled ones charge.
ALTER TABLE "PricedRoute" ADD COLUMN "state" "RouteState" NOT NULL DEFAULT 'charging';
UPDATE "PricedRoute" SET "state" = 'free' WHERE NOT "enabled";
ALTER TABLE "PricedRoute" DROP COLUMN "enabled";

-- CreateTable
CREATE TABLE "RouteAudit" (
    "id" TEXT NOT NULL,
    "routeId" TEXT,
    "label" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RouteAudit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RouteAudit_routeId_createdAt_idx" ON "RouteAudit"("routeId", "createdAt");

-- AddForeignKey
ALTER TABLE "RouteAudit" ADD CONSTRAINT "RouteAudit_routeId_fkey" FOREIGN KEY ("routeId") REFERENCES "PricedRoute"("id") ON DELETE SET NULL ON UPDATE CASCADE;
