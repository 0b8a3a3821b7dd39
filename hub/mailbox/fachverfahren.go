package mailbox

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// FromFachverfahren is a Fachverfahren's `mailbox` reply as the reply
// consumer received it.
type FromFachverfahren struct {
	MessageID     string // the AMQP message id: a redelivery is applied once
	DestinationID string // who sent it (from the routing key)
	CaseID        string
	Reply         hub.MailboxReply
}

// DeliverFromFachverfahren puts a Fachverfahren's message into the mailbox
// of the citizen the case was opened for, exactly once per message id. The
// message belongs to the vendor that owns the case (it sees replies), and
// is sent in the destination's name.
func (s *Service) DeliverFromFachverfahren(ctx context.Context, f FromFachverfahren) (applied bool, err error) {
	r := f.Reply
	req := SendRequest{Sender: "x", Title: r.Title, Body: r.Body, AssuranceLevel: r.AssuranceLevel}
	if err := req.check(0); err != nil {
		return false, err
	}
	err = s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		m := &Message{ID: hub.NewID(), CaseID: f.CaseID, Direction: ToCitizen, Title: r.Title, Body: r.Body,
			BodyFormat: FormatText, ReplyAllowed: r.ReplyAllowed, AssuranceLevel: req.AssuranceLevel}
		var citizen sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT c.tenant_id, c.client_id, c.citizen_id, d.name FROM cases c
			JOIN destinations d ON d.id = c.destination_id WHERE c.id = $1 AND c.destination_id = $2`,
			f.CaseID, f.DestinationID).Scan(&m.TenantID, &m.ClientID, &citizen, &m.Sender)
		if sqlstore.ErrNoRows(err) {
			return &hub.Error{Code: hub.ENOTFOUND, Kind: "case_not_found", Message: "mailbox reply for an unknown case"}
		}
		if err != nil {
			return fmt.Errorf("find case of mailbox reply: %w", err)
		}
		if !citizen.Valid {
			return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "no_recipient", Message: "the case has no citizen to write to"}
		}
		if applied, err = sqlstore.ClaimInbox(ctx, tx, "mailbox", f.MessageID, m.TenantID); err != nil || !applied {
			return err
		}
		m.CitizenID = citizen.String
		if m.Channel, err = channelOf(ctx, tx, m.TenantID, m.CitizenID); err != nil {
			return err
		}
		m.Status = StatusDelivered
		if m.Channel == ChannelExternal && s.cfg.External != nil {
			m.Status = StatusPending
		} else {
			m.Channel = ChannelOwn
		}
		sum := sha256.Sum256([]byte(f.MessageID))
		return s.insertMessage(ctx, tx, m, nil, "", hex.EncodeToString(sum[:]))
	})
	return applied, err
}
