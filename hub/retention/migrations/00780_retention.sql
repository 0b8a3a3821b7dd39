-- +goose Up
-- Retention: each tenant's periods per data kind (a kind without a row has
-- the default its module declares), and the log of what the deletion job
-- deleted: counts per tenant and kind, never content.
CREATE TABLE retention_periods (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    kind           TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 63),
    -- NULL: never deleted by period
    period_seconds BIGINT CHECK (period_seconds >= 0),
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);

CREATE TABLE retention_log (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    kind       TEXT NOT NULL,
    deleted    INTEGER NOT NULL CHECK (deleted > 0),
    cutoff     TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX retention_log_tenant ON retention_log (tenant_id, created_at);

-- +goose Down
DROP TABLE retention_log;
DROP TABLE retention_periods;
