package portal

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/sqlstore"
)

// CitizenData is a module's part of what the hub holds about a citizen
// (wired in cmd/amthub): it writes its sections of the citizen's archive
// ("Meine Daten") and, when the account is deleted, deletes what it holds
// of the citizen, or unlinks it where it is an authority's record, inside
// the deletion's transaction.
type CitizenData interface {
	privacy.Exporter
	ForgetCitizen(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) error
}

// portalData is the portal's own part: master data, sessions, the
// e-mails it sent and the document safe.
type portalData struct {
	db       *sqlstore.DB
	citizens *citizens.Store
	sessions SessionStore
	docs     *DocumentStore
	docsOn   bool
}

type profileItem struct {
	GivenName  string    `json:"givenName"`
	FamilyName string    `json:"familyName"`
	BirthName  string    `json:"birthName"`
	BirthDate  string    `json:"birthDate"`
	BirthPlace string    `json:"birthPlace"`
	Street     string    `json:"street"`
	Postcode   string    `json:"postcode"`
	City       string    `json:"city"`
	Phone      string    `json:"phone"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

type sessionItem struct {
	ACR       string    `json:"acr"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

type emailItem struct {
	ID        string    `json:"id"`
	Recipient string    `json:"recipient"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"createdAt"`
}

type folderItem struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

type documentItem struct {
	ID        string    `json:"id"`
	FolderID  string    `json:"folderId,omitempty"`
	Filename  string    `json:"filename"`
	MimeType  string    `json:"mimeType"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	File      string    `json:"file,omitempty"` // empty when the safe's keys are not configured
	CreatedAt time.Time `json:"createdAt"`
}

type usageItem struct {
	Bytes int64 `json:"bytes"`
}

// ExportCitizen writes the sections "profile", "sessions", "emails",
// "documentFolders", "documents" (with their files) and "documentUsage".
func (d *portalData) ExportCitizen(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := privacy.Steps(ctx, tenantID, citizenID, a, d.exportProfile, d.exportSessions, d.exportEmails, d.exportDocuments); err != nil {
		return fmt.Errorf("export portal data: %w", err)
	}
	return nil
}

func (d *portalData) exportProfile(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("profile"); err != nil {
		return err
	}
	return sqlstore.EachRow(ctx, d.db, func(rows *sql.Rows) error {
		var p profileItem
		if err := rows.Scan(&p.GivenName, &p.FamilyName, &p.BirthName, &p.BirthDate, &p.BirthPlace, &p.Street, &p.Postcode,
			&p.City, &p.Phone, &p.UpdatedAt); err != nil {
			return err
		}
		return a.Add(p)
	}, `SELECT given_name, family_name, birth_name, birth_date, birth_place, street, postcode, city, phone, updated_at
		FROM portal_profiles WHERE tenant_id = $1 AND citizen_id = $2`, tenantID, citizenID)
}

func (d *portalData) exportSessions(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("sessions"); err != nil {
		return err
	}
	list, err := d.sessions.ListCitizen(ctx, tenantID, citizenID)
	if err != nil {
		return err
	}
	for _, s := range list {
		if err := a.Add(sessionItem{ACR: acrOrNormal(s.ACR), CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt}); err != nil {
			return err
		}
	}
	return nil
}

func (d *portalData) exportEmails(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("emails"); err != nil {
		return err
	}
	c, err := d.citizens.Get(ctx, tenantID, citizenID)
	if err != nil {
		return err
	}
	return sqlstore.EachRow(ctx, d.db, func(rows *sql.Rows) error {
		var m emailItem
		if err := rows.Scan(&m.ID, &m.Recipient, &m.Subject, &m.Body, &m.CreatedAt); err != nil {
			return err
		}
		return a.Add(m)
	}, `SELECT id, recipient, subject, body, created_at FROM portal_outbox
		WHERE tenant_id = $1 AND recipient = $2 ORDER BY created_at, id`, tenantID, c.Email)
}

func (d *portalData) exportDocuments(ctx context.Context, tenantID, citizenID string, a *privacy.Archive) error {
	if err := a.Section("documentFolders"); err != nil {
		return err
	}
	folders, err := d.docs.Folders(ctx, tenantID, citizenID)
	if err != nil {
		return err
	}
	for _, f := range folders {
		if err := a.Add(folderItem{ID: f.ID, Name: f.Name, CreatedAt: f.CreatedAt}); err != nil {
			return err
		}
	}
	if err := a.Section("documents"); err != nil {
		return err
	}
	err = sqlstore.EachRow(ctx, d.db, func(rows *sql.Rows) error {
		var it documentItem
		var folder sql.NullString
		if err := rows.Scan(&it.ID, &folder, &it.Filename, &it.MimeType, &it.Size, &it.SHA256, &it.CreatedAt); err != nil {
			return err
		}
		it.FolderID = folder.String
		if d.docsOn {
			id := it.ID
			it.File = a.File("dokumente/"+id, it.Filename, func(ctx context.Context) ([]byte, error) {
				doc, err := d.docs.Get(ctx, tenantID, citizenID, id)
				if err != nil {
					return nil, err
				}
				return doc.Content, nil
			})
		}
		return a.Add(it)
	}, `SELECT id, folder_id, filename, mime_type, size, sha256, created_at FROM portal_documents
		WHERE tenant_id = $1 AND citizen_id = $2 ORDER BY created_at, id`, tenantID, citizenID)
	if err != nil {
		return err
	}
	if err := a.Section("documentUsage"); err != nil {
		return err
	}
	return sqlstore.EachRow(ctx, d.db, func(rows *sql.Rows) error {
		var u usageItem
		if err := rows.Scan(&u.Bytes); err != nil {
			return err
		}
		return a.Add(u)
	}, `SELECT bytes FROM portal_document_usage WHERE tenant_id = $1 AND citizen_id = $2`, tenantID, citizenID)
}

// ForgetCitizen deletes, inside tx, the portal's data of a citizen whose
// account is deleted: master data, the document safe and the e-mails sent
// to the account's address. Sessions end after the commit (they may live
// in Redis): see Accounts.Delete.
func (d *portalData) ForgetCitizen(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) error {
	if err := deleteAllDocuments(ctx, tx, tenantID, citizenID); err != nil {
		return err
	}
	c, err := d.citizens.Get(ctx, tenantID, citizenID)
	if err != nil {
		return err
	}
	for _, stmt := range []struct{ what, sql, arg string }{
		{"profile", `DELETE FROM portal_profiles WHERE tenant_id = $1 AND citizen_id = $2`, citizenID},
		{"e-mails", `DELETE FROM portal_outbox WHERE tenant_id = $1 AND recipient = $2`, c.Email},
		{"sessions", `DELETE FROM portal_sessions WHERE tenant_id = $1 AND citizen_id = $2`, citizenID},
	} {
		if _, err := tx.ExecContext(ctx, stmt.sql, tenantID, stmt.arg); err != nil {
			return fmt.Errorf("delete %s: %w", stmt.what, err)
		}
	}
	return nil
}
