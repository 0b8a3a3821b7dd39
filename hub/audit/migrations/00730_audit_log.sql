-- +goose Up
-- The audit log (hub/audit): one row per change, written in the change's
-- transaction. before_state/after_state are JSON with secrets and
-- citizens' personal data removed.
CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL,
    tenant_id     TEXT REFERENCES tenants (id), -- NULL: a change of the platform
    actor_id      TEXT NOT NULL,
    actor_name    TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    before_state  JSONB,
    after_state   JSONB
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);
CREATE INDEX audit_log_resource ON audit_log (resource_kind, resource_id);

-- +goose Down
DROP TABLE audit_log;
