-- Hand-edited (drizzle-kit's statements, reordered, with the backfills). Tickets: which are a
-- returning customer's, worked out by creation time (number breaking ties) as ticket creation
-- and merges keep it. Added as true (no table rewrite), then each customer's first ticket is
-- set false (one row per customer rewritten, not one per ticket), then the default becomes
-- false; the reports index is built once, over the filled column.
ALTER TABLE "tickets" ADD COLUMN "returning_client" boolean DEFAULT true NOT NULL;--> statement-breakpoint
UPDATE "tickets" t SET "returning_client" = false
FROM (SELECT DISTINCT ON ("client_id") "id" FROM "tickets" ORDER BY "client_id", "created_at", "number") f
WHERE t."id" = f."id";--> statement-breakpoint
ALTER TABLE "tickets" ALTER COLUMN "returning_client" SET DEFAULT false;--> statement-breakpoint
DROP INDEX "tickets_created_at_idx";--> statement-breakpoint
CREATE INDEX "tickets_created_at_reports_idx" ON "tickets" USING btree ("created_at","source","status","resolved_at","closed_at","returning_client","client_id");--> statement-breakpoint
-- Chat sessions: the new columns added nullable and filled in one pass; ticket_created_at is then
-- made NOT NULL. Sessions from before these columns take their first-response facts from their
-- messages, as the message writes keep them: the first customer message in seq order, and the
-- first agent message after it in seq order, never earlier than the customer's.
ALTER TABLE "chat_sessions" ADD COLUMN "ticket_created_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD COLUMN "first_customer_message_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD COLUMN "first_agent_reply_at" timestamp with time zone;--> statement-breakpoint
WITH first_customer AS (
  SELECT "session_id", min("seq") AS seq FROM "chat_messages" WHERE "sender_type" = 'client' GROUP BY "session_id"
), first_reply AS (
  SELECT m."session_id", min(m."seq") AS seq
  FROM "chat_messages" m JOIN first_customer c ON c."session_id" = m."session_id"
  WHERE m."sender_type" = 'agent' AND m."seq" > c.seq
  GROUP BY m."session_id"
), facts AS (
  SELECT s."id", t."created_at" AS ticket_created_at, cm."created_at" AS customer_at,
    CASE WHEN am."created_at" IS NOT NULL THEN greatest(am."created_at", cm."created_at") END AS reply_at
  FROM "chat_sessions" s
  JOIN "tickets" t ON t."id" = s."ticket_id"
  LEFT JOIN first_customer c ON c."session_id" = s."id"
  LEFT JOIN "chat_messages" cm ON cm."session_id" = c."session_id" AND cm."seq" = c.seq
  LEFT JOIN first_reply r ON r."session_id" = s."id"
  LEFT JOIN "chat_messages" am ON am."session_id" = r."session_id" AND am."seq" = r.seq
)
UPDATE "chat_sessions" s SET
  "ticket_created_at" = f.ticket_created_at,
  "first_customer_message_at" = f.customer_at,
  "first_agent_reply_at" = f.reply_at
FROM facts f
WHERE s."id" = f."id";--> statement-breakpoint
ALTER TABLE "chat_sessions" ALTER COLUMN "ticket_created_at" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "chat_sessions_ticket_created_at_idx" ON "chat_sessions" USING btree ("ticket_created_at");
