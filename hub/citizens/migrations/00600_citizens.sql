-- +goose Up
-- Citizens' accounts belong to hub/citizens (the table was created by the
-- OAuth module's 00100). Whether the e-mail address is confirmed moves
-- here from portal_profiles, so that every login (portal and OAuth)
-- applies one rule to one row.
ALTER TABLE citizen_accounts ADD COLUMN confirmed_at TIMESTAMPTZ;
ALTER TABLE citizen_accounts ADD COLUMN confirm_token TEXT NOT NULL DEFAULT '';

-- Accounts registered on the portal keep their state. The others were made
-- by an operator or `amthub dev` and could log in through OAuth already:
-- they count as confirmed.
UPDATE citizen_accounts SET
    confirmed_at = CASE
        WHEN EXISTS (SELECT 1 FROM portal_profiles p WHERE p.tenant_id = citizen_accounts.tenant_id AND p.citizen_id = citizen_accounts.id)
        THEN (SELECT p.confirmed_at FROM portal_profiles p WHERE p.tenant_id = citizen_accounts.tenant_id AND p.citizen_id = citizen_accounts.id)
        ELSE created_at END,
    confirm_token = COALESCE((SELECT p.confirm_token FROM portal_profiles p
        WHERE p.tenant_id = citizen_accounts.tenant_id AND p.citizen_id = citizen_accounts.id), '');

-- +goose Down
ALTER TABLE citizen_accounts DROP COLUMN confirm_token;
ALTER TABLE citizen_accounts DROP COLUMN confirmed_at;
