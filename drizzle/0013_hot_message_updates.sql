DROP INDEX "chat_sessions_active_activity_idx";--> statement-breakpoint
CREATE INDEX "chat_sessions_active_started_idx" ON "chat_sessions" USING btree ("started_at") WHERE "chat_sessions"."status" = 'active';--> statement-breakpoint
-- Room on each page for a row's next version, so the updates every message batch makes (a
-- session's last seq and activity, a ticket's customer-message counter) stay on the page and
-- write no index entry (HOT). Applies to pages written from now on.
ALTER TABLE "chat_sessions" SET (fillfactor = 90);--> statement-breakpoint
ALTER TABLE "tickets" SET (fillfactor = 90);
