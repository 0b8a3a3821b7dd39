-- +goose Up
-- Mappings that tenants upload through the admin API (package mappings).
-- Each row is one immutable version, kept as the self-contained mapping
-- file (Definition.Bundle) that was checked before it was accepted; a
-- change is a new row, and old versions stay addressable for destinations
-- pinned to them. Name, format and description are copied out for lists.

CREATE TABLE tenant_mappings (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 63),
    version     INTEGER NOT NULL CHECK (version >= 1),
    format      TEXT NOT NULL CHECK (format IN ('json', 'xml')),
    description TEXT NOT NULL DEFAULT '',
    bundle      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, name, version)
);

-- +goose Down
DROP TABLE tenant_mappings;
