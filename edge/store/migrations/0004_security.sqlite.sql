-- frozen by edge.store.schema_sql for migration 0004_security; never edit
CREATE TABLE "document_chain" ("id" INTEGER NOT NULL PRIMARY KEY, "series_id" INTEGER NOT NULL, "number" VARCHAR(16) NOT NULL, "document_uuid" TEXT NOT NULL, "revision" INTEGER NOT NULL, "event" VARCHAR(12) NOT NULL, "content_hash" VARCHAR(64) NOT NULL, "prev_hash" VARCHAR(64) NOT NULL, "hash" VARCHAR(64) NOT NULL, "at" DATETIME NOT NULL, FOREIGN KEY ("series_id") REFERENCES "invoice_series" ("id") ON DELETE RESTRICT);
CREATE INDEX "document_chain_series_id" ON "document_chain" ("series_id");
CREATE INDEX "document_chain_series_id_id" ON "document_chain" ("series_id", "id");
CREATE INDEX "document_chain_document_uuid_revision" ON "document_chain" ("document_uuid", "revision");
ALTER TABLE "user" ADD COLUMN "totp_last_step" INTEGER;
ALTER TABLE "user_session" ADD COLUMN "stage" VARCHAR(8) NOT NULL DEFAULT 'active';
