// Package privacy holds what each module declares about the personal data
// it keeps: the data kind, why it is kept (purpose, legal basis), for how
// long by default, and where it lies (tables and columns, other stores).
// The modules export their declarations as values; cmd/amthub collects
// them for the retention job, the citizen's data export and the record of
// processing activities (GDPR Art. 30).
package privacy

import (
	"fmt"
	"time"
)

// Kind is a kind of data with its own retention period. A tenant may
// change the period of each kind; the job deletes what is due per kind.
type Kind string

// The data kinds with retention. Add, never rename: tenants' settings and
// the deletion log name them.
const (
	// SubmissionContent is a submission's data and attachments once the
	// Fachverfahren accepted or rejected it: kept only for redelivery.
	SubmissionContent Kind = "submission_content"
	// Drafts are submissions never submitted (incomplete, expired).
	Drafts Kind = "drafts"
	// Timeline is a case and its signed events; they hold no personal data
	// beyond the case's reference to the citizen.
	Timeline Kind = "timeline"
	// MailboxMessages are messages in the citizen's mailbox with their
	// attachments.
	MailboxMessages Kind = "mailbox_messages"
	// Documents are files in the citizen's document safe.
	Documents Kind = "documents"
	// Payments are payment records (amount, purpose, provider's reference).
	Payments Kind = "payments"
	// RegisterAudit is the log of register queries: who looked up whom, why.
	RegisterAudit Kind = "register_audit"
	// StaffAudit is the log of what staff did in the AdminCenter.
	StaffAudit Kind = "staff_audit"
	// Account is the citizen's account and master data: kept until the
	// citizen deletes the account (no period).
	Account Kind = "account"
	// Transient is data that expires by itself (sessions, tokens, the
	// outbox, caches): kept until it expires or is delivered, no period.
	Transient Kind = "transient"
)

// Table is a table that a declaration covers, with the columns that hold
// personal data.
type Table struct {
	Name string
	// Columns hold personal data (or content that may contain it).
	Columns []string
	// Citizen names the column that refers to the citizen's account, if
	// any ("citizen_id", "subject"): the export and account deletion go by
	// it.
	Citizen string
}

// Declaration says what one module keeps of one kind of data. It follows
// the record of processing activities: purpose, legal basis, data
// subjects, categories of data, recipients, retention.
type Declaration struct {
	Module string // the owning module, e.g. "hub/pipeline"
	Kind   Kind
	// Name is the activity's name, in German, as the record shows it.
	Name       string
	Purpose    string // German
	LegalBasis string // e.g. "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 OZG"
	Subjects   string // categories of data subjects, German
	Categories string // categories of personal data, German
	Recipients string // who receives the data, German
	// Retention is the default period after which the job deletes the
	// data; zero means the data is not deleted by period (see RetentionRule).
	Retention time.Duration
	// RetentionRule says, in German, from when the period runs or why
	// there is none ("nach Annahme oder Ablehnung durch das Fachverfahren").
	RetentionRule string
	// Tables lists where the data lies in the database.
	Tables []Table
	// Stores names other places the data reaches (a cache, a broker's
	// queue, a search index), with what happens to it there.
	Stores []string
}

// Validate checks that a declaration says what the record needs.
func (d Declaration) Validate() error {
	switch {
	case d.Module == "" || d.Kind == "":
		return fmt.Errorf("privacy declaration %q: module and kind are required", d.Name)
	case d.Name == "" || d.Purpose == "" || d.LegalBasis == "" || d.Subjects == "" || d.Categories == "":
		return fmt.Errorf("privacy declaration %s/%s: name, purpose, legal basis, subjects and categories are required", d.Module, d.Kind)
	case d.RetentionRule == "":
		return fmt.Errorf("privacy declaration %s/%s: the retention rule is required", d.Module, d.Kind)
	case d.Retention < 0:
		return fmt.Errorf("privacy declaration %s/%s: negative retention", d.Module, d.Kind)
	}
	return nil
}

// Day is a retention period's unit in declarations and settings.
const Day = 24 * time.Hour

// Check validates every declaration, and that the kinds with a period are
// declared once: one module owns each period.
func Check(decls []Declaration) error {
	periods := map[Kind]string{}
	for _, d := range decls {
		if err := d.Validate(); err != nil {
			return err
		}
		if d.Retention == 0 {
			continue
		}
		if prev, dup := periods[d.Kind]; dup {
			return fmt.Errorf("privacy declarations: kind %s has a period in both %s and %s", d.Kind, prev, d.Module)
		}
		periods[d.Kind] = d.Module
	}
	return nil
}

// Defaults returns each kind's default period from the declarations that
// set one.
func Defaults(decls []Declaration) map[Kind]time.Duration {
	out := map[Kind]time.Duration{}
	for _, d := range decls {
		if d.Retention > 0 {
			out[d.Kind] = d.Retention
		}
	}
	return out
}
