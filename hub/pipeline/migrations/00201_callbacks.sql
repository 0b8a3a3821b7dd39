-- +goose Up
-- Vendors' callback URLs, and the event deliveries waiting for them. A
-- delivery row is written in the transaction of its event; the dispatcher
-- leases due rows, POSTs outside any transaction, then deletes or
-- reschedules them.
CREATE TABLE callbacks (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    client_id  TEXT NOT NULL,
    url        TEXT NOT NULL,
    secret     BYTEA NOT NULL, -- sealed with the key-encryption key
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, client_id)
);

CREATE TABLE callback_deliveries (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    client_id  TEXT NOT NULL,
    event_id   TEXT NOT NULL REFERENCES case_events (id),
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    TIMESTAMPTZ NOT NULL,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX callback_deliveries_due ON callback_deliveries (next_at);

-- +goose Down
DROP TABLE callback_deliveries;
DROP TABLE callbacks;
