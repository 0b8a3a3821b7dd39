-- +goose Up
-- Faster portal search. PostgreSQL: a small vector over the service's name
-- and keywords, searched first (title hits rank first and usually suffice),
-- so the full text is only scanned when titles find too little. SQLite: the
-- words of names and keywords as stems, for the typo-tolerant fallback
-- (fts5vocab would read every doclist to count).

-- postgres-only
ALTER TABLE portal_services ADD COLUMN title tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('german'::regconfig, name), 'A') ||
    setweight(to_tsvector('german'::regconfig, keywords), 'B')
) STORED;
-- end

-- postgres-only
CREATE INDEX portal_services_title ON portal_services USING GIN (title);
-- end

CREATE TABLE portal_search_terms (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    term      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, term)
);

-- +goose Down
DROP TABLE portal_search_terms;
-- postgres-only
DROP INDEX portal_services_title;
ALTER TABLE portal_services DROP COLUMN title;
-- end
