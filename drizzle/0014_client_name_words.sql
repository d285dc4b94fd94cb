-- The words of customers' names, stored: a search by name rechecks every customer its index
-- finds (a prefix `renata:*` or a trigram match), and parsing each name again with unaccent
-- cost ~2 µs a customer (a common first name finds thousands: 7 ms at 200,000 customers).
-- Outside the Drizzle model (server/db/schema.ts) so no select() of a customer carries it.
-- On a big database this rewrites clients (ADD COLUMN … STORED) and blocks writes meanwhile.
DROP INDEX IF EXISTS "clients_name_search_idx";--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN IF NOT EXISTS "name_search" tsvector GENERATED ALWAYS AS (to_tsvector('simple_unaccent', "name")) STORED;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "clients_name_search_idx" ON "clients" USING gin ("name_search");
