-- +goose Up
-- Payments through an XBezahldienste provider (ePayBL). A row is written
-- as PENDING before the provider is asked, completed with the provider's
-- transaction afterwards, and reconciled by polling: next_check_at is when
-- the reconciler looks again (NULL once the status is final).
CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    client_id       TEXT NOT NULL,
    case_id         TEXT NOT NULL REFERENCES cases (id),
    status          TEXT NOT NULL CHECK (status IN ('PENDING', 'INITIAL', 'PAYED', 'FAILED', 'CANCELED')),
    status_detail   TEXT NOT NULL DEFAULT '',
    amount          BIGINT NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL CHECK (currency = 'EUR'),
    purpose         TEXT NOT NULL CHECK (length(purpose) BETWEEN 1 AND 27),
    description     TEXT NOT NULL,
    items           JSONB NOT NULL,
    return_url      TEXT NOT NULL,
    transaction_id  TEXT,
    redirect_url    TEXT,
    payment_method  TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    request_hash    TEXT NOT NULL,
    checks          INTEGER NOT NULL DEFAULT 0,
    next_check_at   TIMESTAMPTZ,
    last_error      TEXT,
    expires_at      TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, client_id, idempotency_key)
);
CREATE INDEX payments_due ON payments (next_check_at);
CREATE INDEX payments_case ON payments (case_id);

-- +goose Down
DROP TABLE payments;
