-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

-- CreateTable
CREATE TABLE "WebhookEndpoint" (
    "id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "events" TEXT[],
    "secret" TEXT NOT NULL,
    "previousSecret" TEXT,
    "previousSecretUntil" TIMESTAMP(3),
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "source" TEXT NOT NULL DEFAULT 'dashboard',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WebhookEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "paymentId" TEXT,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "endpointId" TEXT NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retryUntil" TIMESTAMP(3),
    "lockedUntil" TIMESTAMP(3),
    "lastStatusCode" INTEGER,
    "lastLatencyMs" INTEGER,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookAttempt" (
    "id" TEXT NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "attemptedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "statusCode" INTEGER,
    "latencyMs" INTEGER NOT NULL,
    "error" TEXT,
    "response" TEXT,

    CONSTRAINT "WebhookAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebhookEvent_createdAt_idx" ON "WebhookEvent"("createdAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_endpointId_createdAt_idx" ON "WebhookDelivery"("endpointId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_eventId_endpointId_key" ON "WebhookDelivery"("eventId", "endpointId");

-- CreateIndex
CREATE INDEX "WebhookAttempt_deliveryId_attemptedAt_idx" ON "WebhookAttempt"("deliveryId", "attemptedAt");

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "WebhookEvent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "WebhookEndpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookAttempt" ADD CONSTRAINT "WebhookAttempt_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "WebhookDelivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The webhook outbox. A payment reaching `settled` or `failed` writes its event, and one delivery
-- per enabled endpoint subscribed to it, in the same transaction as the state change: whoever
-- writes it (the paid request, a retry, the reconciler, the journal replay), the event cannot be
-- lost or written for a change that rolled back. No endpoint subscribed → nothing is written.
--   settling → settled: payment.settled      settling → failed: payment.failed
--   pending/unknown → settled/failed: payment.reconciled (an open payment resolved later)
CREATE FUNCTION tollgate_payment_webhook_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  event_type text;
  event_id text;
  at timestamp(3);
  route record;
BEGIN
  event_type := CASE
    WHEN OLD."status" IN ('pending', 'unknown') THEN 'payment.reconciled'
    WHEN NEW."status" = 'settled' THEN 'payment.settled'
    ELSE 'payment.failed' END;
  IF NOT EXISTS (SELECT 1 FROM "WebhookEndpoint" WHERE "enabled" AND event_type = ANY("events")) THEN
    RETURN NULL;
  END IF;
  event_id := 'msg_' || replace(gen_random_uuid()::text, '-', '');
  at := clock_timestamp() AT TIME ZONE 'UTC';
  SELECT "method", "pathPattern" INTO route FROM "PricedRoute" WHERE "id" = NEW."routeId";
  INSERT INTO "WebhookEvent" ("id", "type", "paymentId", "payload", "createdAt")
  VALUES (event_id, event_type, NEW."id", jsonb_build_object(
    'type', event_type,
    'timestamp', to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'data', jsonb_build_object(
      'id', NEW."id",
      'status', NEW."status",
      'route', jsonb_build_object('id', NEW."routeId", 'method', route."method", 'path', route."pathPattern"),
      'method', NEW."method",
      'resource', NEW."resource",
      'scheme', NEW."scheme",
      'network', NEW."network",
      'asset', NEW."asset",
      'amount', NEW."amount"::text,
      'payer', NEW."payer",
      'payTo', NEW."payTo",
      'transaction', NEW."transaction",
      'errorReason', NEW."errorReason",
      'facilitator', NEW."facilitator",
      'x402Version', NEW."x402Version",
      'createdAt', to_char(NEW."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'settledAt', to_char(NEW."settledAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))), at);
  INSERT INTO "WebhookDelivery" ("id", "eventId", "endpointId", "status", "attempts", "nextAttemptAt", "createdAt")
  SELECT 'wd_' || replace(gen_random_uuid()::text, '-', ''), event_id, e."id", 'pending', 0, at, at
  FROM "WebhookEndpoint" e WHERE e."enabled" AND event_type = ANY(e."events");
  RETURN NULL;
END $$;

CREATE TRIGGER payment_webhook_event AFTER UPDATE OF "status" ON "Payment"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status" AND NEW."status" IN ('settled', 'failed'))
  EXECUTE FUNCTION tollgate_payment_webhook_event();
