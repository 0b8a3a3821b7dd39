package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/sqlstore"
)

// DocumentConfig configures the document safe (Dokumentensafe).
type DocumentConfig struct {
	// Keys encrypt the documents at rest (envelope encryption, as the
	// mailbox's attachments). Without a valid keyring the safe is off.
	Keys mailbox.Keyring
	// MaxFileSize bounds one document; default 10 MiB.
	MaxFileSize int64
	// Quota bounds the bytes of all documents of one account; default 50 MiB.
	Quota int64
}

func (c DocumentConfig) withDefaults() DocumentConfig {
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = 10 << 20
	}
	if c.Quota <= 0 {
		c.Quota = 50 << 20
	}
	return c
}

// Folder is a folder of the document safe.
type Folder struct {
	ID, Name  string
	CreatedAt time.Time
}

// Document is a document in the safe; Content only when read with Get.
type Document struct {
	ID, FolderID, Filename, MimeType, SHA256 string
	Size                                     int64
	CreatedAt                                time.Time
	Content                                  []byte
}

// DocumentStore keeps the citizens' documents in the portal's tables,
// encrypted. Every method takes the owner; another citizen's folder or
// document is not found.
type DocumentStore struct {
	db  *sqlstore.DB
	cfg DocumentConfig
}

// NewDocumentStore returns the document safe on db.
func NewDocumentStore(db *sqlstore.DB, cfg DocumentConfig) *DocumentStore {
	return &DocumentStore{db: db, cfg: cfg.withDefaults()}
}

var (
	errDocumentNotFound = &hub.Error{Code: hub.ENOTFOUND, Kind: "document_not_found", Message: "Dieses Dokument gibt es nicht."}
	errFolderNotFound   = &hub.Error{Code: hub.ENOTFOUND, Kind: "folder_not_found", Message: "Diesen Ordner gibt es nicht."}
)

// documentTypes are the accepted types, by what the content is, with the
// file name endings that may go with each.
var documentTypes = map[string][]string{
	"application/pdf": {".pdf"},
	"image/png":       {".png"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"text/plain":      {".txt"},
}

// checkName accepts a name of 1 to max characters in one line.
func checkName(field, name string, max int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > max || !utf8.ValidString(name) ||
		strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", hub.FieldError(field, "Bitte einen Namen mit 1 bis %d Zeichen in einer Zeile angeben.", max)
	}
	return name, nil
}

// Folders lists a citizen's folders by name.
func (d *DocumentStore) Folders(ctx context.Context, tenantID, citizenID string) ([]Folder, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, name, created_at FROM portal_document_folders
		WHERE tenant_id = $1 AND citizen_id = $2 ORDER BY name, id`, tenantID, citizenID)
	if err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	defer rows.Close()
	var out []Folder
	for rows.Next() {
		var f Folder
		if err := rows.Scan(&f.ID, &f.Name, &f.CreatedAt); err != nil {
			return nil, fmt.Errorf("list folders: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// CreateFolder makes a folder; names are unique per citizen.
func (d *DocumentStore) CreateFolder(ctx context.Context, tenantID, citizenID, name string) (*Folder, error) {
	name, err := checkName("name", name, 60)
	if err != nil {
		return nil, err
	}
	f := &Folder{ID: hub.NewID(), Name: name, CreatedAt: d.db.Now()}
	_, err = d.db.ExecContext(ctx, `INSERT INTO portal_document_folders (id, tenant_id, citizen_id, name, created_at)
		VALUES ($1, $2, $3, $4, $5)`, f.ID, tenantID, citizenID, f.Name, f.CreatedAt)
	if err = sqlstore.Translate(err); hub.IsCode(err, hub.ECONFLICT) {
		return nil, &hub.Error{Code: hub.ECONFLICT, Field: "name", Kind: "folder_exists", Message: "Einen Ordner mit diesem Namen gibt es schon."}
	}
	if err != nil {
		return nil, fmt.Errorf("create folder: %w", err)
	}
	return f, nil
}

// Folder returns one of the citizen's folders.
func (d *DocumentStore) Folder(ctx context.Context, tenantID, citizenID, id string) (*Folder, error) {
	if !hub.ValidID(id) {
		return nil, errFolderNotFound
	}
	f := &Folder{}
	err := d.db.QueryRowContext(ctx, `SELECT id, name, created_at FROM portal_document_folders
		WHERE tenant_id = $1 AND citizen_id = $2 AND id = $3`, tenantID, citizenID, id).Scan(&f.ID, &f.Name, &f.CreatedAt)
	if sqlstore.ErrNoRows(err) {
		return nil, errFolderNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find folder: %w", err)
	}
	return f, nil
}

// DeleteFolder removes an empty folder.
func (d *DocumentStore) DeleteFolder(ctx context.Context, tenantID, citizenID, id string) error {
	if _, err := d.Folder(ctx, tenantID, citizenID, id); err != nil {
		return err
	}
	return d.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM portal_documents WHERE folder_id = $1`, id).Scan(&n); err != nil {
			return fmt.Errorf("count folder: %w", err)
		}
		if n > 0 {
			return &hub.Error{Code: hub.ECONFLICT, Kind: "folder_not_empty",
				Message: "Der Ordner enthält noch Dokumente. Bitte löschen Sie diese zuerst."}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM portal_document_folders WHERE tenant_id = $1 AND citizen_id = $2 AND id = $3`,
			tenantID, citizenID, id); err != nil {
			return fmt.Errorf("delete folder: %w", err)
		}
		return nil
	})
}

const documentColumns = `id, COALESCE(folder_id, ''), filename, mime_type, size, sha256, created_at`

// List returns a citizen's documents, newest first: those of one folder,
// or with folderID "" all of them.
func (d *DocumentStore) List(ctx context.Context, tenantID, citizenID, folderID string) ([]Document, error) {
	q := `SELECT ` + documentColumns + ` FROM portal_documents WHERE tenant_id = $1 AND citizen_id = $2`
	args := []any{tenantID, citizenID}
	if folderID != "" {
		q += ` AND folder_id = $3`
		args = append(args, folderID)
	}
	rows, err := d.db.QueryContext(ctx, q+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		var doc Document
		if err := rows.Scan(&doc.ID, &doc.FolderID, &doc.Filename, &doc.MimeType, &doc.Size, &doc.SHA256, &doc.CreatedAt); err != nil {
			return nil, fmt.Errorf("list documents: %w", err)
		}
		out = append(out, doc)
	}
	return out, rows.Err()
}

// Usage returns the bytes a citizen's documents take.
func (d *DocumentStore) Usage(ctx context.Context, tenantID, citizenID string) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, `SELECT bytes FROM portal_document_usage WHERE tenant_id = $1 AND citizen_id = $2`,
		tenantID, citizenID).Scan(&n)
	if sqlstore.ErrNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read usage: %w", err)
	}
	return n, nil
}

func documentAAD(tenantID, citizenID, id string) []byte {
	return []byte("amthub-portal-document\x00" + tenantID + "\x00" + citizenID + "\x00" + id)
}

// checkDocument checks a document's name, size and type: the type is what
// the content is, and the name's ending must fit it.
func (d *DocumentStore) checkDocument(filename string, content []byte) (name, mimeType string, err error) {
	name, err = checkName("datei", filename, 200)
	if err != nil || strings.ContainsAny(name, `/\`) || path.Base(name) != name {
		return "", "", hub.FieldError("datei", "Der Dateiname ist ungültig (höchstens 200 Zeichen, ohne Schrägstriche).")
	}
	if int64(len(content)) > d.cfg.MaxFileSize {
		return "", "", &hub.Error{Code: hub.ETOOLARGE, Kind: "document_too_large", Field: "datei",
			Message: fmt.Sprintf("Die Datei ist zu groß. Eine Datei darf höchstens %s groß sein.", byteSize(d.cfg.MaxFileSize))}
	}
	if len(content) == 0 {
		return "", "", hub.FieldError("datei", "Die Datei ist leer.")
	}
	mimeType = mailbox.Sniff(content) // the same signatures as mail attachments
	endings, ok := documentTypes[mimeType]
	ext := strings.ToLower(path.Ext(name))
	if !ok || !slices.Contains(endings, ext) {
		return "", "", &hub.Error{Code: hub.EINVALID, Kind: "document_type_forbidden", Field: "datei",
			Message: "Diese Datei können Sie nicht ablegen. Erlaubt sind PDF-Dokumente (.pdf), Bilder (.png, .jpg) und Textdateien (.txt); der Inhalt muss zur Dateiendung passen."}
	}
	return name, mimeType, nil
}

// Put stores a document in a folder ("" for none) after checking it, its
// folder and the account's quota; over quota, nothing is stored.
func (d *DocumentStore) Put(ctx context.Context, tenantID, citizenID, folderID, filename string, content []byte) (*Document, error) {
	name, mimeType, err := d.checkDocument(filename, content)
	if err != nil {
		return nil, err
	}
	if folderID != "" {
		if _, err := d.Folder(ctx, tenantID, citizenID, folderID); err != nil {
			return nil, err
		}
	}
	sum := sha256.Sum256(content)
	doc := &Document{ID: hub.NewID(), FolderID: folderID, Filename: name, MimeType: mimeType, SHA256: hex.EncodeToString(sum[:]),
		Size: int64(len(content)), CreatedAt: d.db.Now()}
	ct, wrapped, keyID, err := d.cfg.Keys.Encrypt(content, documentAAD(tenantID, citizenID, doc.ID))
	if err != nil {
		return nil, fmt.Errorf("encrypt document: %w", err)
	}
	err = d.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_document_usage (tenant_id, citizen_id, bytes) VALUES ($1, $2, 0)
			ON CONFLICT (tenant_id, citizen_id) DO NOTHING`, tenantID, citizenID); err != nil {
			return fmt.Errorf("start usage: %w", err)
		}
		// One conditional update: concurrent uploads cannot both squeeze in.
		res, err := tx.ExecContext(ctx, `UPDATE portal_document_usage SET bytes = bytes + $3
			WHERE tenant_id = $1 AND citizen_id = $2 AND bytes + $3 <= $4`, tenantID, citizenID, doc.Size, d.cfg.Quota)
		if err != nil {
			return fmt.Errorf("count usage: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "quota_exceeded", Field: "datei",
				Message: fmt.Sprintf("Ihr Dokumentensafe ist zu voll für diese Datei (höchstens %s insgesamt). Bitte löschen Sie zuerst andere Dokumente.",
					byteSize(d.cfg.Quota))}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_documents (id, tenant_id, citizen_id, folder_id, filename, mime_type,
			size, sha256, key_id, wrapped_key, ciphertext, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			doc.ID, tenantID, citizenID, nullString(folderID), doc.Filename, doc.MimeType, doc.Size, doc.SHA256, keyID, wrapped, ct,
			doc.CreatedAt); err != nil {
			return fmt.Errorf("store document: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Get returns one of the citizen's documents with its content.
func (d *DocumentStore) Get(ctx context.Context, tenantID, citizenID, id string) (*Document, error) {
	if !hub.ValidID(id) {
		return nil, errDocumentNotFound
	}
	doc := &Document{}
	var keyID string
	var wrapped, ct []byte
	err := d.db.QueryRowContext(ctx, `SELECT `+documentColumns+`, key_id, wrapped_key, ciphertext FROM portal_documents
		WHERE tenant_id = $1 AND citizen_id = $2 AND id = $3`, tenantID, citizenID, id).
		Scan(&doc.ID, &doc.FolderID, &doc.Filename, &doc.MimeType, &doc.Size, &doc.SHA256, &doc.CreatedAt, &keyID, &wrapped, &ct)
	if sqlstore.ErrNoRows(err) {
		return nil, errDocumentNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find document: %w", err)
	}
	if doc.Content, err = d.cfg.Keys.Decrypt(ct, wrapped, keyID, documentAAD(tenantID, citizenID, id)); err != nil {
		return nil, fmt.Errorf("open document %s: %w", id, err)
	}
	return doc, nil
}

// Delete removes one of the citizen's documents and frees its bytes.
func (d *DocumentStore) Delete(ctx context.Context, tenantID, citizenID, id string) error {
	if !hub.ValidID(id) {
		return errDocumentNotFound
	}
	return d.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		var size int64
		err := tx.QueryRowContext(ctx, `DELETE FROM portal_documents WHERE tenant_id = $1 AND citizen_id = $2 AND id = $3 RETURNING size`,
			tenantID, citizenID, id).Scan(&size)
		if sqlstore.ErrNoRows(err) {
			return errDocumentNotFound
		}
		if err != nil {
			return fmt.Errorf("delete document: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE portal_document_usage SET bytes = bytes - $3 WHERE tenant_id = $1 AND citizen_id = $2`,
			tenantID, citizenID, size); err != nil {
			return fmt.Errorf("free usage: %w", err)
		}
		return nil
	})
}

// deleteAllDocuments removes a citizen's whole document safe in tx (the
// account is deleted).
func deleteAllDocuments(ctx context.Context, tx *sqlstore.Tx, tenantID, citizenID string) error {
	for _, table := range []string{"portal_documents", "portal_document_folders", "portal_document_usage"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id = $1 AND citizen_id = $2`, tenantID, citizenID); err != nil {
			return fmt.Errorf("delete %s: %w", table, err)
		}
	}
	return nil
}

// byteSize writes n bytes the German way: "812 Byte", "1,5 KB", "10 MB".
func byteSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d Byte", n)
	case n < 1<<20:
		return strings.Replace(strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1024), ".0"), ".", ",", 1) + " KB"
	default:
		return strings.Replace(strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0"), ".", ",", 1) + " MB"
	}
}
