package catalogue

import (
	"context"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// unitColumns lists an organisational unit's columns, qualified by alias.
func unitColumns(alias string) string {
	p := alias + "."
	return p + "id, COALESCE(" + p + "parent_id, ''), " + p + "name, " + p + "street, " + p + "postcode, " + p + "city, " +
		p + "opening_hours, " + p + "phone, " + p + "email, " + p + "website"
}

func unitFields(u *OrgUnit) []any {
	return []any{&u.ID, &u.ParentID, &u.Name, &u.Address.Street, &u.Address.Postcode, &u.Address.City, &u.OpeningHours,
		&u.Contact.Phone, &u.Contact.Email, &u.Contact.Website}
}

// OrgUnit returns one organisational unit.
func (s *Store) OrgUnit(ctx context.Context, tenantID, id string) (*OrgUnit, error) {
	u := &OrgUnit{}
	err := s.db.QueryRowContext(ctx, `SELECT `+unitColumns("u")+` FROM org_units u WHERE u.tenant_id = $1 AND u.id = $2`,
		tenantID, id).Scan(unitFields(u)...)
	if sqlstore.ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "authority_not_found", Message: "Diese Behörde gibt es nicht."}
	}
	if err != nil {
		return nil, fmt.Errorf("find organisational unit %s: %w", id, err)
	}
	return u, nil
}

// UnitServices returns the LeiKa keys of (up to limit of) the services an
// organisational unit is responsible for somewhere.
func (s *Store) UnitServices(ctx context.Context, tenantID, unitID string, limit int) ([]string, error) {
	keys, err := s.ids(ctx, `SELECT DISTINCT leika_key FROM responsibilities WHERE tenant_id = $1 AND org_unit_id = $2
		ORDER BY leika_key LIMIT $3`, tenantID, unitID, limit)
	if err != nil {
		return nil, fmt.Errorf("list services of unit %s: %w", unitID, err)
	}
	return keys, nil
}

// SearchUnits finds up to 5 organisational units whose name or town
// contains every one of the (lower-case) words.
func (s *Store) SearchUnits(ctx context.Context, tenantID string, words []string) ([]OrgUnit, error) {
	q := `SELECT ` + unitColumns("u") + ` FROM org_units u WHERE u.tenant_id = $1`
	args := []any{tenantID}
	for _, w := range words {
		args = append(args, "%"+escapeLike(w)+"%")
		q += fmt.Sprintf(` AND lower(u.name || ' ' || u.city) LIKE $%d`, len(args))
	}
	us, err := s.units(ctx, q+` ORDER BY length(u.name), u.name LIMIT 5`, args...)
	if err != nil {
		return nil, fmt.Errorf("search organisational units: %w", err)
	}
	return us, nil
}

// units returns the units a query selects with unitColumns("u").
func (s *Store) units(ctx context.Context, query string, args ...any) ([]OrgUnit, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OrgUnit{}
	for rows.Next() {
		var u OrgUnit
		if err := rows.Scan(unitFields(&u)...); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ServedClause returns a SQL condition, for a query over the portal's
// services aliased s, that keeps the services some responsibility serves in
// ars; its parameters start at $next.
func ServedClause(ars string, next int) (string, []any) {
	p := arsPrefixes(ars)
	return `EXISTS (SELECT 1 FROM responsibilities r WHERE r.tenant_id = s.tenant_id
		AND r.leika_key = s.leika_key AND r.ars_prefix IN (` + sqlstore.Placeholders(next, len(p)) + `))`, p
}

// Hashed is a record of an import with the content hash it is stored with,
// so that importing the same file again changes nothing.
type Hashed[T any] struct {
	Record T
	Hash   string
}

// ImportState returns the content hashes of the tenant's units (by id) and
// responsibilities (by "leikaKey/arsPrefix").
func ImportState(ctx context.Context, tx *sqlstore.Tx, tenantID string) (units, responsibilities map[string]string, err error) {
	if units, err = hashes(ctx, tx, `SELECT id, content_hash FROM org_units WHERE tenant_id = $1`, tenantID); err != nil {
		return nil, nil, err
	}
	responsibilities, err = hashes(ctx, tx, `SELECT leika_key || '/' || ars_prefix, content_hash FROM responsibilities
		WHERE tenant_id = $1`, tenantID)
	return units, responsibilities, err
}

func hashes(ctx context.Context, tx *sqlstore.Tx, query, tenantID string) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, query, tenantID)
	if err != nil {
		return nil, fmt.Errorf("load catalogue state: %w", err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("load catalogue state: %w", err)
		}
		m[k] = v
	}
	return m, rows.Err()
}

// WriteUnits inserts or replaces organisational units in tx.
func WriteUnits(ctx context.Context, tx *sqlstore.Tx, tenantID string, now time.Time, units []Hashed[OrgUnit]) error {
	rows := make([][]any, 0, len(units))
	for _, h := range units {
		u := &h.Record
		rows = append(rows, []any{tenantID, u.ID, nullString(u.ParentID), u.Name, u.Address.Street, u.Address.Postcode,
			u.Address.City, u.OpeningHours, u.Contact.Phone, u.Contact.Email, u.Contact.Website, h.Hash, now})
	}
	cols := []string{"tenant_id", "id", "parent_id", "name", "street", "postcode", "city", "opening_hours", "phone",
		"email", "website", "content_hash", "updated_at"}
	return tx.InsertRows(ctx, "org_units", cols, sqlstore.UpsertClause("tenant_id, id", cols), rows)
}

// WriteResponsibilities inserts or replaces responsibilities in tx.
func WriteResponsibilities(ctx context.Context, tx *sqlstore.Tx, tenantID string, now time.Time, rs []Hashed[Responsibility]) error {
	rows := make([][]any, 0, len(rs))
	for _, h := range rs {
		r := &h.Record
		rows = append(rows, []any{tenantID, r.LeikaKey, r.ARSPrefix, r.OrgUnitID, r.OnlineURL, notesJSON(r.Notes), h.Hash, now})
	}
	cols := []string{"tenant_id", "leika_key", "ars_prefix", "org_unit_id", "online_url", "notes", "content_hash", "updated_at"}
	return tx.InsertRows(ctx, "responsibilities", cols, sqlstore.UpsertClause("tenant_id, leika_key, ars_prefix", cols), rows)
}

// Analyze refreshes PostgreSQL's statistics of the tables an import
// changed, so the planner uses their indexes.
func Analyze(ctx context.Context, tx *sqlstore.Tx) error {
	if tx.DB().Dialect != sqlstore.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `ANALYZE org_units, responsibilities`); err != nil {
		return fmt.Errorf("analyze catalogue: %w", err)
	}
	return nil
}
