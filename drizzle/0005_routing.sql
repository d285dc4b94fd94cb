CREATE TABLE "chat_queue" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"ticket_id" uuid NOT NULL,
	"queued_at" timestamp with time zone NOT NULL,
	"position" integer
);
--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "status" text DEFAULT 'offline' NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "status_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "capacity" integer;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "last_assigned_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "chat_queue_order_idx" ON "chat_queue" USING btree ("queued_at","session_id");--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_status_check" CHECK ("agents"."status" in ('online', 'away', 'offline'));--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_capacity_check" CHECK ("agents"."capacity" >= 0);