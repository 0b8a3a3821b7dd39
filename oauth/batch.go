package oauth

import (
	"context"
	"fmt"
	"sync"
)

// accessRow is one access token waiting to be stored.
type accessRow struct {
	args []any
	done chan error
}

// groupCommit stores access tokens issued outside a transaction (client
// credentials) in shared transactions: the first caller becomes the
// leader and writes everything that queued up meanwhile in one commit.
// Every caller still returns only after its own row is durable — a 2xx
// still means stored — but concurrent issuances share one fsync instead of
// queueing for one each behind SQLite's single writer.
type groupCommit struct {
	mu       sync.Mutex
	pending  []*accessRow
	flushing bool
}

const insertAccess = `INSERT INTO oauth_access_tokens (signature, tenant_id, request_id, client_id, jti, expires_at, data)
	VALUES ($1, $2, $3, $4, $5, $6, $7)`

func (s *Store) insertAccessBatched(ctx context.Context, args ...any) error {
	row := &accessRow{args: args, done: make(chan error, 1)}
	g := &s.batch
	g.mu.Lock()
	g.pending = append(g.pending, row)
	if g.flushing {
		g.mu.Unlock()
		return <-row.done
	}
	g.flushing = true
	g.mu.Unlock()
	for {
		g.mu.Lock()
		batch := g.pending
		g.pending = nil
		if len(batch) == 0 {
			g.flushing = false
			g.mu.Unlock()
			break
		}
		g.mu.Unlock()
		err := s.writeBatch(context.WithoutCancel(ctx), batch)
		for _, r := range batch {
			r.done <- err
		}
	}
	return <-row.done
}

func (s *Store) writeBatch(ctx context.Context, batch []*accessRow) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store access tokens: %w", err)
	}
	for _, r := range batch {
		if _, err := tx.ExecContext(ctx, insertAccess, r.args...); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("store access token: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store access tokens: %w", err)
	}
	return nil
}
