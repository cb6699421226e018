-- CreateTable
CREATE TABLE "GasNonce" (
    "network" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "next" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GasNonce_pkey" PRIMARY KEY ("network","address")
);
