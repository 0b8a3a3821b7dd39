-- +goose Up
-- One catalogue, in the PVOG/XZuFi model. The finder's authorities become
-- the catalogue's organisational units (a tree per tenant: parent_id), a
-- destination belongs to a unit, and the two tables that stored one fact
-- twice, routing's responsibilities (service × ARS prefix → destination)
-- and the finder's portal_responsibilities (→ authority), become one:
-- service × ARS prefix → organisational unit, with the unit's own online
-- procedure and regional notes. Routing goes responsibility → unit → the
-- unit's destinations for the service.
--
-- Existing rows are kept: every destination becomes a unit of its own (same
-- id, name and contact); where both tables named a unit for the same
-- service and prefix, routing's wins (it is where submissions go), keeping
-- the finder's online URL and notes. Routing rows that named several
-- destinations for one service and prefix keep the unit of the first.

ALTER TABLE portal_authorities RENAME TO org_units;
ALTER TABLE org_units ADD COLUMN parent_id TEXT;
ALTER TABLE portal_postcodes RENAME TO area_postcodes;

ALTER TABLE destinations ADD COLUMN org_unit_id TEXT;
ALTER TABLE destinations ADD COLUMN kind TEXT NOT NULL DEFAULT 'amqp' CHECK (kind IN ('amqp', 'builtin', 'fitconnect'));

INSERT INTO org_units (tenant_id, id, name, street, postcode, city, opening_hours, phone, email, website,
    content_hash, updated_at)
SELECT d.tenant_id, d.id, d.name, '', '', '', '', COALESCE(d.contact ->> 'phone', ''),
    COALESCE(d.contact ->> 'email', ''), COALESCE(d.contact ->> 'url', ''), '', d.created_at
FROM destinations d
WHERE NOT EXISTS (SELECT 1 FROM org_units u WHERE u.tenant_id = d.tenant_id AND u.id = d.id);
UPDATE destinations SET org_unit_id = id WHERE org_unit_id IS NULL;
CREATE INDEX destinations_org_unit ON destinations (tenant_id, org_unit_id);

CREATE TABLE catalogue_responsibilities (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    leika_key    TEXT NOT NULL,
    ars_prefix   TEXT NOT NULL CHECK (length(ars_prefix) BETWEEN 2 AND 12),
    org_unit_id  TEXT NOT NULL,
    online_url   TEXT NOT NULL,
    notes        JSONB NOT NULL, -- regional differences to the service's text: section → text
    content_hash TEXT NOT NULL,  -- of the imported record; empty when set otherwise
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, leika_key, ars_prefix),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id)
);

INSERT INTO catalogue_responsibilities (tenant_id, leika_key, ars_prefix, org_unit_id, online_url, notes,
    content_hash, updated_at)
SELECT tenant_id, leika_key, ars_prefix, authority_id, online_url, notes, content_hash, updated_at
FROM portal_responsibilities;

INSERT INTO catalogue_responsibilities (tenant_id, leika_key, ars_prefix, org_unit_id, online_url, notes,
    content_hash, updated_at)
SELECT r.tenant_id, r.leika_key, r.ars_prefix, min(d.org_unit_id), '', '{}', '', min(d.created_at)
FROM responsibilities r JOIN destinations d ON d.id = r.destination_id
WHERE true
GROUP BY r.tenant_id, r.leika_key, r.ars_prefix
ON CONFLICT (tenant_id, leika_key, ars_prefix) DO UPDATE SET org_unit_id = excluded.org_unit_id, content_hash = '';

DROP TABLE portal_responsibilities;
DROP TABLE responsibilities;
ALTER TABLE catalogue_responsibilities RENAME TO responsibilities;
CREATE INDEX responsibilities_org_unit ON responsibilities (tenant_id, org_unit_id);

-- +goose Down
DROP INDEX responsibilities_org_unit;
ALTER TABLE responsibilities RENAME TO catalogue_responsibilities;
ALTER TABLE area_postcodes RENAME TO portal_postcodes;
ALTER TABLE org_units RENAME TO portal_authorities;

CREATE TABLE responsibilities (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    leika_key      TEXT NOT NULL,
    ars_prefix     TEXT NOT NULL CHECK (length(ars_prefix) BETWEEN 2 AND 12),
    destination_id TEXT NOT NULL REFERENCES destinations (id),
    PRIMARY KEY (tenant_id, leika_key, ars_prefix, destination_id)
);
INSERT INTO responsibilities (tenant_id, leika_key, ars_prefix, destination_id)
SELECT r.tenant_id, r.leika_key, r.ars_prefix, d.id
FROM catalogue_responsibilities r
JOIN destinations d ON d.tenant_id = r.tenant_id AND d.org_unit_id = r.org_unit_id
JOIN destination_services ds ON ds.destination_id = d.id AND ds.leika_key = r.leika_key;

CREATE TABLE portal_responsibilities (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    leika_key    TEXT NOT NULL,
    ars_prefix   TEXT NOT NULL CHECK (length(ars_prefix) BETWEEN 2 AND 12),
    authority_id TEXT NOT NULL,
    online_url   TEXT NOT NULL,
    notes        JSONB NOT NULL,
    content_hash TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, leika_key, ars_prefix),
    FOREIGN KEY (tenant_id, leika_key) REFERENCES portal_services (tenant_id, leika_key),
    FOREIGN KEY (tenant_id, authority_id) REFERENCES portal_authorities (tenant_id, id)
);
CREATE INDEX portal_responsibilities_authority ON portal_responsibilities (tenant_id, authority_id);
INSERT INTO portal_responsibilities (tenant_id, leika_key, ars_prefix, authority_id, online_url, notes,
    content_hash, updated_at)
SELECT r.tenant_id, r.leika_key, r.ars_prefix, r.org_unit_id, r.online_url, r.notes, r.content_hash, r.updated_at
FROM catalogue_responsibilities r
WHERE EXISTS (SELECT 1 FROM portal_services s WHERE s.tenant_id = r.tenant_id AND s.leika_key = r.leika_key);
DROP TABLE catalogue_responsibilities;

DROP INDEX destinations_org_unit;
ALTER TABLE destinations DROP COLUMN kind;
ALTER TABLE destinations DROP COLUMN org_unit_id;
ALTER TABLE portal_authorities DROP COLUMN parent_id;
