package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// CatalogueStore keeps the catalogue of services, authorities and
// responsibilities of every tenant, and answers searches and the finder.
type CatalogueStore struct {
	db *sqlstore.DB

	mu       sync.Mutex
	synCache map[string]synonymEntry // per tenant, for synonymTTL
}

type synonymEntry struct {
	words   map[string][]string
	expires time.Time
}

// synonymTTL is how long a process keeps a tenant's synonyms; an import in
// the same process refreshes them at once.
const synonymTTL = time.Minute

// NewCatalogueStore returns a CatalogueStore on db.
func NewCatalogueStore(db *sqlstore.DB) *CatalogueStore {
	return &CatalogueStore{db: db, synCache: map[string]synonymEntry{}}
}

const serviceColumns = `leika_key, name, summary, description, requirements, procedure, deadlines, documents,
	costs, legal_basis, keywords, online_url`

func scanService(row interface{ Scan(...any) error }) (*Service, error) {
	s := &Service{}
	var kw string
	err := row.Scan(&s.LeikaKey, &s.Name, &s.Summary, &s.Description, &s.Requirements, &s.Procedure, &s.Deadlines,
		&s.Documents, &s.Costs, &s.LegalBasis, &kw, &s.OnlineURL)
	s.Keywords = strings.Fields(kw)
	return s, err
}

// Service returns one service by its LeiKa key.
func (c *CatalogueStore) Service(ctx context.Context, tenantID, leikaKey string) (*Service, error) {
	s, err := scanService(c.db.QueryRowContext(ctx, `SELECT `+serviceColumns+`
		FROM portal_services WHERE tenant_id = $1 AND leika_key = $2`, tenantID, leikaKey))
	if sqlstore.ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "service_not_found", Message: "Diese Leistung gibt es nicht."}
	}
	if err != nil {
		return nil, fmt.Errorf("find service %s: %w", leikaKey, err)
	}
	return s, nil
}

// ServiceNames returns key and name of those of the services keys names
// that exist, in the order given.
func (c *CatalogueStore) ServiceNames(ctx context.Context, tenantID string, keys []string) ([]Hit, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := []any{tenantID}
	for _, k := range keys {
		args = append(args, k)
	}
	hits, err := c.hits(ctx, `SELECT s.leika_key, s.name, s.summary, 0.0 FROM portal_services s
		WHERE s.tenant_id = $1 AND s.leika_key IN (`+sqlstore.Placeholders(2, len(keys))+`)`, args...)
	if err != nil {
		return nil, err
	}
	byKey := map[string]Hit{}
	for _, h := range hits {
		byKey[h.LeikaKey] = h
	}
	out := make([]Hit, 0, len(hits))
	for _, k := range keys {
		if h, ok := byKey[k]; ok {
			out = append(out, h)
		}
	}
	return out, nil
}

const authorityColumns = `id, name, street, postcode, city, opening_hours, phone, email, website`

func scanAuthority(row interface{ Scan(...any) error }, a *Authority) error {
	return row.Scan(&a.ID, &a.Name, &a.Address.Street, &a.Address.Postcode, &a.Address.City, &a.OpeningHours,
		&a.Contact.Phone, &a.Contact.Email, &a.Contact.Website)
}

// Authority returns one authority and the names of (up to 200 of) the
// services it is responsible for somewhere.
func (c *CatalogueStore) Authority(ctx context.Context, tenantID, id string) (*Authority, []Service, error) {
	a := &Authority{}
	err := scanAuthority(c.db.QueryRowContext(ctx, `SELECT `+authorityColumns+`
		FROM portal_authorities WHERE tenant_id = $1 AND id = $2`, tenantID, id), a)
	if sqlstore.ErrNoRows(err) {
		return nil, nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "authority_not_found", Message: "Diese Behörde gibt es nicht."}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find authority %s: %w", id, err)
	}
	rows, err := c.db.QueryContext(ctx, `SELECT DISTINCT s.leika_key, s.name FROM portal_responsibilities r
		JOIN portal_services s ON s.tenant_id = r.tenant_id AND s.leika_key = r.leika_key
		WHERE r.tenant_id = $1 AND r.authority_id = $2 ORDER BY s.name LIMIT 200`, tenantID, id)
	if err != nil {
		return nil, nil, fmt.Errorf("list services of authority %s: %w", id, err)
	}
	defer rows.Close()
	var out []Service
	for rows.Next() {
		var s Service
		if err := rows.Scan(&s.LeikaKey, &s.Name); err != nil {
			return nil, nil, fmt.Errorf("list services of authority %s: %w", id, err)
		}
		out = append(out, s)
	}
	return a, out, rows.Err()
}

// Places returns up to 20 areas matching q: a five-digit postcode, an ARS,
// or the start of a name (the municipalities first).
func (c *CatalogueStore) Places(ctx context.Context, tenantID, q string) ([]Place, error) {
	q = strings.TrimSpace(q)
	var query string
	var arg any
	switch {
	case postcodeRe.MatchString(q):
		query = `SELECT a.ars, a.name, a.level, $2 FROM areas a WHERE a.tenant_id = $1 AND (a.postcode = $2
			OR a.ars IN (SELECT ars FROM portal_postcodes WHERE tenant_id = $1 AND postcode = $2))
			ORDER BY a.name LIMIT 20`
		arg = q
	case len(q) == 12 && arsPrefixRe.MatchString(q):
		query = `SELECT ars, name, level, COALESCE(postcode, '') FROM areas WHERE tenant_id = $1 AND ars = $2`
		arg = q
	case len([]rune(q)) >= 2:
		query = `SELECT ars, name, level, COALESCE(postcode, '') FROM areas WHERE tenant_id = $1 AND lower(name) LIKE $2
			ORDER BY CASE level WHEN 'gemeinde' THEN 0 WHEN 'kreis' THEN 1 ELSE 2 END, length(name), name LIMIT 20`
		arg = escapeLike(strings.ToLower(q)) + "%"
	default:
		return nil, nil
	}
	rows, err := c.db.QueryContext(ctx, query, tenantID, arg)
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

// escapeLike makes s match literally in a LIKE pattern (no ESCAPE clause
// needed: the wildcards become a single-character wildcard).
func escapeLike(s string) string {
	return strings.NewReplacer("%", "_", "\\", "_").Replace(s)
}

// arsPrefixes returns every prefix of an ARS that a responsibility can
// name, longest first.
func arsPrefixes(ars string) []any {
	out := make([]any, 0, 11)
	for n := len(ars); n >= 2; n-- {
		out = append(out, ars[:n])
	}
	return out
}

// Responsible finds who serves leikaKey in the area ars: the authority of
// the responsibility with the longest matching ARS prefix.
func (c *CatalogueStore) Responsible(ctx context.Context, tenantID, leikaKey string, place Place) (*Finding, error) {
	prefixes := arsPrefixes(place.ARS)
	args := append([]any{tenantID, leikaKey}, prefixes...)
	f := &Finding{Place: place}
	var notes string
	err := scanAuthorityFinding(c.db.QueryRowContext(ctx, `SELECT r.ars_prefix, r.online_url, r.notes, s.online_url,
		a.id, a.name, a.street, a.postcode, a.city, a.opening_hours, a.phone, a.email, a.website
		FROM portal_responsibilities r
		JOIN portal_authorities a ON a.tenant_id = r.tenant_id AND a.id = r.authority_id
		JOIN portal_services s ON s.tenant_id = r.tenant_id AND s.leika_key = r.leika_key
		WHERE r.tenant_id = $1 AND r.leika_key = $2 AND r.ars_prefix IN (`+sqlstore.Placeholders(3, len(prefixes))+`)
		ORDER BY length(r.ars_prefix) DESC LIMIT 1`, args...), f, &notes)
	if sqlstore.ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "no_responsibility",
			Message: "Für diesen Ort ist im Katalog noch keine zuständige Stelle hinterlegt."}
	}
	if err != nil {
		return nil, fmt.Errorf("find responsibility: %w", err)
	}
	if err := json.Unmarshal([]byte(notes), &f.Notes); err != nil {
		return nil, fmt.Errorf("read regional notes: %w", err)
	}
	return f, nil
}

func scanAuthorityFinding(row interface{ Scan(...any) error }, f *Finding, notes *string) error {
	var own, service string
	a := &f.Authority
	err := row.Scan(&f.ARSPrefix, &own, notes, &service, &a.ID, &a.Name, &a.Address.Street, &a.Address.Postcode,
		&a.Address.City, &a.OpeningHours, &a.Contact.Phone, &a.Contact.Email, &a.Contact.Website)
	f.OnlineURL = own
	if own == "" {
		f.OnlineURL = service
	}
	return err
}

// synonyms returns the synonym table of a tenant: word → alternatives.
func (c *CatalogueStore) synonyms(ctx context.Context, tenantID string) (map[string][]string, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.synCache[tenantID]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.words, nil
	}
	words, err := c.loadSynonyms(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.synCache[tenantID] = synonymEntry{words: words, expires: now.Add(synonymTTL)}
	c.mu.Unlock()
	return words, nil
}

func (c *CatalogueStore) forgetSynonyms(tenantID string) {
	c.mu.Lock()
	delete(c.synCache, tenantID)
	c.mu.Unlock()
}

func (c *CatalogueStore) loadSynonyms(ctx context.Context, tenantID string) (map[string][]string, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT term, alternatives FROM portal_synonyms WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("load synonyms: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var t, a string
		if err := rows.Scan(&t, &a); err != nil {
			return nil, fmt.Errorf("load synonyms: %w", err)
		}
		out[t] = strings.Fields(a)
	}
	return out, rows.Err()
}
