-- +goose Up
-- Migrations are written in PostgreSQL's dialect; sqlstore.TranslateDDL
-- derives the SQLite form. Every table carries its owning tenant.
-- Version ranges per area keep parallel work apart:
-- 1–99 foundation, 100–199 oauth, 200–299 submissions, 300–399 portal,
-- 400–499 mappings, 500–599 connectors.

CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 63),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL
);

-- The transactional outbox: written in the transaction of the state change,
-- relayed to the bus afterwards and deleted once the broker confirmed it.
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    topic      TEXT NOT NULL,
    metadata   JSONB NOT NULL,
    payload    BYTEA NOT NULL,
    not_before TIMESTAMPTZ NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_due ON outbox (not_before, id);

-- The inbox: message ids a consumer has already applied, so that a message
-- delivered twice takes effect once.
CREATE TABLE inbox (
    consumer     TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    processed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, message_id)
);

-- +goose Down
DROP TABLE inbox;
DROP TABLE outbox;
DROP TABLE tenants;
