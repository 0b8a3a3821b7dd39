-- +goose Up
-- Tenants form a hierarchy of authorities (issue 15): a state above its
-- districts and chambers, a district above its municipalities. Existing
-- tenants are states.
ALTER TABLE tenants ADD COLUMN kind TEXT NOT NULL DEFAULT 'state'
    CHECK (kind IN ('state', 'district', 'municipality', 'chamber'));
ALTER TABLE tenants ADD COLUMN parent_id TEXT REFERENCES tenants (id);
CREATE INDEX tenants_parent ON tenants (parent_id);

-- +goose Down
DROP INDEX tenants_parent;
ALTER TABLE tenants DROP COLUMN parent_id;
ALTER TABLE tenants DROP COLUMN kind;
