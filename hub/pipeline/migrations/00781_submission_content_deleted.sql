-- +goose Up
-- Retention: when a submission's content (data, attachments' content and
-- file names) was deleted; its metadata and the case timeline stay. The
-- partial indexes find what is due for deletion without scanning the rest.
ALTER TABLE submissions ADD COLUMN content_deleted_at TIMESTAMPTZ;
CREATE INDEX submissions_decided_content ON submissions (tenant_id, decided_at) WHERE content_deleted_at IS NULL;
CREATE INDEX submissions_draft_content ON submissions (tenant_id, expires_at) WHERE content_deleted_at IS NULL AND decided_at IS NULL;

-- +goose Down
DROP INDEX submissions_draft_content;
DROP INDEX submissions_decided_content;
ALTER TABLE submissions DROP COLUMN content_deleted_at;
