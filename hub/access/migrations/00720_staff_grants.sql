-- +goose Up
-- Roles granted to staff (hub/access): platform-wide (no tenant), for a
-- whole tenant (no unit) or for an organisational unit and the units below.
CREATE TABLE staff_grants (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES staff_accounts (id),
    role       TEXT NOT NULL CHECK (role IN ('platform-operator', 'tenant-admin', 'catalogue-editor', 'form-designer',
                   'process-designer', 'case-worker', 'client-manager', 'auditor')),
    tenant_id  TEXT REFERENCES tenants (id),
    unit_id    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    CHECK ((role = 'platform-operator') = (tenant_id IS NULL))
);
CREATE UNIQUE INDEX staff_grants_unique ON staff_grants (person_id, role, COALESCE(tenant_id, ''), unit_id);
CREATE INDEX staff_grants_tenant ON staff_grants (tenant_id, unit_id);

-- +goose Down
DROP TABLE staff_grants;
