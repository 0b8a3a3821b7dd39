package portal

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/sqlstore"
)

// CatalogueStore keeps the services of every tenant with their search
// index, and answers searches and the finder; areas, authorities and
// responsibilities it reads from and imports into the hub's catalogue
// (hub/catalogue), which routing reads too.
type CatalogueStore struct {
	db    *sqlstore.DB
	units *catalogue.Store // areas, authorities and responsibilities

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
	return &CatalogueStore{db: db, units: catalogue.NewStore(db), synCache: map[string]synonymEntry{}}
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

// Authority returns one authority and the names of (up to 200 of) the
// services it is responsible for somewhere.
func (c *CatalogueStore) Authority(ctx context.Context, tenantID, id string) (*Authority, []Service, error) {
	a, err := c.units.OrgUnit(ctx, tenantID, id)
	if err != nil {
		return nil, nil, err
	}
	keys, err := c.units.UnitServices(ctx, tenantID, id, 200)
	if err != nil {
		return nil, nil, err
	}
	hits, err := c.ServiceNames(ctx, tenantID, keys)
	if err != nil {
		return nil, nil, fmt.Errorf("list services of authority %s: %w", id, err)
	}
	out := make([]Service, 0, len(hits))
	for _, h := range hits {
		out = append(out, Service{LeikaKey: h.LeikaKey, Name: h.Name})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return a, out, nil
}

// Places returns up to 20 areas matching q: a five-digit postcode, an ARS,
// or the start of a name (the municipalities first).
func (c *CatalogueStore) Places(ctx context.Context, tenantID, q string) ([]Place, error) {
	return c.units.Places(ctx, tenantID, q)
}

// escapeLike makes s match literally in a LIKE pattern (no ESCAPE clause
// needed: the wildcards become a single-character wildcard).
func escapeLike(s string) string {
	return strings.NewReplacer("%", "_", "\\", "_").Replace(s)
}

// Responsible finds who serves leikaKey in the area: the catalogue's
// responsibility with the longest matching ARS prefix, the same row that
// routes submissions (hub/catalogue.Store.Responsible).
func (c *CatalogueStore) Responsible(ctx context.Context, tenantID, leikaKey string, place Place) (*Finding, error) {
	m, err := c.units.Responsible(ctx, tenantID, leikaKey, place.ARS)
	if hub.IsCode(err, hub.ENOTFOUND) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "no_responsibility",
			Message: "Für diesen Ort ist im Katalog noch keine zuständige Stelle hinterlegt."}
	}
	if err != nil {
		return nil, err
	}
	f := &Finding{Place: place, Authority: m.Unit, ARSPrefix: m.ARSPrefix, OnlineURL: m.OnlineURL, Notes: m.Notes}
	if f.OnlineURL == "" {
		err := c.db.QueryRowContext(ctx, `SELECT online_url FROM portal_services WHERE tenant_id = $1 AND leika_key = $2`,
			tenantID, leikaKey).Scan(&f.OnlineURL)
		if err != nil && !sqlstore.ErrNoRows(err) {
			return nil, fmt.Errorf("find online service %s: %w", leikaKey, err)
		}
	}
	return f, nil
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
