package mappings

import (
	"container/list"
	"context"
	"fmt"
	"sync"

	"github.com/amthub/amthub/hub"
)

// DefaultCacheSize is how many compiled mappings an Engine keeps.
const DefaultCacheSize = 256

// Engine runs mappings by reference. It compiles each mapping version once
// and keeps the most recently used ones; versions are immutable, so a cached
// mapping never goes stale. It is safe for concurrent use.
type Engine struct {
	store  Store // may be nil: built-in mappings only
	limits Limits
	size   int

	mu    sync.Mutex
	byRef map[Ref]*list.Element // of *entry
	lru   *list.List
}

// entry is one cache slot; ready closes once m or err is set.
type entry struct {
	ref   Ref
	ready chan struct{}
	m     *Mapping
	err   error
}

// NewEngine returns an engine that finds mappings among the built-in ones
// and then in store (which may be nil), and runs them within limits.
func NewEngine(store Store, limits Limits) *Engine {
	return &Engine{store: store, limits: limits.withDefaults(), size: DefaultCacheSize,
		byRef: map[Ref]*list.Element{}, lru: list.New()}
}

// Limits returns the bounds of the engine's runs, so that a check before an
// upload is accepted holds within the same bounds as the pipeline's runs.
func (e *Engine) Limits() Limits { return e.limits }

// Run maps input with the referenced mapping; see Mapping.Run for errors.
func (e *Engine) Run(ctx context.Context, ref Ref, input []byte, meta Meta) (*Result, error) {
	m, err := e.Mapping(ctx, ref)
	if err != nil {
		return nil, err
	}
	return m.Run(ctx, input, meta)
}

// Mapping returns the compiled mapping for ref, compiling it on first use.
// A mapping that does not compile gives a mapping_failed error each time
// without being compiled again; a failed lookup is not remembered.
func (e *Engine) Mapping(ctx context.Context, ref Ref) (*Mapping, error) {
	if ent := e.lookup(ref); ent != nil {
		return ent.wait(ctx)
	}
	def, err := e.load(ctx, ref)
	if err != nil {
		return nil, err
	}
	ent, created := e.insert(ref)
	if !created {
		return ent.wait(ctx)
	}
	ent.m, ent.err = Compile(def, e.limits)
	if ent.err != nil {
		ent.err = failure(hub.EUNPROCESSABLE, ReasonNotCompiled, "", ent.err)
	}
	close(ent.ready)
	return ent.m, ent.err
}

func (ent *entry) wait(ctx context.Context) (*Mapping, error) {
	select {
	case <-ent.ready:
		return ent.m, ent.err
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for mapping %s: %w", ent.ref, ctx.Err())
	}
}

func (e *Engine) lookup(ref Ref) *entry {
	e.mu.Lock()
	defer e.mu.Unlock()
	el, ok := e.byRef[ref]
	if !ok {
		return nil
	}
	e.lru.MoveToFront(el)
	return el.Value.(*entry)
}

// insert adds an empty entry for ref, or returns the one another caller
// added meanwhile.
func (e *Engine) insert(ref Ref) (*entry, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if el, ok := e.byRef[ref]; ok {
		e.lru.MoveToFront(el)
		return el.Value.(*entry), false
	}
	ent := &entry{ref: ref, ready: make(chan struct{})}
	e.byRef[ref] = e.lru.PushFront(ent)
	for e.lru.Len() > e.size {
		oldest := e.lru.Back()
		e.lru.Remove(oldest)
		delete(e.byRef, oldest.Value.(*entry).ref)
	}
	return ent, true
}

// load finds the definition: built-in names first (they are reserved), then
// the tenant's store.
func (e *Engine) load(ctx context.Context, ref Ref) (*Definition, error) {
	def, err := Builtin(ref.Name, ref.Version)
	if err == nil || !hub.IsCode(err, hub.ENOTFOUND) || ref.Version == 0 {
		return def, err
	}
	if e.store == nil || ref.Tenant == "" {
		return nil, err
	}
	def, err = e.store.FindMapping(ctx, ref.Tenant, ref.Name, ref.Version)
	if err != nil {
		return nil, fmt.Errorf("find mapping %s: %w", ref, err)
	}
	return def, nil
}
