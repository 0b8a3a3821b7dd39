package payments

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Store keeps payments in the hub's database; state changes append to the
// case timeline through the pipeline's store, in the same transaction.
type Store struct {
	db    *sqlstore.DB
	cases Cases
}

// Cases is what payments needs of the pipeline's cases: find one, list a
// citizen's, and append a payment's change to a case's timeline inside the
// payment's transaction.
type Cases interface {
	FindCase(ctx context.Context, q sqlstore.Querier, id string) (*hub.Case, error)
	FindOwnedCase(ctx context.Context, q sqlstore.Querier, tenantID, clientID, id, field string) (*hub.Case, error)
	CitizenCaseIDs(ctx context.Context, q sqlstore.Querier, tenantID, citizenID string) ([]string, error)
	AppendEventTx(ctx context.Context, tx *sqlstore.Tx, e *hub.Event) error
}

// NewStore returns a payment store.
func NewStore(db *sqlstore.DB, cases Cases) *Store {
	return &Store{db: db, cases: cases}
}

const paymentColumns = `id, tenant_id, client_id, case_id, status, status_detail, amount, currency, purpose, description,
	items, return_url, transaction_id, redirect_url, payment_method, checks, expires_at, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanPayment(row scanner) (*Payment, error) {
	p := &Payment{}
	var items string
	var txID, redirect sql.NullString
	if err := row.Scan(&p.ID, &p.TenantID, &p.ClientID, &p.CaseID, &p.Status, &p.StatusDetail, &p.Amount, &p.Currency,
		&p.Purpose, &p.Description, &items, &p.ReturnURL, &txID, &redirect, &p.PaymentMethod, &p.Checks,
		&p.ExpiresAt, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.TransactionID, p.RedirectURL = txID.String, redirect.String
	if err := json.Unmarshal([]byte(items), &p.Items); err != nil {
		return nil, fmt.Errorf("decode items of payment %s: %w", p.ID, err)
	}
	return p, nil
}

var errNotFound = &hub.Error{Code: hub.ENOTFOUND, Kind: "payment_not_found", Message: "No such payment."}

// Find returns a payment of the client; another tenant's or client's
// payment is not found.
func (s *Store) Find(ctx context.Context, tenantID, clientID, id string) (*Payment, error) {
	p, err := scanPayment(s.db.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE tenant_id = $1 AND client_id = $2 AND id = $3`, tenantID, clientID, id))
	if sqlstore.ErrNoRows(err) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find payment: %w", err)
	}
	return p, nil
}

// findByID returns any payment by id, for the reconciler and the
// citizen's way back from the pay page.
func (s *Store) findByID(ctx context.Context, id string) (*Payment, error) {
	p, err := scanPayment(s.db.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1`, id))
	if sqlstore.ErrNoRows(err) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find payment: %w", err)
	}
	return p, nil
}

// findByKey returns the payment an earlier request with the same
// idempotency key created, nil if none, or EUNPROCESSABLE when the key was
// used for a different request.
func (s *Store) findByKey(ctx context.Context, tenantID, clientID, key, hash string) (*Payment, error) {
	id, err := s.db.FindIdempotent(ctx, "payments", tenantID, clientID, key, hash)
	if err != nil || id == "" {
		return nil, err
	}
	return s.Find(ctx, tenantID, clientID, id)
}

// insertPending stores a new payment as PENDING after checking that the
// case belongs to the client.
func (s *Store) insertPending(ctx context.Context, p *Payment, idemKey, hash string) error {
	items, err := json.Marshal(p.Items)
	if err != nil {
		return fmt.Errorf("encode items: %w", err)
	}
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := s.cases.FindOwnedCase(ctx, tx, p.TenantID, p.ClientID, p.CaseID, "caseId"); err != nil {
			return err
		}
		now := s.db.Now()
		p.Status, p.CreatedAt, p.UpdatedAt = StatusPending, now, now
		var key any
		if idemKey != "" {
			key = idemKey
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO payments (id, tenant_id, client_id, case_id, status, amount, currency,
			purpose, description, items, return_url, idempotency_key, request_hash, next_check_at, expires_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)`,
			p.ID, p.TenantID, p.ClientID, p.CaseID, p.Status, p.Amount, p.Currency, p.Purpose, p.Description, string(items),
			p.ReturnURL, key, hash, now.Add(time.Minute), p.ExpiresAt, now)
		if err != nil {
			return fmt.Errorf("insert payment: %w", err)
		}
		return nil
	})
}

// deletePending removes a payment the provider never created, so a failed
// request leaves nothing behind.
func (s *Store) deletePending(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM payments WHERE id = $1 AND status = 'PENDING'`, id); err != nil {
		return fmt.Errorf("delete pending payment: %w", err)
	}
	return nil
}

// markCreated records the provider's transaction of a PENDING payment and
// appends payment.created (and a final status, should the provider report
// one at once). A payment completed concurrently is left alone.
func (s *Store) markCreated(ctx context.Context, p *Payment, t *Transaction, nextCheck time.Time) error {
	return s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		now := s.db.Now()
		res, err := tx.ExecContext(ctx, `UPDATE payments SET status = $2, transaction_id = $3, redirect_url = $4,
			next_check_at = $5, updated_at = $6 WHERE id = $1 AND status = 'PENDING'`,
			p.ID, StatusInitial, t.ID, t.RedirectURL, nextCheck, now)
		if err != nil {
			return fmt.Errorf("record transaction: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		p.Status, p.TransactionID, p.RedirectURL, p.UpdatedAt = StatusInitial, t.ID, t.RedirectURL, now
		if err := s.announce(ctx, tx, p, ""); err != nil {
			return err
		}
		if Final(t.Status) {
			return s.transition(ctx, tx, p, t, "")
		}
		return nil
	})
}

// applyStatus moves a payment to the provider's status if that is a change
// from INITIAL, or schedules the next check otherwise. reason explains a
// change the hub made itself (expiry).
func (s *Store) applyStatus(ctx context.Context, p *Payment, t *Transaction, nextCheck time.Time, reason string) (changed bool, err error) {
	err = s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if !Final(t.Status) || p.Status != StatusInitial {
			_, err := tx.ExecContext(ctx, `UPDATE payments SET checks = checks + 1, next_check_at = $2, last_error = NULL
				WHERE id = $1 AND status = 'INITIAL'`, p.ID, nextCheck)
			if err != nil {
				return fmt.Errorf("schedule payment check: %w", err)
			}
			return nil
		}
		changed = true
		return s.transition(ctx, tx, p, t, reason)
	})
	return changed, err
}

// transition moves an INITIAL payment to a final status with its event and
// the Fachverfahren's message; a payment another process moved first is
// left alone.
func (s *Store) transition(ctx context.Context, tx *sqlstore.Tx, p *Payment, t *Transaction, reason string) error {
	now := s.db.Now()
	detail := t.StatusDetail
	if reason != "" {
		detail = reason
	}
	res, err := tx.ExecContext(ctx, `UPDATE payments SET status = $2, status_detail = $3, payment_method = $4,
		checks = checks + 1, next_check_at = NULL, last_error = NULL, updated_at = $5 WHERE id = $1 AND status = 'INITIAL'`,
		p.ID, t.Status, truncate(detail, 200), truncate(t.PaymentMethod, 50), now)
	if err != nil {
		return fmt.Errorf("update payment status: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	p.Status, p.StatusDetail, p.PaymentMethod, p.UpdatedAt = t.Status, truncate(detail, 200), t.PaymentMethod, now
	return s.announce(ctx, tx, p, reason)
}

// recordError notes a failed check and when to try again.
func (s *Store) recordError(ctx context.Context, id string, next time.Time, cause string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE payments SET checks = checks + 1, next_check_at = $2, last_error = $3
		WHERE id = $1 AND next_check_at IS NOT NULL`, id, next, truncate(cause, 300))
	if err != nil {
		return fmt.Errorf("record payment check error: %w", err)
	}
	return nil
}

// checkNow makes a payment due at once (the citizen came back).
func (s *Store) checkNow(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE payments SET next_check_at = $2 WHERE id = $1 AND next_check_at IS NOT NULL`, id, s.db.Now())
	if err != nil {
		return fmt.Errorf("schedule payment check: %w", err)
	}
	return nil
}

// leaseDue claims up to limit payments whose check is due: they are not due
// again before the lease ends, so concurrent reconcilers skip them, and a
// crashed reconciler's lease simply runs out.
func (s *Store) leaseDue(ctx context.Context, lease time.Duration, limit int) ([]*Payment, error) {
	var out []*Payment
	err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		now := s.db.Now()
		rows, err := tx.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payments
			WHERE next_check_at <= $1 ORDER BY next_check_at LIMIT $2`+s.db.Dialect.SkipLocked(), now, limit)
		if err != nil {
			return fmt.Errorf("lease payments: %w", err)
		}
		for rows.Next() {
			p, err := scanPayment(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("lease payments: %w", err)
			}
			out = append(out, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("lease payments: %w", err)
		}
		for _, p := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE payments SET next_check_at = $2 WHERE id = $1`, p.ID, now.Add(lease)); err != nil {
				return fmt.Errorf("lease payment %s: %w", p.ID, err)
			}
		}
		return nil
	})
	return out, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
