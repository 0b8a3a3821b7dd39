package portal

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/sqlstore"
)

// writer writes the changed records of one import in batches.
type writer struct {
	tx      *sqlstore.Tx
	tenant  string
	now     time.Time
	dialect sqlstore.Dialect
}

func (w *writer) services(ctx context.Context, p *parsedCatalogue, old *hashes, c *Counts) error {
	var rows, fts [][]any
	var updated []any
	terms := map[string]bool{}
	for i := range p.Services {
		s := &p.Services[i]
		h := hashOf(s)
		prev, exists := old.services[s.LeikaKey]
		if !c.count(prev, exists, h) {
			continue
		}
		kw := strings.Join(s.Keywords, " ")
		rows = append(rows, []any{w.tenant, s.LeikaKey, s.Name, s.Summary, s.Description, s.Requirements, s.Procedure,
			s.Deadlines, s.Documents, s.Costs, s.LegalBasis, kw, s.OnlineURL, h, w.now})
		fts = append(fts, []any{w.tenant, s.LeikaKey, stems(s.Name), stems(kw),
			stems(s.Summary + " " + s.Description + " " + s.Procedure + " " + s.Documents)})
		if exists {
			updated = append(updated, s.LeikaKey)
		}
		for _, t := range strings.Fields(stems(s.Name + " " + kw)) {
			terms[t] = true
		}
	}
	err := w.upsert(ctx, "portal_services", []string{"tenant_id", "leika_key", "name", "summary", "description",
		"requirements", "procedure", "deadlines", "documents", "costs", "legal_basis", "keywords", "online_url",
		"content_hash", "updated_at"}, "tenant_id, leika_key", rows)
	if err != nil || w.dialect != sqlstore.SQLite {
		return err
	}
	// The dev search index: SQLite's FTS5 table over our stems.
	for start := 0; start < len(updated); start += 500 {
		batch := updated[start:min(start+500, len(updated))]
		q := `DELETE FROM portal_services_fts WHERE tenant_id = $1 AND leika_key IN (` + sqlstore.Placeholders(2, len(batch)) + `)`
		if _, err := w.tx.ExecContext(ctx, q, append([]any{w.tenant}, batch...)...); err != nil {
			return fmt.Errorf("update search index: %w", err)
		}
	}
	if err := w.insert(ctx, "portal_services_fts", []string{"tenant_id", "leika_key", "name", "keywords", "body"}, "", fts); err != nil {
		return err
	}
	var termRows [][]any
	for t := range terms {
		termRows = append(termRows, []any{w.tenant, t})
	}
	return w.insert(ctx, "portal_search_terms", []string{"tenant_id", "term"}, " ON CONFLICT (tenant_id, term) DO NOTHING", termRows)
}

func (w *writer) authorities(ctx context.Context, p *parsedCatalogue, old *hashes, c *Counts) error {
	var units []catalogue.Hashed[catalogue.OrgUnit]
	for i := range p.Authorities {
		a := p.Authorities[i]
		h := hashOf(a)
		prev, exists := old.authorities[a.ID]
		if c.count(prev, exists, h) {
			units = append(units, catalogue.Hashed[catalogue.OrgUnit]{Record: a, Hash: h})
		}
	}
	if err := catalogue.WriteUnits(ctx, w.tx, w.tenant, w.now, units); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

func (w *writer) responsibilities(ctx context.Context, p *parsedCatalogue, old *hashes, c *Counts) error {
	var rs []catalogue.Hashed[catalogue.Responsibility]
	for i := range p.Responsibilities {
		r := p.Responsibilities[i]
		for _, key := range p.expand(&r) {
			one := Responsibility{LeikaKey: key, ARSPrefix: r.ARSPrefix, AuthorityID: r.AuthorityID, OnlineURL: r.OnlineURL, Notes: r.Notes}
			h := hashOf(one)
			prev, exists := old.responsibilities[key+"/"+r.ARSPrefix]
			if !c.count(prev, exists, h) {
				continue
			}
			rs = append(rs, catalogue.Hashed[catalogue.Responsibility]{Hash: h, Record: catalogue.Responsibility{
				LeikaKey: key, ARSPrefix: r.ARSPrefix, OrgUnitID: r.AuthorityID, OnlineURL: r.OnlineURL, Notes: r.Notes}})
		}
	}
	if err := catalogue.WriteResponsibilities(ctx, w.tx, w.tenant, w.now, rs); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

func (w *writer) synonyms(ctx context.Context, p *parsedCatalogue, old *hashes, c *Counts) error {
	var rows [][]any
	seen := map[string]bool{}
	for _, s := range p.Synonyms {
		term, alts := normalizeSynonym(s)
		if seen[term] {
			continue
		}
		seen[term] = true
		prev, exists := old.synonyms[term]
		if c.count(prev, exists, alts) {
			rows = append(rows, []any{w.tenant, term, alts})
		}
	}
	return w.upsert(ctx, "portal_synonyms", []string{"tenant_id", "term", "alternatives"}, "tenant_id, term", rows)
}

// upsert inserts rows, replacing those whose conflict key exists.
func (w *writer) upsert(ctx context.Context, table string, cols []string, conflict string, rows [][]any) error {
	return w.insert(ctx, table, cols, sqlstore.UpsertClause(conflict, cols), rows)
}

// insert writes rows in batches (sqlstore.Tx.InsertRows).
func (w *writer) insert(ctx context.Context, table string, cols []string, suffix string, rows [][]any) error {
	if err := w.tx.InsertRows(ctx, table, cols, suffix, rows); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}
