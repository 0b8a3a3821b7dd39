-- +goose Up
-- The confirmation of the e-mail address lives in citizen_accounts
-- (hub/citizens) since 00600: the portal's master data keeps no copy.
ALTER TABLE portal_profiles DROP COLUMN confirm_token;
ALTER TABLE portal_profiles DROP COLUMN confirmed_at;

-- +goose Down
ALTER TABLE portal_profiles ADD COLUMN confirmed_at TIMESTAMPTZ;
ALTER TABLE portal_profiles ADD COLUMN confirm_token TEXT NOT NULL DEFAULT '';
UPDATE portal_profiles SET
    confirmed_at = (SELECT c.confirmed_at FROM citizen_accounts c WHERE c.tenant_id = portal_profiles.tenant_id AND c.id = portal_profiles.citizen_id),
    confirm_token = COALESCE((SELECT c.confirm_token FROM citizen_accounts c
        WHERE c.tenant_id = portal_profiles.tenant_id AND c.id = portal_profiles.citizen_id), '');
