-- Search (PROTOCOL §11). pg_trgm and unaccent ship with PostgreSQL (contrib) and are trusted
-- extensions (PostgreSQL 13+): a role with CREATE on the database may create them, no superuser
-- needed. PGlite has them only when given them at construction (server/db/pgliteExtensions.ts).
-- On a big database this migration takes a while and blocks writes meanwhile: the two ADD COLUMNs
-- rewrite tickets and chat_messages, and the indexes are built (IF NOT EXISTS, so they may be
-- built beforehand with CREATE INDEX CONCURRENTLY under the same names and expressions).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
-- Word search with accents ignored: the unaccent dictionary strips each word's accents before
-- the next dictionary sees it, so "Entregá", "entrega" and "entregas" share the stem "entreg".
-- to_tsvector(regconfig, text) is IMMUTABLE, so it serves in stored columns and index expressions as is.
CREATE TEXT SEARCH CONFIGURATION portuguese_unaccent (COPY = portuguese);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION portuguese_unaccent ALTER MAPPING FOR hword, hword_part, word WITH unaccent, portuguese_stem;--> statement-breakpoint
-- Names: the same without stemming (a name is not inflected: "Marcos" is not "Marcia").
CREATE TEXT SEARCH CONFIGURATION simple_unaccent (COPY = simple);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION simple_unaccent ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;--> statement-breakpoint
-- The words of subjects and messages, stored: a search that checks the newest tickets one by one
-- reads them instead of parsing each text again (to_tsvector costs ~15 µs a message). Outside the
-- Drizzle model (server/db/schema.ts) so no select() of a ticket or message carries them.
ALTER TABLE "tickets" ADD COLUMN IF NOT EXISTS "subject_search" tsvector GENERATED ALWAYS AS (to_tsvector('portuguese_unaccent', "subject")) STORED;--> statement-breakpoint
ALTER TABLE "chat_messages" ADD COLUMN IF NOT EXISTS "body_search" tsvector GENERATED ALWAYS AS (to_tsvector('portuguese_unaccent', "body")) STORED;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "tickets_subject_search_idx" ON "tickets" USING gin ("subject_search");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "chat_messages_body_search_idx" ON "chat_messages" USING gin ("body_search");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "clients_name_search_idx" ON "clients" USING gin (to_tsvector('simple_unaccent', "name"));--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "clients_name_trgm_idx" ON "clients" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "clients_email_trgm_idx" ON "clients" USING gin ("email" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "clients_phone_trgm_idx" ON "clients" USING gin ("phone" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "tickets_subject_trgm_idx" ON "tickets" USING gin ("subject" gin_trgm_ops);