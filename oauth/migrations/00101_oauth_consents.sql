-- +goose Up
-- A citizen's page of granted consents lists the token families of one
-- subject; without this index that is a scan of every grant of the tenant.
CREATE INDEX oauth_families_subject ON oauth_families (tenant_id, subject, client_id);

-- +goose Down
DROP INDEX oauth_families_subject;
