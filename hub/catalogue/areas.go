package catalogue

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

var (
	postcodeRe = regexp.MustCompile(`^\d{5}$`)
	arsRe      = regexp.MustCompile(`^\d{12}$`)
)

// UpsertAreas stores areas, replacing names of known keys.
func (s *Store) UpsertAreas(ctx context.Context, tenantID string, areas []hub.Area) error {
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		for _, a := range areas {
			if !hub.ValidARS(a.ARS) {
				return hub.FieldError("ars", "%q is not a 12-digit regional key", a.ARS)
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO areas (tenant_id, ars, name, level, postcode) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (tenant_id, ars) DO UPDATE SET name = excluded.name, level = excluded.level, postcode = excluded.postcode`,
				tenantID, a.ARS, a.Name, a.Level, nullString(a.Postcode)); err != nil {
				return fmt.Errorf("upsert area %s: %w", a.ARS, err)
			}
		}
		return nil
	})
}

// Postcode says that an area (ARS) has a postcode beyond its main one.
type Postcode struct{ Postcode, ARS string }

// AddAreas adds areas and further postcodes of areas, keeping those that
// are there already.
func (s *Store) AddAreas(ctx context.Context, tenantID string, areas []hub.Area, postcodes []Postcode) error {
	rows := make([][]any, 0, len(areas))
	for _, a := range areas {
		rows = append(rows, []any{tenantID, a.ARS, a.Name, a.Level, nullString(a.Postcode)})
	}
	pcs := make([][]any, 0, len(postcodes))
	for _, p := range postcodes {
		pcs = append(pcs, []any{tenantID, p.Postcode, p.ARS})
	}
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.InsertRows(ctx, "areas", []string{"tenant_id", "ars", "name", "level", "postcode"},
			" ON CONFLICT (tenant_id, ars) DO NOTHING", rows); err != nil {
			return fmt.Errorf("add areas: %w", err)
		}
		if err := tx.InsertRows(ctx, "area_postcodes", []string{"tenant_id", "postcode", "ars"},
			" ON CONFLICT (tenant_id, postcode, ars) DO NOTHING", pcs); err != nil {
			return fmt.Errorf("add postcodes: %w", err)
		}
		return nil
	})
}

// Places returns up to 20 areas matching q: a five-digit postcode, an ARS,
// or the start of a name (the municipalities first).
func (s *Store) Places(ctx context.Context, tenantID, q string) ([]Place, error) {
	q = strings.TrimSpace(q)
	var query string
	var arg any
	switch {
	case postcodeRe.MatchString(q):
		query = `SELECT a.ars, a.name, a.level, $2 FROM areas a WHERE a.tenant_id = $1 AND (a.postcode = $2
			OR a.ars IN (SELECT ars FROM area_postcodes WHERE tenant_id = $1 AND postcode = $2))
			ORDER BY a.name LIMIT 20`
		arg = q
	case arsRe.MatchString(q):
		query = `SELECT ars, name, level, COALESCE(postcode, '') FROM areas WHERE tenant_id = $1 AND ars = $2`
		arg = q
	case len([]rune(q)) >= 2:
		query = `SELECT ars, name, level, COALESCE(postcode, '') FROM areas WHERE tenant_id = $1 AND lower(name) LIKE $2
			ORDER BY CASE level WHEN 'gemeinde' THEN 0 WHEN 'kreis' THEN 1 ELSE 2 END, length(name), name LIMIT 20`
		arg = escapeLike(strings.ToLower(q)) + "%"
	default:
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, query, tenantID, arg)
	if err != nil {
		return nil, fmt.Errorf("find places: %w", err)
	}
	defer rows.Close()
	var out []Place
	for rows.Next() {
		var p Place
		if err := rows.Scan(&p.ARS, &p.Name, &p.Level, &p.Postcode); err != nil {
			return nil, fmt.Errorf("find places: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Areas returns every area of the tenant, ordered by ARS.
func (s *Store) Areas(ctx context.Context, tenantID string) ([]hub.Area, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ars, name, level, COALESCE(postcode, '') FROM areas WHERE tenant_id = $1
		ORDER BY ars`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list areas: %w", err)
	}
	defer rows.Close()
	var out []hub.Area
	for rows.Next() {
		var a hub.Area
		if err := rows.Scan(&a.ARS, &a.Name, &a.Level, &a.Postcode); err != nil {
			return nil, fmt.Errorf("list areas: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
