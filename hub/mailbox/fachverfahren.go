package mailbox

import (
	"context"
	"crypto/sha256"
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
	// The catalogue's destination names the sender. A case's tenant and
	// destination never change, so both are looked up before the
	// transaction, which would otherwise hold a connection while waiting
	// for another.
	c, err := s.replyCase(ctx, s.db, f)
	if err != nil {
		return false, err
	}
	dest, err := s.destinations.FindDestination(ctx, c.TenantID, c.DestinationID)
	if err != nil {
		return false, fmt.Errorf("find sender of mailbox reply: %w", err)
	}
	err = s.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		m := &Message{ID: hub.NewID(), CaseID: f.CaseID, Direction: ToCitizen, Title: r.Title, Body: r.Body,
			BodyFormat: FormatText, ReplyAllowed: r.ReplyAllowed, AssuranceLevel: req.AssuranceLevel, Sender: dest.Name}
		// Read again inside the transaction: the citizen may have deleted
		// their account, which unlinks the case.
		c, err := s.replyCase(ctx, tx, f)
		if err != nil {
			return err
		}
		m.TenantID, m.ClientID = c.TenantID, c.ClientID
		if c.CitizenID == "" {
			return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "no_recipient", Message: "the case has no citizen to write to"}
		}
		if applied, err = sqlstore.ClaimInbox(ctx, tx, "mailbox", f.MessageID, m.TenantID); err != nil || !applied {
			return err
		}
		m.CitizenID = c.CitizenID
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

// replyCase finds the case a Fachverfahren's mailbox reply is for; a case
// of another destination is not found.
func (s *Service) replyCase(ctx context.Context, q sqlstore.Querier, f FromFachverfahren) (*hub.Case, error) {
	c, err := s.cases.FindCase(ctx, q, f.CaseID)
	if hub.IsCode(err, hub.ENOTFOUND) || err == nil && c.DestinationID != f.DestinationID {
		return nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "case_not_found", Message: "mailbox reply for an unknown case"}
	}
	if err != nil {
		return nil, fmt.Errorf("find case of mailbox reply: %w", err)
	}
	return c, nil
}
