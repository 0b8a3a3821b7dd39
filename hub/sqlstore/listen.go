package sqlstore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Listen forwards PostgreSQL notifications of commits by other hub
// processes to OutboxWake until ctx ends, reconnecting after failures. On
// SQLite, where only this process writes, it returns at once.
func (db *DB) Listen(ctx context.Context, logger *slog.Logger) {
	if db.Dialect != Postgres {
		return
	}
	for ctx.Err() == nil {
		if err := db.listenOnce(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("outbox listener lost its connection; relays fall back to polling until it returns", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (db *DB) listenOnce(ctx context.Context) error {
	// A dedicated connection, outside the pool, so that LISTEN holds none.
	cfg, err := pgx.ParseConfig(db.url)
	if err != nil {
		return fmt.Errorf("parse database URL: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect listener: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	db.signalOutbox() // catch up on what was committed while we were away
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		if n.Payload != db.instance { // our own commits woke our relays already
			db.signalOutbox()
		}
	}
}
