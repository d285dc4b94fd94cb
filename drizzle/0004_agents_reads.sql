CREATE TABLE "ticket_reads" (
	"agent_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"customer_messages_read" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_reads_pkey" PRIMARY KEY("agent_id","ticket_id")
);
--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "customer_messages" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_reads" ADD CONSTRAINT "ticket_reads_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_reads" ADD CONSTRAINT "ticket_reads_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Hand-written: tickets from before the counter count the customer messages they already hold.
UPDATE "tickets" t SET "customer_messages" = c.n
FROM (
  SELECT s."ticket_id", count(*)::int AS n
  FROM "chat_messages" m JOIN "chat_sessions" s ON s."id" = m."session_id"
  WHERE m."sender_type" = 'client'
  GROUP BY s."ticket_id"
) c
WHERE t."id" = c."ticket_id";
