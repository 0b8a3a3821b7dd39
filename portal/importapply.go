package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Counts says what an import did with one kind of record.
type Counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

func (c *Counts) count(old string, exists bool, now string) bool {
	switch {
	case !exists:
		c.Created++
	case old != now:
		c.Updated++
	default:
		c.Unchanged++
		return false
	}
	return true
}

// ImportReport says what an import changed. Importing the same file twice
// reports everything unchanged the second time.
type ImportReport struct {
	Services         Counts `json:"services"`
	Authorities      Counts `json:"authorities"`
	Responsibilities Counts `json:"responsibilities"`
	Synonyms         Counts `json:"synonyms"`
}

// Changed reports whether the import changed anything.
func (r *ImportReport) Changed() bool {
	for _, c := range []Counts{r.Services, r.Authorities, r.Responsibilities, r.Synonyms} {
		if c.Created+c.Updated > 0 {
			return true
		}
	}
	return false
}

// ImportCatalogue imports an already decoded catalogue (the seed and the
// generator use it); records have no lines then.
func (c *CatalogueStore) ImportCatalogue(ctx context.Context, tenantID string, cat *Catalogue) (*ImportReport, error) {
	return c.importParsed(ctx, tenantID, &parsedCatalogue{Catalogue: *cat, lines: map[string][]int{}})
}

// Import reads an import file (see FORMAT.md) into tenantID's catalogue in
// one transaction. A file with broken records is rejected whole with an
// *ImportError listing each by line, and nothing is imported.
func (c *CatalogueStore) Import(ctx context.Context, tenantID string, r io.Reader) (*ImportReport, error) {
	p, err := parseCatalogue(r)
	if err != nil {
		return nil, err
	}
	return c.importParsed(ctx, tenantID, p)
}

func (c *CatalogueStore) importParsed(ctx context.Context, tenantID string, p *parsedCatalogue) (*ImportReport, error) {
	rep := &ImportReport{}
	err := c.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		old, err := loadHashes(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		if errs := p.validate(old.serviceSet(), old.authoritySet()); len(errs) > 0 {
			sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
			return &ImportError{Records: errs}
		}
		w := &writer{tx: tx, tenant: tenantID, now: c.db.Now(), dialect: c.db.Dialect}
		if err := w.services(ctx, p, old, &rep.Services); err != nil {
			return err
		}
		if err := w.authorities(ctx, p, old, &rep.Authorities); err != nil {
			return err
		}
		if err := w.responsibilities(ctx, p, old, &rep.Responsibilities); err != nil {
			return err
		}
		if err := w.synonyms(ctx, p, old, &rep.Synonyms); err != nil {
			return err
		}
		if c.db.Dialect == sqlstore.Postgres && rep.Changed() {
			// Fresh statistics, so the planner uses the search indexes.
			if _, err := tx.ExecContext(ctx, `ANALYZE portal_services`); err != nil {
				return fmt.Errorf("analyze catalogue: %w", err)
			}
			return catalogue.Analyze(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.forgetSynonyms(tenantID)
	return rep, nil
}

func hashOf(v any) string {
	b, _ := json.Marshal(v) // plain structs of strings always marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// hashes are the content hashes of what a tenant's catalogue holds.
type hashes struct {
	services, authorities, responsibilities, synonyms map[string]string
}

func (h *hashes) serviceSet() map[string]bool   { return keySet(h.services) }
func (h *hashes) authoritySet() map[string]bool { return keySet(h.authorities) }

func keySet(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func loadHashes(ctx context.Context, tx *sqlstore.Tx, tenantID string) (*hashes, error) {
	h := &hashes{}
	var err error
	if h.authorities, h.responsibilities, err = catalogue.ImportState(ctx, tx, tenantID); err != nil {
		return nil, err
	}
	for _, q := range []struct {
		into *map[string]string
		sql  string
	}{
		{&h.services, `SELECT leika_key, content_hash FROM portal_services WHERE tenant_id = $1`},
		{&h.synonyms, `SELECT term, alternatives FROM portal_synonyms WHERE tenant_id = $1`},
	} {
		m := map[string]string{}
		rows, err := tx.QueryContext(ctx, q.sql, tenantID)
		if err != nil {
			return nil, fmt.Errorf("load catalogue state: %w", err)
		}
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load catalogue state: %w", err)
			}
			m[k] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load catalogue state: %w", err)
		}
		*q.into = m
	}
	return h, nil
}

// normalizeSynonym lower-cases a synonym's words.
func normalizeSynonym(s Synonym) (term, alts string) {
	words := make([]string, 0, len(s.Alternatives))
	for _, a := range s.Alternatives {
		words = append(words, strings.Fields(strings.ToLower(a))...)
	}
	return strings.ToLower(strings.TrimSpace(s.Term)), strings.Join(words, " ")
}
