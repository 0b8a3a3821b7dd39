package portal

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/sqlstore"
)

// SearchOptions narrow a search.
type SearchOptions struct {
	// ARS keeps only services that some authority serves in this area.
	ARS string
	// Limit caps the service hits; default 20, at most 100.
	Limit int
}

// Hit is one service found by a search.
type Hit struct {
	LeikaKey string  `json:"leikaKey"`
	Name     string  `json:"name"`
	Summary  string  `json:"summary"`
	Score    float64 `json:"score"`
}

// SearchResult is the answer to a search.
type SearchResult struct {
	Query       string      `json:"query"`
	Services    []Hit       `json:"services"`
	Authorities []Authority `json:"authorities"`
	// Terms are the words searched for after synonyms were added.
	Terms []string `json:"terms"`
	// Fuzzy says the hits come from the typo-tolerant fallback.
	Fuzzy bool `json:"fuzzy"`
}

// maxQueryWords bounds the words of a query that count.
const maxQueryWords = 8

// Search finds services (and authorities) for what a citizen typed: German
// stems, synonyms, prefix matches, ranking, then a typo-tolerant fallback
// when nothing matches. PostgreSQL answers with its german full-text
// search and pg_trgm; SQLite with FTS5 over CISTEM stems.
func (c *CatalogueStore) Search(ctx context.Context, tenantID, query string, opts SearchOptions) (*SearchResult, error) {
	if opts.Limit <= 0 || opts.Limit > 100 {
		opts.Limit = 20
	}
	res := &SearchResult{Query: query, Services: []Hit{}, Authorities: []Authority{}}
	words := Words(query)
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	if len(words) == 0 {
		return res, nil
	}
	syn, err := c.synonyms(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	groups := make([][]string, len(words))
	for i, w := range words {
		groups[i] = append([]string{w}, syn[w]...)
		res.Terms = append(res.Terms, groups[i]...)
	}
	for _, all := range []bool{true, false} {
		if !all && len(groups) == 1 {
			break
		}
		res.Services, err = c.fullText(ctx, tenantID, groups, all, opts)
		if err != nil || len(res.Services) > 0 {
			break
		}
	}
	if err == nil && len(res.Services) == 0 {
		res.Fuzzy = true
		res.Services, err = c.fuzzy(ctx, tenantID, words, opts)
	}
	if err != nil {
		return nil, err
	}
	res.Authorities, err = c.searchAuthorities(ctx, tenantID, words)
	return res, err
}

// placeFilter returns the clause that keeps services served in ars.
func placeFilter(ars string, next int) (string, []any) {
	if ars == "" {
		return "", nil
	}
	clause, args := catalogue.ServedClause(ars, next)
	return " AND " + clause, args
}

func (c *CatalogueStore) fullText(ctx context.Context, tenantID string, groups [][]string, all bool, opts SearchOptions) ([]Hit, error) {
	op := " & "
	if !all {
		op = " | "
	}
	if c.db.Dialect == sqlstore.Postgres {
		return c.fullTextPostgres(ctx, tenantID, tsQuery(groups, op), opts)
	}
	return c.fullTextSQLite(ctx, tenantID, groups, strings.ReplaceAll(strings.ReplaceAll(op, "&", "AND"), "|", "OR"), opts)
}

// fullTextSQLite searches like fullTextPostgres, with FTS5 over stems:
// names and keywords first, then the whole text for the rest.
func (c *CatalogueStore) fullTextSQLite(ctx context.Context, tenantID string, groups [][]string, op string, opts SearchOptions) ([]Hit, error) {
	filter, fargs := placeFilter(opts.ARS, 4)
	args := append([]any{tenantID, ftsQuery(groups, op, "{name keywords}"), opts.Limit}, fargs...)
	const q = `SELECT s.leika_key, s.name, s.summary, %s AS score
		FROM portal_services_fts f JOIN portal_services s ON s.tenant_id = f.tenant_id AND s.leika_key = f.leika_key
		WHERE portal_services_fts MATCH $2 AND f.tenant_id = $1`
	out, err := c.hits(ctx, fmt.Sprintf(q, "1 - bm25(portal_services_fts, 0, 0, 10.0, 4.0, 0)")+filter+
		` ORDER BY score DESC, s.name LIMIT $3`, args...)
	if err != nil || len(out) >= opts.Limit {
		return out, err
	}
	args[1] = ftsQuery(groups, op, "{name keywords body}") + " NOT " + ftsQuery(groups, op, "{name keywords}")
	args[2] = opts.Limit - len(out)
	more, err := c.hits(ctx, fmt.Sprintf(q, "-bm25(portal_services_fts, 0, 0, 0, 0, 1.0)")+filter+
		` ORDER BY score DESC, s.name LIMIT $3`, args...)
	return append(out, more...), err
}

// fullTextPostgres searches names and keywords first (their hits rank
// first and usually fill the page), and the whole text only for the rest.
func (c *CatalogueStore) fullTextPostgres(ctx context.Context, tenantID, tsq string, opts SearchOptions) ([]Hit, error) {
	filter, fargs := placeFilter(opts.ARS, 4)
	args := append([]any{tenantID, tsq, opts.Limit}, fargs...)
	out, err := c.hits(ctx, `SELECT s.leika_key, s.name, s.summary, 1 + ts_rank_cd(s.title, q) AS score
		FROM portal_services s, to_tsquery('german', $2) q
		WHERE s.tenant_id = $1 AND s.title @@ q`+filter+` ORDER BY score DESC, s.name LIMIT $3`, args...)
	if err != nil || len(out) >= opts.Limit {
		return out, err
	}
	args[2] = opts.Limit - len(out)
	more, err := c.hits(ctx, `SELECT s.leika_key, s.name, s.summary, ts_rank_cd(s.search, q) AS score
		FROM portal_services s, to_tsquery('german', $2) q
		WHERE s.tenant_id = $1 AND s.search @@ q AND NOT s.title @@ q`+filter+` ORDER BY score DESC, s.name LIMIT $3`, args...)
	return append(out, more...), err
}

// tsQuery builds a PostgreSQL tsquery from groups of words (alternatives
// within a group, op between groups), each word a prefix match. Words hold
// only letters and digits, so nothing in them is tsquery syntax.
func tsQuery(groups [][]string, op string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		alts := make([]string, len(g))
		for j, w := range g {
			alts[j] = w + ":*"
		}
		parts[i] = "(" + strings.Join(alts, " | ") + ")"
	}
	return strings.Join(parts, op)
}

// ftsQuery builds an FTS5 query over the stems of groups of words in the
// given columns ("{name keywords}").
func ftsQuery(groups [][]string, op, columns string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		alts := make([]string, len(g))
		for j, w := range g {
			alts[j] = `"` + Stem(w) + `"*`
		}
		parts[i] = "(" + strings.Join(alts, " OR ") + ")"
	}
	return "(" + columns + " : (" + strings.Join(parts, op) + "))"
}

func (c *CatalogueStore) hits(ctx context.Context, q string, args ...any) ([]Hit, error) {
	rows, err := c.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("search services: %w", err)
	}
	return scanHits(rows)
}

// fuzzy is the typo-tolerant fallback: trigram word similarity on the
// service names in PostgreSQL; in SQLite, each unknown word replaced by the
// nearest word of the index (edit distance), then full text again.
func (c *CatalogueStore) fuzzy(ctx context.Context, tenantID string, words []string, opts SearchOptions) ([]Hit, error) {
	if c.db.Dialect != sqlstore.Postgres {
		fixed, changed, err := c.correct(ctx, tenantID, words)
		if err != nil || !changed {
			return []Hit{}, err
		}
		groups := make([][]string, len(fixed))
		for i, w := range fixed {
			groups[i] = []string{w}
		}
		return c.fullText(ctx, tenantID, groups, false, opts)
	}
	var out []Hit
	err := c.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL pg_trgm.word_similarity_threshold = 0.45`); err != nil {
			return fmt.Errorf("tune trigram search: %w", err)
		}
		filter, fargs := placeFilter(opts.ARS, 4)
		args := append([]any{tenantID, strings.Join(words, " "), opts.Limit}, fargs...)
		rows, err := tx.QueryContext(ctx, `SELECT s.leika_key, s.name, s.summary, word_similarity($2, s.name) AS score
			FROM portal_services s WHERE s.tenant_id = $1 AND $2 <% s.name`+filter+`
			ORDER BY score DESC, s.name LIMIT $3`, args...)
		if err != nil {
			return fmt.Errorf("fuzzy search: %w", err)
		}
		out, err = scanHits(rows)
		return err
	})
	return out, err
}

func scanHits(rows *sql.Rows) ([]Hit, error) {
	defer rows.Close()
	out := []Hit{}
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.LeikaKey, &h.Name, &h.Summary, &h.Score); err != nil {
			return nil, fmt.Errorf("search services: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// correct replaces each word whose stem is no prefix of an indexed term
// (SQLite's fts5vocab) by the nearest stem of a service name or keyword.
func (c *CatalogueStore) correct(ctx context.Context, tenantID string, words []string) ([]string, bool, error) {
	out := make([]string, len(words))
	changed := false
	for i, w := range words {
		out[i] = w
		s := Stem(w)
		var one int
		err := c.db.QueryRowContext(ctx, `SELECT 1 FROM portal_services_vocab WHERE term >= $1 AND term < $2 LIMIT 1`,
			s, s+"\U0010FFFF").Scan(&one)
		if err == nil {
			continue
		}
		if !sqlstore.ErrNoRows(err) {
			return nil, false, fmt.Errorf("check search term: %w", err)
		}
		n := utf8.RuneCountInString(s)
		maxDist := 1
		if n > 6 {
			maxDist = 2
		}
		rows, err := c.db.QueryContext(ctx, `SELECT term FROM portal_search_terms
			WHERE tenant_id = $1 AND length(term) BETWEEN $2 AND $3`, tenantID, n-maxDist, n+maxDist)
		if err != nil {
			return nil, false, fmt.Errorf("find similar terms: %w", err)
		}
		best, bestDist := "", maxDist+1
		for rows.Next() {
			var term string
			if err := rows.Scan(&term); err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("find similar terms: %w", err)
			}
			if d := levenshtein(s, term, maxDist); d < bestDist || d == bestDist && term < best {
				best, bestDist = term, d
			}
		}
		rows.Close()
		if best != "" {
			out[i], changed = best, true
		}
	}
	return out, changed, nil
}

// searchAuthorities finds up to 5 authorities whose name or town contains
// every word.
func (c *CatalogueStore) searchAuthorities(ctx context.Context, tenantID string, words []string) ([]Authority, error) {
	return c.units.SearchUnits(ctx, tenantID, words)
}

// SearchLike is the naive search the benchmark compares against: a LIKE
// scan of names and texts for every word, no stems, synonyms or ranking.
func (c *CatalogueStore) SearchLike(ctx context.Context, tenantID, query string, limit int) ([]Hit, error) {
	q := `SELECT s.leika_key, s.name, s.summary, 0.0 FROM portal_services s WHERE s.tenant_id = $1`
	args := []any{tenantID}
	for _, w := range Words(query) {
		args = append(args, "%"+escapeLike(w)+"%")
		n := len(args)
		q += fmt.Sprintf(` AND (lower(s.name) LIKE $%d OR lower(s.keywords) LIKE $%d OR lower(s.summary) LIKE $%d
			OR lower(s.description) LIKE $%d)`, n, n, n, n)
	}
	args = append(args, limit)
	return c.hits(ctx, q+fmt.Sprintf(` ORDER BY s.name LIMIT $%d`, len(args)), args...)
}
