-- The reconciler audits settled payments against the chain (lib/settlement/reconciler.ts):
-- `confirmedAt` says when the chain was seen to carry one; the index finds those not yet seen.
-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "confirmedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Payment_status_confirmedAt_settledAt_idx" ON "Payment"("status", "confirmedAt", "settledAt");

-- A settled payment the audit disproves goes back to `unknown` (its authorization is still usable)
-- or to `failed` (it can never move): webhook subscribers, who may have fulfilled on
-- `payment.settled`, hear of it as `payment.reconciled` with the new status.
CREATE OR REPLACE FUNCTION tollgate_payment_webhook_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  event_type text;
  event_id text;
  at timestamp(3);
  route record;
BEGIN
  event_type := CASE
    WHEN OLD."status" IN ('pending', 'unknown') THEN 'payment.reconciled'
    -- A settled payment the chain disproved (the facilitator's success named a transaction that
    -- never carried it): now `unknown` or `failed`.
    WHEN OLD."status" = 'settled' AND NEW."status" <> 'settled' THEN 'payment.reconciled'
    -- A settled payment whose transaction the reconciler corrected from the chain.
    WHEN OLD."status" = NEW."status" THEN 'payment.reconciled'
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

CREATE TRIGGER payment_webhook_disproved AFTER UPDATE OF "status" ON "Payment"
  FOR EACH ROW WHEN (OLD."status" = 'settled' AND NEW."status" = 'unknown')
  EXECUTE FUNCTION tollgate_payment_webhook_event();
