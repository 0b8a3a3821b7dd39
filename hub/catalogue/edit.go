package catalogue

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// QueueProvisioner declares a destination's queues on the broker: its
// queue fv.<id>, bound to the submissions exchange, and its dead-letter
// queue. hub/bus's RabbitMQ and in-process buses implement it.
type QueueProvisioner interface {
	DeclareDestination(ctx context.Context, destinationID string) error
}

// Editor applies the changes staff make to a tenant's catalogue: the
// organisational units, responsibilities and destinations. Each command
// validates its whole input first (every field error at once, see
// FieldErrors), writes in one transaction or not at all, and returns the
// record before and after, for the audit log. Rights are checked by the
// caller; the tenant is always the acting principal's.
//
// The finder, GET /v1/routes and routing read the rows an Editor writes
// with no cache in between, save the destination cache, which a change
// through the Editor invalidates.
type Editor struct {
	store  *Store
	queues QueueProvisioner
	hook   Hook
}

// NewEditor returns an Editor on store that provisions destinations'
// queues through queues.
func NewEditor(store *Store, queues QueueProvisioner) *Editor {
	return &Editor{store: store, queues: queues}
}

// Changed says what a command changed, for the audit log: an action
// ("org_unit.created", "org_unit.updated", "org_unit.moved",
// "org_unit.deleted", "responsibility.set", "responsibility.removed",
// "destination.created", "destination.updated"), the kind and id of the
// object (a responsibility's id is "<leikaKey>/<arsPrefix>"), and the
// object before and after (nil when it did not exist).
type Changed struct {
	Action, Kind, ID string
	Before, After    any
}

// Hook runs in a command's transaction once the change is written; an
// error rolls the change back. The AdminCenter records its audit entry
// there, so that no change is without its entry.
type Hook func(ctx context.Context, tx *sqlstore.Tx, c Changed) error

// WithHook returns an Editor that runs h in each command's transaction.
func (e *Editor) WithHook(h Hook) *Editor {
	c := *e
	c.hook = h
	return &c
}

// orNil returns p, or an untyped nil for a nil p, so that a hook sees
// "did not exist" as nil.
func orNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return p
}

// changed runs the hook, if any.
func (e *Editor) changed(ctx context.Context, tx *sqlstore.Tx, action, kind, id string, before, after any) error {
	if e.hook == nil {
		return nil
	}
	if err := e.hook(ctx, tx, Changed{Action: action, Kind: kind, ID: id, Before: before, After: after}); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	return nil
}

// Change is what a command changed: the record before and after. Before is
// nil for a creation, After nil for a deletion.
type Change[T any] struct {
	Before *T `json:"before,omitempty"`
	After  *T `json:"after,omitempty"`
}

// FieldErrors returns every field error in err, for a form that shows each
// message next to its field: the errors of a failed validation, or err
// itself if it names a field.
func FieldErrors(err error) []*hub.Error {
	var out []*hub.Error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var he *hub.Error
		if errors.As(e, &he) && he.Field != "" {
			out = append(out, he)
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// checks collects field errors; err joins them (nil when there are none),
// so hub.ErrorCode of the result is EINVALID and its message the first's.
type checks []error

func (c *checks) add(field, kind, message string) {
	*c = append(*c, &hub.Error{Code: hub.EINVALID, Field: field, Kind: kind, Message: message})
}

func (c checks) err() error { return errors.Join(c...) }

// text checks a free text: valid UTF-8, without control characters other
// than line breaks and tabs, at most max characters, and present if
// required.
func (c *checks) text(field, value string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(value) == "":
		c.add(field, "required", "Bitte füllen Sie dieses Feld aus.")
	case !utf8.ValidString(value) || strings.ContainsFunc(value, isControl):
		c.add(field, "invalid_text", "Dieses Feld enthält unzulässige Zeichen.")
	case utf8.RuneCountInString(value) > max:
		c.add(field, "too_long", "Dieser Text ist zu lang (höchstens "+strconv.Itoa(max)+" Zeichen).")
	}
}

func isControl(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f }

// link checks an optional web address: absolute http or https.
func (c *checks) link(field, value string) {
	if value == "" {
		return
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(value) > 2000 {
		c.add(field, "invalid_url", "Bitte geben Sie eine Webadresse an, die mit https:// beginnt.")
	}
}

// email checks an optional e-mail address.
func (c *checks) email(field, value string) {
	if value == "" {
		return
	}
	a, err := mail.ParseAddress(value)
	if err != nil || a.Address != value || len(value) > 254 {
		c.add(field, "invalid_email", "Bitte geben Sie eine gültige E-Mail-Adresse an.")
	}
}

var (
	arsPrefixRe = regexp.MustCompile(`^\d{2,12}$`)
	unitIDRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$`)
)
