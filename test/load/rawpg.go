package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
)

// rawTarget is what the raw baseline writes for: the hub's seeded tenant,
// vendor client and destinations, and a real mapped submission to copy.
type rawTarget struct {
	tenantID, clientID string
	dests              []rawDest
}

type rawDest struct {
	id, leika, service string
	data               []byte // mapped data as the hub stored it
	contentType        string
}

// loadRawTarget reads the seeded rows and one submitted submission per
// destination from the hub's database.
func loadRawTarget(ctx context.Context, pool *pgxpool.Pool, tenantID, clientID string) (rawTarget, error) {
	t := rawTarget{tenantID: tenantID, clientID: clientID}
	rows, err := pool.Query(ctx, `SELECT DISTINCT ON (destination_id) destination_id, leika_key, service_name, data, content_type
		FROM submissions WHERE tenant_id = $1 AND data IS NOT NULL ORDER BY destination_id, created_at`, tenantID)
	if err != nil {
		return t, fmt.Errorf("read submitted submissions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d rawDest
		if err := rows.Scan(&d.id, &d.leika, &d.service, &d.data, &d.contentType); err != nil {
			return t, fmt.Errorf("scan submission: %w", err)
		}
		t.dests = append(t.dests, d)
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("read submitted submissions: %w", err)
	}
	if len(t.dests) == 0 {
		return t, fmt.Errorf("no submitted submission to copy")
	}
	return t, nil
}

// rawIngest writes, with workers connections for d, what the hub writes for
// one create and one submit, in the same two commits and with the same
// statements: case, submission, event; then lock, state change, event,
// outbox row and notification. It returns submissions per second.
func rawIngest(ctx context.Context, pool *pgxpool.Pool, t rawTarget, workers int, d time.Duration) (float64, int, error) {
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	stop := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				if err := rawSubmission(ctx, pool, t, t.dests[(w+i)%len(t.dests)]); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	n := int(done.Load())
	return float64(n) / time.Since(start).Seconds(), n, firstErr
}

func rawSubmission(ctx context.Context, pool *pgxpool.Pool, t rawTarget, d rawDest) error {
	subID, caseID, now := newID(), newID(), time.Now().UTC()
	caseNumber := fmt.Sprintf("%d-%s", now.Year(), strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:12]))
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var id string // as the hub: a taken number inserts nothing (and would be retried)
		if err := tx.QueryRow(ctx, `INSERT INTO cases (id, tenant_id, case_number, client_id, citizen_id, destination_id, leika_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, case_number) DO NOTHING RETURNING id`,
			caseID, t.tenantID, caseNumber, t.clientID, nil, d.id, d.leika, now).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO submissions (id, tenant_id, case_id, client_id, destination_id, leika_key, service_name,
				state, announced, idempotency_key, request_hash, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $12, '[]', $8, $9, $10, $11)`,
			subID, t.tenantID, caseID, t.clientID, d.id, d.leika, d.service, uuid.NewString(), hash64(), now.Add(24*time.Hour), now,
			hub.StateIncomplete.String()); err != nil {
			return err
		}
		return rawEvent(ctx, tx, t, caseID, subID, "submission.created", `{"destinationId":"`+d.id+`","serviceType":{},"announcedAttachments":[]}`, now)
	})
	if err != nil {
		return fmt.Errorf("raw create: %w", err)
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM submissions WHERE id = $1 FOR UPDATE`, subID).Scan(&one); err != nil {
			return fmt.Errorf("raw submit: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE submissions SET state = $6, data = $2, content_type = $3, data_hash = $4, submitted_at = $5
			WHERE id = $1 AND state = $7`, subID, d.data, d.contentType, hash64(), now,
			hub.StateSubmitted.String(), hub.StateIncomplete.String()); err != nil {
			return fmt.Errorf("raw submit: %w", err)
		}
		if err := rawEvent(ctx, tx, t, caseID, subID, "submission.submitted", `{"contentType":"`+d.contentType+`","attachments":0}`, now); err != nil {
			return err
		}
		msgID := newID()
		payload, meta := submissionMessage(t, d, msgID, subID, caseID, caseNumber, now)
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (id, tenant_id, topic, metadata, payload, not_before, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, msgID, t.tenantID, bus.Topic(bus.SubmissionsExchange, d.id), meta, payload, now, now); err != nil {
			return fmt.Errorf("raw outbox: %w", err)
		}
		return nil
	})
}

func rawEvent(ctx context.Context, tx pgx.Tx, t rawTarget, caseID, subID, typ, data string, now time.Time) error {
	var seq int
	if err := tx.QueryRow(ctx, `UPDATE cases SET next_seq = next_seq + 1 WHERE id = $1 RETURNING next_seq - 1`, caseID).Scan(&seq); err != nil {
		return fmt.Errorf("raw event: %w", err)
	}
	evID := newID()
	if _, err := tx.Exec(ctx, `INSERT INTO case_events (id, tenant_id, case_id, seq, type, submission_id, actor, data, token, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9)`, evID, t.tenantID, caseID, seq, typ, subID, t.clientID, data, now); err != nil {
		return fmt.Errorf("raw event: %w", err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO callback_deliveries (id, tenant_id, client_id, event_id, next_at, created_at)
		SELECT $1, cb.tenant_id, cb.client_id, $2, $3, $3
		FROM cases c JOIN callbacks cb ON cb.tenant_id = c.tenant_id AND cb.client_id = c.client_id
		WHERE c.id = $4`, newID(), evID, now, caseID)
	if err != nil {
		return fmt.Errorf("raw callback: %w", err)
	}
	return nil
}

// submissionMessage builds the outbox payload and metadata the hub builds
// (sqlstore.enqueueDelivery), so the relay sees the same messages.
func submissionMessage(t rawTarget, d rawDest, msgID, subID, caseID, caseNumber string, now time.Time) (payload, meta []byte) {
	m := hub.SubmissionMessage{SubmissionID: subID, CaseID: caseID, CaseNumber: caseNumber, DestinationID: d.id,
		ServiceType: hub.ServiceType{Identifier: d.leika, Name: d.service}, SubmittedAt: now, ContentType: d.contentType,
		Data: d.data, Attachments: []hub.AttachmentRef{}}
	if d.contentType != "application/json" {
		m.Data, _ = json.Marshal(string(d.data))
	}
	payload, _ = json.Marshal(m)
	meta, _ = json.Marshal(map[string]string{
		"cloudEvents:specversion": hub.CloudEventsSpec, "cloudEvents:id": msgID, "cloudEvents:type": hub.EventTypeSubmission,
		"cloudEvents:source": "/amthub/" + t.tenantID, "cloudEvents:subject": caseID,
		"cloudEvents:time": now.Format(time.RFC3339Nano), bus.ContentTypeKey: "application/json",
		hub.HeaderTenant: t.tenantID, hub.HeaderSubmission: subID, hub.HeaderDestination: d.id,
	})
	return payload, meta
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func hash64() string { return (uuid.NewString() + uuid.NewString())[:64] }
