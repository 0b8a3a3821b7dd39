package portal

import (
	"context"
	"fmt"
	"strings"
	"time"

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
	var rows [][]any
	for i := range p.Authorities {
		a := &p.Authorities[i]
		h := hashOf(a)
		prev, exists := old.authorities[a.ID]
		if !c.count(prev, exists, h) {
			continue
		}
		rows = append(rows, []any{w.tenant, a.ID, a.Name, a.Address.Street, a.Address.Postcode, a.Address.City,
			a.OpeningHours, a.Contact.Phone, a.Contact.Email, a.Contact.Website, h, w.now})
	}
	return w.upsert(ctx, "portal_authorities", []string{"tenant_id", "id", "name", "street", "postcode", "city",
		"opening_hours", "phone", "email", "website", "content_hash", "updated_at"}, "tenant_id, id", rows)
}

func (w *writer) responsibilities(ctx context.Context, p *parsedCatalogue, old *hashes, c *Counts) error {
	var rows [][]any
	for i := range p.Responsibilities {
		r := p.Responsibilities[i]
		for _, key := range p.expand(&r) {
			one := Responsibility{LeikaKey: key, ARSPrefix: r.ARSPrefix, AuthorityID: r.AuthorityID, OnlineURL: r.OnlineURL, Notes: r.Notes}
			h := hashOf(one)
			prev, exists := old.responsibilities[key+"/"+r.ARSPrefix]
			if !c.count(prev, exists, h) {
				continue
			}
			rows = append(rows, []any{w.tenant, key, r.ARSPrefix, r.AuthorityID, r.OnlineURL, notesJSON(r.Notes), h, w.now})
		}
	}
	return w.upsert(ctx, "portal_responsibilities", []string{"tenant_id", "leika_key", "ars_prefix", "authority_id",
		"online_url", "notes", "content_hash", "updated_at"}, "tenant_id, leika_key, ars_prefix", rows)
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
	keys := map[string]bool{}
	for _, k := range strings.Split(conflict, ",") {
		keys[strings.TrimSpace(k)] = true
	}
	var set []string
	for _, c := range cols {
		if !keys[c] {
			set = append(set, c+" = excluded."+c)
		}
	}
	return w.insert(ctx, table, cols, " ON CONFLICT ("+conflict+") DO UPDATE SET "+strings.Join(set, ", "), rows)
}

// insert writes rows with multi-row INSERTs of a bounded number of
// parameters (both databases limit them; SQLite looks "$n" names up
// linearly, so its statements stay smaller).
func (w *writer) insert(ctx context.Context, table string, cols []string, suffix string, rows [][]any) error {
	params := 4000
	if w.dialect == sqlstore.SQLite {
		params = 300
	}
	per := max(1, params/len(cols))
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(batch)*len(cols))
		for i, r := range batch {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + sqlstore.Placeholders(len(args)+1, len(r)) + ")")
			args = append(args, r...)
		}
		sb.WriteString(suffix)
		if _, err := w.tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("import into %s: %w", table, err)
		}
	}
	return nil
}
