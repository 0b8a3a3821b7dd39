package mappings_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/mappings"
)

// memStore is an in-memory Store for engine tests; it counts lookups.
type memStore struct {
	mu      sync.Mutex
	defs    map[string]*mappings.Definition // by tenant/name@version
	finds   int
	failNow error
}

func (s *memStore) key(tenant, name string, version int) string {
	return mappings.Ref{Tenant: tenant, Name: name, Version: version}.String()
}

func (s *memStore) FindMapping(_ context.Context, tenant, name string, version int) (*mappings.Definition, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finds++
	if err := s.failNow; err != nil {
		s.failNow = nil
		return nil, err
	}
	d, ok := s.defs[s.key(tenant, name, version)]
	if !ok {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Message: "no such mapping"}
	}
	return d, nil
}

func (s *memStore) CreateMapping(_ context.Context, tenant string, d *mappings.Definition) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defs[s.key(tenant, d.Name, d.Version)] = d
	return nil
}

func (s *memStore) ListMappings(context.Context, string) ([]*mappings.Definition, error) {
	return nil, nil
}

func TestEngine(t *testing.T) {
	ctx := context.Background()

	t.Run("OKCompilesOnce", func(t *testing.T) {
		e := mappings.NewEngine(nil, mappings.Limits{})
		ref := mappings.Ref{Name: "hundesteuer", Version: 1}
		m1, err := e.Mapping(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := e.Mapping(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if m1 != m2 {
			t.Error("the mapping was compiled twice")
		}
	})

	t.Run("OKConcurrentRuns", func(t *testing.T) {
		e := mappings.NewEngine(nil, mappings.Limits{})
		defs, err := mappings.Builtins()
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					d := defs[(g+i)%len(defs)]
					want, err := os.ReadFile(filepath.Join("files", d.Name, "testdata", "v1", "beispiel.output."+string(d.Format)))
					if err != nil {
						errs <- err
						return
					}
					res, err := e.Run(ctx, mappings.Ref{Name: d.Name, Version: d.Version}, d.Example, mappings.ExampleMeta())
					if err != nil {
						errs <- err
						return
					}
					if !bytes.Equal(res.Body, want) {
						errs <- errors.New(d.Name + ": output differs from the golden file")
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		e := mappings.NewEngine(nil, mappings.Limits{})
		_, err := e.Run(ctx, mappings.Ref{Name: "katzensteuer", Version: 1}, []byte(`{}`), mappings.Meta{})
		if !hub.IsCode(err, hub.ENOTFOUND) {
			t.Errorf("got %v, want not found", err)
		}
	})

	t.Run("OKTenantMappingFromStore", func(t *testing.T) {
		store := &memStore{defs: map[string]*mappings.Definition{}}
		_ = store.CreateMapping(ctx, "t1", &mappings.Definition{Name: "eigene", Version: 2, Format: mappings.FormatJSON,
			Transform: `{gruss: "Hallo \(.name)"}`, InputSchema: []byte(probeInput), OutputSchema: []byte(probeOutput)})
		e := mappings.NewEngine(store, mappings.Limits{})
		ref := mappings.Ref{Tenant: "t1", Name: "eigene", Version: 2}

		store.failNow = errors.New("database is down")
		if _, err := e.Run(ctx, ref, []byte(`{"name": "Welt"}`), mappings.Meta{}); err == nil {
			t.Fatal("want the store's error")
		}
		res, err := e.Run(ctx, ref, []byte(`{"name": "Welt"}`), mappings.Meta{})
		if err != nil {
			t.Fatalf("a failed lookup must not be cached: %v", err)
		}
		if !bytes.Contains(res.Body, []byte(`"Hallo Welt"`)) {
			t.Errorf("body = %s", res.Body)
		}
		if _, err := e.Run(ctx, ref, []byte(`{"name": "Welt"}`), mappings.Meta{}); err != nil {
			t.Fatal(err)
		}
		if store.finds != 2 {
			t.Errorf("store was asked %d times, want 2", store.finds)
		}
		if _, err := e.Run(ctx, mappings.Ref{Tenant: "t2", Name: "eigene", Version: 2}, []byte(`{}`), mappings.Meta{}); !hub.IsCode(err, hub.ENOTFOUND) {
			t.Errorf("other tenant: got %v, want not found", err)
		}
	})

	t.Run("ErrStoredMappingDoesNotCompile", func(t *testing.T) {
		store := &memStore{defs: map[string]*mappings.Definition{}}
		_ = store.CreateMapping(ctx, "t1", probe(`{`, probeOutput))
		e := mappings.NewEngine(store, mappings.Limits{})
		ref := mappings.Ref{Tenant: "t1", Name: "probe", Version: 1}
		for i := 0; i < 2; i++ {
			_, err := e.Run(ctx, ref, []byte(`{"name": "a"}`), mappings.Meta{})
			if he := hubError(t, err); he.Message != mappings.ReasonNotCompiled {
				t.Errorf("reason = %q", he.Message)
			}
		}
		if store.finds != 1 {
			t.Errorf("store was asked %d times, want 1: a compile error is remembered", store.finds)
		}
	})
}

func TestBuiltins(t *testing.T) {
	defs, err := mappings.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
		if len(d.InputSchema) == 0 || len(d.Example) == 0 || d.Description == "" {
			t.Errorf("%s: input schema, example and description must be set", d.Name)
		}
		if _, err := mappings.Check(context.Background(), d, mappings.Limits{}); err != nil {
			t.Errorf("%s: %v", d.Name, err)
		}
	}
	if got, want := len(names), 2; got != want || names[0] != "gewerbeanmeldung" || names[1] != "hundesteuer" {
		t.Errorf("built-ins = %v", names)
	}
	latest, err := mappings.Builtin("gewerbeanmeldung", 0)
	if err != nil || latest.Version != 1 || latest.Format != mappings.FormatXML {
		t.Errorf("Builtin(latest) = %+v, %v", latest, err)
	}
	if _, err := mappings.Builtin("gewerbeanmeldung", 9); !hub.IsCode(err, hub.ENOTFOUND) {
		t.Errorf("Builtin(v9): got %v, want not found", err)
	}
	if _, err := mappings.Builtin("../files", 1); !hub.IsCode(err, hub.ENOTFOUND) {
		t.Errorf("Builtin(../files): got %v, want not found", err)
	}
}
