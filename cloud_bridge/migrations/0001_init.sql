-- Cloud schema 1: the replicated event log per store, projections, dead letters.
CREATE TABLE IF NOT EXISTS schema_migration (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS store_state (
    store_id text PRIMARY KEY,
    applied_seq bigint NOT NULL DEFAULT 0,      -- every event up to here is applied, in order
    max_seen_seq bigint NOT NULL DEFAULT 0,     -- highest sequence received
    last_resend_request timestamptz,
    gap_since timestamptz,                      -- when the current hole was first seen
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS event (
    store_id text NOT NULL,
    seq bigint NOT NULL,
    uuid uuid NOT NULL,
    type text NOT NULL,
    schema integer NOT NULL,
    at timestamptz NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    applied_at timestamptz,
    PRIMARY KEY (store_id, seq)
);

CREATE TABLE IF NOT EXISTS invoice (
    store_id text NOT NULL,
    uuid uuid NOT NULL,
    number text NOT NULL,
    issued_at timestamptz NOT NULL,
    status text NOT NULL,
    revision integer NOT NULL DEFAULT 0,
    total_paise bigint NOT NULL,
    taxable_paise bigint NOT NULL,
    tax_paise bigint NOT NULL,
    document jsonb NOT NULL,
    last_seq bigint NOT NULL,
    PRIMARY KEY (store_id, uuid),
    UNIQUE (store_id, number)
);

CREATE TABLE IF NOT EXISTS payment (
    store_id text NOT NULL,
    uuid uuid NOT NULL,
    invoice_uuid uuid NOT NULL,
    kind text NOT NULL,
    method text NOT NULL,
    amount_paise bigint NOT NULL,
    reference text NOT NULL DEFAULT '',
    last_seq bigint NOT NULL,
    PRIMARY KEY (store_id, uuid)
);

CREATE TABLE IF NOT EXISTS record (
    store_id text NOT NULL,
    kind text NOT NULL,
    uuid uuid NOT NULL,
    document jsonb NOT NULL,
    last_seq bigint NOT NULL,
    PRIMARY KEY (store_id, kind, uuid)
);

CREATE TABLE IF NOT EXISTS dead_letter (
    id bigserial PRIMARY KEY,
    topic text NOT NULL,
    payload bytea NOT NULL,
    error text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
