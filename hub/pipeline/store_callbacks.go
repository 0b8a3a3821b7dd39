package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Callback is a vendor's registered callback URL.
type Callback struct {
	TenantID, ClientID, URL string
	// Flavour is "amthub" (empty) or "fitconnect": the payload sent.
	Flavour      string
	SealedSecret []byte
	CreatedAt    time.Time
}

// PutCallback registers or replaces a client's callback.
func (s *Store) PutCallback(ctx context.Context, c *Callback) error {
	c.CreatedAt = s.db.Now()
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO callbacks (tenant_id, client_id, url, secret, created_at, flavour) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (tenant_id, client_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, created_at = excluded.created_at,
			flavour = excluded.flavour`,
		c.TenantID, c.ClientID, c.URL, c.SealedSecret, c.CreatedAt, cmp.Or(c.Flavour, flavourAmthub))
	if err != nil {
		return fmt.Errorf("put callback: %w", sqlstore.Translate(err))
	}
	return nil
}

// FindCallback returns a client's callback.
func (s *Store) FindCallback(ctx context.Context, tenantID, clientID string) (*Callback, error) {
	c := &Callback{TenantID: tenantID, ClientID: clientID}
	err := s.db.QueryRowContext(ctx, `SELECT url, secret, created_at FROM callbacks WHERE tenant_id = $1 AND client_id = $2`,
		tenantID, clientID).Scan(&c.URL, &c.SealedSecret, &c.CreatedAt)
	if sqlstore.ErrNoRows(err) {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "callback_not_found", Message: "No callback is registered."}
	}
	if err != nil {
		return nil, fmt.Errorf("find callback: %w", err)
	}
	return c, nil
}

// DeleteCallback removes a client's callback and its pending deliveries.
func (s *Store) DeleteCallback(ctx context.Context, tenantID, clientID string) error {
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM callback_deliveries WHERE tenant_id = $1 AND client_id = $2`, tenantID, clientID); err != nil {
			return fmt.Errorf("delete callback deliveries: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM callbacks WHERE tenant_id = $1 AND client_id = $2`, tenantID, clientID); err != nil {
			return fmt.Errorf("delete callback: %w", err)
		}
		return nil
	})
}

// queueCallbacks schedules the delivery of each event to the callback of
// the client owning its case, where it has one; in the events' transaction.
func (s *Store) queueCallbacks(ctx context.Context, tx *sqlstore.Tx, events []*hub.Event, now time.Time) error {
	args := make([]any, 0, 1+4*len(events))
	args = append(args, now)
	for _, e := range events {
		args = append(args, hub.NewID(), e.ID, e.CaseID, e.Type)
	}
	// VALUES columns are column1… on both PostgreSQL and SQLite.
	_, err := tx.ExecContext(ctx, `
		INSERT INTO callback_deliveries (id, tenant_id, client_id, event_id, next_at, created_at)
		SELECT v.column1, cb.tenant_id, cb.client_id, v.column2, $1, $1
		FROM (VALUES `+sqlstore.ValueRows(2, len(events), 4)+`) AS v
		JOIN cases c ON c.id = v.column3
		JOIN callbacks cb ON `+callbackRecipients, args...)
	if err != nil {
		return fmt.Errorf("queue callbacks: %w", err)
	}
	return nil
}

// Delivery is a leased callback delivery with what it needs to be sent.
type Delivery struct {
	ID           string
	ClientID     string
	Attempts     int
	CreatedAt    time.Time
	URL          string
	SealedSecret []byte
	Flavour      string
	// DestinationID is the destination of the event's case.
	DestinationID string
	Event         hub.Event
}

// LeaseDeliveries claims up to limit due deliveries for lease: they are not
// due again before then, so another dispatcher skips them, and a crashed
// dispatcher's lease simply runs out.
func (s *Store) LeaseDeliveries(ctx context.Context, lease time.Duration, limit int) ([]Delivery, error) {
	var out []Delivery
	err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		now := s.db.Now()
		rows, err := tx.QueryContext(ctx, `SELECT id FROM callback_deliveries WHERE next_at <= $1 ORDER BY next_at LIMIT $2`+
			s.db.Dialect.SkipLocked(), now, limit)
		if err != nil {
			return fmt.Errorf("lease deliveries: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("lease deliveries: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			return nil
		}
		// One statement leases them all, one reads what sending needs.
		in := sqlstore.Placeholders(2, len(ids))
		args := []any{now.Add(lease)}
		for _, id := range ids {
			args = append(args, id)
		}
		byID := make(map[string]*Delivery, len(ids))
		rows, err = tx.QueryContext(ctx, `UPDATE callback_deliveries SET next_at = $1, attempts = attempts + 1
			WHERE id IN (`+in+`) RETURNING id, attempts, created_at, event_id, client_id`, args...)
		if err != nil {
			return fmt.Errorf("lease deliveries: %w", err)
		}
		for rows.Next() {
			d := &Delivery{}
			if err := rows.Scan(&d.ID, &d.Attempts, &d.CreatedAt, &d.Event.ID, &d.ClientID); err != nil {
				rows.Close()
				return fmt.Errorf("lease deliveries: %w", err)
			}
			byID[d.ID] = d
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("lease deliveries: %w", err)
		}
		rows, err = tx.QueryContext(ctx, `
			SELECT d.id, cb.url, cb.secret, cb.flavour, c.destination_id, e.tenant_id, e.case_id, e.seq, e.type, e.submission_id, e.actor, e.data, e.token, e.created_at
			FROM callback_deliveries d
			JOIN callbacks cb ON cb.tenant_id = d.tenant_id AND cb.client_id = d.client_id
			JOIN case_events e ON e.id = d.event_id
			JOIN cases c ON c.id = e.case_id
			WHERE d.id IN (`+sqlstore.Placeholders(1, len(ids))+`)`, args[1:]...)
		if err != nil {
			return fmt.Errorf("load deliveries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var sub, tok *string
			var data string
			var e hub.Event
			var url, flavour, destID string
			var secret []byte
			if err := rows.Scan(&id, &url, &secret, &flavour, &destID, &e.TenantID, &e.CaseID, &e.Seq, &e.Type, &sub, &e.Actor, &data, &tok, &e.CreatedAt); err != nil {
				return fmt.Errorf("load deliveries: %w", err)
			}
			if d := byID[id]; d != nil {
				e.ID, e.SubmissionID, e.Token, e.Data = d.Event.ID, sqlstore.Deref(sub), sqlstore.Deref(tok), []byte(data)
				d.URL, d.SealedSecret, d.Event, d.Flavour, d.DestinationID = url, secret, e, flavour, destID
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load deliveries: %w", err)
		}
		for _, id := range ids { // in the order they fell due
			if d := byID[id]; d != nil && d.URL != "" {
				out = append(out, *d)
			}
		}
		return nil
	})
	return out, err
}

// FinishDelivery deletes a delivery that succeeded or was given up.
func (s *Store) FinishDelivery(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM callback_deliveries WHERE id = $1`, id); err != nil {
		return fmt.Errorf("finish delivery: %w", err)
	}
	return nil
}

// RetryDelivery schedules another attempt.
func (s *Store) RetryDelivery(ctx context.Context, id string, at time.Time, cause string) error {
	if len(cause) > 300 {
		cause = cause[:300]
	}
	cause = strings.ToValidUTF8(cause, "?")
	if _, err := s.db.ExecContext(ctx, `UPDATE callback_deliveries SET next_at = $2, last_error = $3 WHERE id = $1`, id, at.UTC(), cause); err != nil {
		return fmt.Errorf("retry delivery: %w", err)
	}
	return nil
}

// SaveEventToken stores the signed form of an event the first time it is
// signed; a token once stored never changes.
func (s *Store) SaveEventToken(ctx context.Context, eventID, token string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE case_events SET token = $2 WHERE id = $1 AND token IS NULL`, eventID, token); err != nil {
		return fmt.Errorf("save event token: %w", err)
	}
	return nil
}
