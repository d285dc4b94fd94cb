CREATE TABLE "domain_event_positions" (
	"id" integer PRIMARY KEY NOT NULL,
	"last" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "domain_events" (
	"position" bigint PRIMARY KEY NOT NULL,
	"ticket_id" uuid NOT NULL,
	"type" text NOT NULL,
	"message_id" uuid,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "domain_events_ticket_idx" ON "domain_events" USING btree ("ticket_id","position");--> statement-breakpoint
CREATE INDEX "domain_events_created_idx" ON "domain_events" USING btree ("created_at");