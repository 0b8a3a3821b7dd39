package catalogue

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// maxNote bounds a regional text of one section, in characters.
const maxNote = 20000

// Responsibilities returns the tenant's responsibilities for a service
// (every service when leikaKey is empty), by service and ARS prefix.
func (e *Editor) Responsibilities(ctx context.Context, tenantID, leikaKey string) ([]Responsibility, error) {
	q := `SELECT leika_key, ars_prefix, org_unit_id, online_url, notes FROM responsibilities WHERE tenant_id = $1`
	args := []any{tenantID}
	if leikaKey != "" {
		q += ` AND leika_key = $2`
		args = append(args, leikaKey)
	}
	rows, err := e.store.db.QueryContext(ctx, q+` ORDER BY leika_key, ars_prefix`, args...)
	if err != nil {
		return nil, fmt.Errorf("list responsibilities: %w", err)
	}
	defer rows.Close()
	out := []Responsibility{}
	for rows.Next() {
		r, err := scanResponsibility(rows)
		if err != nil {
			return nil, fmt.Errorf("list responsibilities: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

func scanResponsibility(row interface{ Scan(...any) error }) (*Responsibility, error) {
	r := &Responsibility{}
	var notes string
	if err := row.Scan(&r.LeikaKey, &r.ARSPrefix, &r.OrgUnitID, &r.OnlineURL, &notes); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(notes), &r.Notes); err != nil {
		return nil, fmt.Errorf("read regional notes of %s/%s: %w", r.LeikaKey, r.ARSPrefix, err)
	}
	if len(r.Notes) == 0 {
		r.Notes = nil
	}
	return r, nil
}

// validResponsibility checks the fields of a responsibility that need no
// database.
func validResponsibility(r *Responsibility) checks {
	var c checks
	if !hub.ValidLeikaKey(r.LeikaKey) {
		c.add("leikaKey", "invalid_leika_key", "Bitte geben Sie einen Leistungsschlüssel (LeiKa) mit 14 Ziffern an, beginnend mit 99.")
	}
	if !arsPrefixRe.MatchString(r.ARSPrefix) {
		c.add("arsPrefix", "invalid_ars_prefix", "Bitte geben Sie einen Regionalschlüssel (ARS) oder seinen Anfang an: 2 bis 12 Ziffern.")
	}
	if r.OrgUnitID == "" {
		c.add("orgUnitId", "required", "Bitte wählen Sie die zuständige Behörde.")
	}
	c.link("onlineUrl", r.OnlineURL)
	sections := Sections()
	for sec, text := range r.Notes {
		if !slices.Contains(sections, sec) {
			c.add("notes."+sec, "unknown_section", "Diesen Abschnitt gibt es nicht.")
			continue
		}
		c.text("notes."+sec, text, false, maxNote)
	}
	return c
}

// SetResponsibility records that an organisational unit serves a service
// in every area whose ARS starts with r.ARSPrefix, with its online
// procedure and regional texts, replacing what was recorded for that
// service and prefix. Empty regional texts are dropped. The finder and
// GET /v1/routes answer with the change as soon as it returns.
func (e *Editor) SetResponsibility(ctx context.Context, tenantID string, r Responsibility) (Change[Responsibility], error) {
	r.Notes = maps.Clone(r.Notes) // the caller's map stays as it is
	maps.DeleteFunc(r.Notes, func(_, text string) bool { return text == "" })
	if len(r.Notes) == 0 {
		r.Notes = nil
	}
	if err := validResponsibility(&r).err(); err != nil {
		return Change[Responsibility]{}, err
	}
	var ch Change[Responsibility]
	err := e.store.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := findUnit(ctx, tx, tenantID, r.OrgUnitID, "orgUnitId"); err != nil {
			return err
		}
		before, err := findResponsibility(ctx, tx, tenantID, r.LeikaKey, r.ARSPrefix)
		if err != nil && !hub.IsCode(err, hub.ENOTFOUND) {
			return err
		}
		ch = Change[Responsibility]{Before: before, After: &r}
		if err := WriteResponsibilities(ctx, tx, tenantID, e.store.db.Now(), []Hashed[Responsibility]{{Record: r}}); err != nil {
			return err
		}
		return e.changed(ctx, tx, "responsibility.set", "responsibility", r.LeikaKey+"/"+r.ARSPrefix, orNil(before), &r)
	})
	if err != nil {
		return Change[Responsibility]{}, fmt.Errorf("set responsibility %s/%s: %w", r.LeikaKey, r.ARSPrefix, err)
	}
	return ch, nil
}

// RemoveResponsibility deletes the responsibility for a service and ARS
// prefix; the areas it covered fall back to a shorter prefix, if any.
func (e *Editor) RemoveResponsibility(ctx context.Context, tenantID, leikaKey, arsPrefix string) (Change[Responsibility], error) {
	var ch Change[Responsibility]
	err := e.store.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		before, err := findResponsibility(ctx, tx, tenantID, leikaKey, arsPrefix)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM responsibilities WHERE tenant_id = $1 AND leika_key = $2 AND ars_prefix = $3`,
			tenantID, leikaKey, arsPrefix); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		ch = Change[Responsibility]{Before: before}
		return e.changed(ctx, tx, "responsibility.removed", "responsibility", leikaKey+"/"+arsPrefix, before, nil)
	})
	if err != nil {
		return Change[Responsibility]{}, fmt.Errorf("remove responsibility %s/%s: %w", leikaKey, arsPrefix, err)
	}
	return ch, nil
}

func findResponsibility(ctx context.Context, tx *sqlstore.Tx, tenantID, leikaKey, arsPrefix string) (*Responsibility, error) {
	r, err := scanResponsibility(tx.QueryRowContext(ctx, `SELECT leika_key, ars_prefix, org_unit_id, online_url, notes
		FROM responsibilities WHERE tenant_id = $1 AND leika_key = $2 AND ars_prefix = $3`+tx.DB().Dialect.ForUpdate(),
		tenantID, leikaKey, arsPrefix))
	if sqlstore.ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "responsibility_not_found",
			Message: "Für diese Leistung und dieses Gebiet ist keine Zuständigkeit erfasst."}
	}
	if err != nil {
		return nil, fmt.Errorf("find responsibility: %w", err)
	}
	return r, nil
}
