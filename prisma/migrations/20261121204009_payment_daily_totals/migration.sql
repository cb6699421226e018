-- CreateTable
CREATE TABLE "PaymentDailyTotal" (
    "day" DATE NOT NULL,
    "routeId" TEXT NOT NULL,
    "status" "PaymentStatus" NOT NULL,
    "network" TEXT NOT NULL,
    "asset" TEXT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,
    "amount" DECIMAL(78,0) NOT NULL DEFAULT 0,

    CONSTRAINT "PaymentDailyTotal_pkey" PRIMARY KEY ("day","routeId","status","network","asset")
);

-- CreateIndex
CREATE INDEX "PaymentDailyTotal_routeId_day_idx" ON "PaymentDailyTotal"("routeId", "day");

-- Keep "PaymentDailyTotal" in step with "Payment": statement-level triggers with transition
-- tables, so a bulk insert or update aggregates once per statement rather than once per row.
-- Backfill what already exists first.
INSERT INTO "PaymentDailyTotal" ("day", "routeId", "status", "network", "asset", "count", "amount")
SELECT "createdAt"::date, COALESCE("routeId", ''), "status", "network", "asset", COUNT(*), SUM("amount")
FROM "Payment" GROUP BY 1, 2, 3, 4, 5;

CREATE FUNCTION tollgate_payment_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "PaymentDailyTotal" AS t ("day", "routeId", "status", "network", "asset", "count", "amount")
  SELECT "createdAt"::date, COALESCE("routeId", ''), "status", "network", "asset", COUNT(*), SUM("amount")
  FROM new_rows GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT ("day", "routeId", "status", "network", "asset")
  DO UPDATE SET "count" = t."count" + EXCLUDED."count", "amount" = t."amount" + EXCLUDED."amount";
  RETURN NULL;
END $$;

CREATE FUNCTION tollgate_payment_totals_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "PaymentDailyTotal" AS t SET "count" = t."count" - o."count", "amount" = t."amount" - o."amount"
  FROM (SELECT "createdAt"::date AS "day", COALESCE("routeId", '') AS "routeId", "status", "network", "asset", COUNT(*) AS "count", SUM("amount") AS "amount"
        FROM old_rows GROUP BY 1, 2, 3, 4, 5) AS o
  WHERE t."day" = o."day" AND t."routeId" = o."routeId" AND t."status" = o."status" AND t."network" = o."network" AND t."asset" = o."asset";
  RETURN NULL;
END $$;

CREATE FUNCTION tollgate_payment_totals_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "PaymentDailyTotal" AS t SET "count" = t."count" - o."count", "amount" = t."amount" - o."amount"
  FROM (SELECT "createdAt"::date AS "day", COALESCE("routeId", '') AS "routeId", "status", "network", "asset", COUNT(*) AS "count", SUM("amount") AS "amount"
        FROM old_rows GROUP BY 1, 2, 3, 4, 5) AS o
  WHERE t."day" = o."day" AND t."routeId" = o."routeId" AND t."status" = o."status" AND t."network" = o."network" AND t."asset" = o."asset";
  INSERT INTO "PaymentDailyTotal" AS t ("day", "routeId", "status", "network", "asset", "count", "amount")
  SELECT "createdAt"::date, COALESCE("routeId", ''), "status", "network", "asset", COUNT(*), SUM("amount")
  FROM new_rows GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT ("day", "routeId", "status", "network", "asset")
  DO UPDATE SET "count" = t."count" + EXCLUDED."count", "amount" = t."amount" + EXCLUDED."amount";
  RETURN NULL;
END $$;

CREATE TRIGGER payment_totals_insert AFTER INSERT ON "Payment"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tollgate_payment_totals_add();
CREATE TRIGGER payment_totals_update AFTER UPDATE ON "Payment"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tollgate_payment_totals_move();
CREATE TRIGGER payment_totals_delete AFTER DELETE ON "Payment"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tollgate_payment_totals_remove();
