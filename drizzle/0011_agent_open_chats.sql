ALTER TABLE "agents" ADD COLUMN "open_chats" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The open chats each agent holds now: active sessions of the tickets assigned to it.
UPDATE "agents" SET "open_chats" = "open"."n"
FROM (
	SELECT "t"."assignee_id", count(*)::int AS "n"
	FROM "chat_sessions" "s" JOIN "tickets" "t" ON "t"."id" = "s"."ticket_id"
	WHERE "s"."status" = 'active' AND "t"."assignee_id" IS NOT NULL
	GROUP BY "t"."assignee_id"
) AS "open"
WHERE "agents"."id" = "open"."assignee_id";
