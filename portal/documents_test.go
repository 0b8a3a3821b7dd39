package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/portal"
)

// TestDocumentSafe uploads, lists, downloads and deletes documents, and
// checks what is refused — too large (413, nothing stored), wrong type by
// content, over quota, without form token, another citizen's — and that
// deleting the account deletes the safe and the sessions.
func TestDocumentSafe(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			b := newBoxEnv(t, d.Open(t), portal.DocumentConfig{MaxFileSize: 64 << 10, Quota: 100 << 10})
			erika, erikaID := b.citizen(t, "erika@example.org")
			docs := func() int {
				return b.count(t, `SELECT count(*) FROM portal_documents WHERE tenant_id = $1 AND citizen_id = $2`, b.tenant, erikaID)
			}
			erika.get("/konto/dokumente")

			const xssName = `<img src=x onerror="window.pwned=1">.pdf`
			var id string
			t.Run("Upload", func(t *testing.T) {
				if code, loc := erika.upload("", xssName, testPDF, ""); code != 303 || loc != "/konto/dokumente?ok=hochgeladen" {
					t.Fatalf("upload = %d %s", code, loc)
				}
				code, body := erika.get("/konto/dokumente?ok=hochgeladen")
				if code != 200 || !strings.Contains(body, "Die Datei ist gespeichert") || !strings.Contains(body, "&lt;img src=x") ||
					!strings.Contains(body, fmt.Sprintf("Belegt: %d Byte von 100 KB", len(testPDF))) {
					t.Fatalf("list = %d: %.2000s", code, body)
				}
				inert(t, "list", body)
				list, err := b.portal.Documents().List(context.Background(), b.tenant, erikaID, "")
				if err != nil || len(list) != 1 || list[0].MimeType != "application/pdf" {
					t.Fatalf("stored %+v %v", list, err)
				}
				id = list[0].ID
				var ct []byte
				if err := b.db.QueryRowContext(context.Background(), `SELECT ciphertext FROM portal_documents WHERE id = $1`, id).Scan(&ct); err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(ct, []byte("%PDF")) || len(ct) <= len(testPDF) {
					t.Error("the document is not encrypted at rest")
				}
			})
			t.Run("Download", func(t *testing.T) {
				resp, err := erika.hc.Get(b.srv.URL + "/konto/dokumente/" + id)
				if err != nil {
					t.Fatal(err)
				}
				got := readAll(t, resp)
				cd := resp.Header.Get("Content-Disposition")
				if resp.StatusCode != 200 || !bytes.Equal(got, testPDF) || !strings.HasPrefix(cd, "attachment; filename=") ||
					resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != "application/pdf" {
					t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
				}
			})
			for _, tc := range []struct {
				name, file string
				content    []byte
				code       int
				want       string
			}{
				{"ErrHTMLAsPDF", "rechnung.pdf", []byte("<html><script>window.pwned=1</script></html>"), 422, "Erlaubt sind PDF"},
				{"ErrPNGAsPDF", "bild.pdf", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 422, "zur Dateiendung passen"},
				{"ErrExecutableAsText", "liesmich.txt", append([]byte("MZ\x90\x00\x03"), make([]byte, 64)...), 422, "Erlaubt sind PDF"},
				{"ErrSVG", "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>`), 422, "Erlaubt sind PDF"},
				{"ErrEmpty", "leer.txt", nil, 422, "Die Datei ist leer"},
				{"ErrTooLargeStreamed", "gross.txt", bytes.Repeat([]byte("a"), 70<<10), 413, "höchstens 64 KB"},
				{"ErrTooLargeAnnounced", "riesig.txt", bytes.Repeat([]byte("a"), 1<<20), 413, "höchstens 64 KB"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					code, body := erika.upload("", tc.file, tc.content, "")
					if code != tc.code || !strings.Contains(body, tc.want) {
						t.Fatalf("upload = %d, want %d with %q: %.300s", code, tc.code, tc.want, body)
					}
					if n := docs(); n != 1 {
						t.Fatalf("%d documents stored, want 1", n)
					}
				})
			}
			t.Run("ErrUploadWithoutCSRF", func(t *testing.T) {
				for _, tok := range []string{"-", strings.Repeat("A", 43)} {
					if code, _ := erika.upload("", "brief.txt", []byte("Hallo"), tok); code != 403 {
						t.Errorf("upload with token %q = %d, want 403", tok, code)
					}
				}
				if n := docs(); n != 1 {
					t.Fatalf("%d documents stored, want 1", n)
				}
			})
			t.Run("ErrQuota", func(t *testing.T) {
				erika.get("/konto/dokumente")
				if code, _ := erika.upload("", "a.txt", bytes.Repeat([]byte("a"), 60<<10), ""); code != 303 {
					t.Fatalf("first = %d", code)
				}
				code, body := erika.upload("", "b.txt", bytes.Repeat([]byte("b"), 60<<10), "")
				if code != 422 || !strings.Contains(body, "zu voll") {
					t.Fatalf("over quota = %d: %.300s", code, body)
				}
				if n := docs(); n != 2 {
					t.Fatalf("%d documents stored, want 2", n)
				}
			})
			t.Run("Folders", func(t *testing.T) {
				const xssFolder = `<script>window.pwned=1</script>`
				erika.get("/konto/dokumente")
				code, loc := erika.post("/konto/dokumente/ordner", url.Values{"name": {xssFolder}})
				if code != 303 || !strings.Contains(loc, "ordner=") {
					t.Fatalf("create folder = %d %s", code, loc)
				}
				folder := strings.TrimPrefix(loc[strings.Index(loc, "ordner=")+7:], "")
				if i := strings.IndexByte(folder, '&'); i >= 0 {
					folder = folder[:i]
				}
				_, body := erika.get(loc)
				if !strings.Contains(body, "&lt;script&gt;window.pwned=1&lt;/script&gt;") || !strings.Contains(body, "Der Ordner ist angelegt") {
					t.Fatalf("folder page: %.300s", body)
				}
				inert(t, "folder", body)
				if code, _ := erika.post("/konto/dokumente/ordner", url.Values{"name": {xssFolder}}); code != 409 {
					t.Errorf("same folder again = %d, want 409", code)
				}
				if code, _ := erika.upload(folder, "brief.txt", []byte("Sehr geehrte Damen und Herren"), ""); code != 303 {
					t.Fatalf("upload into folder = %d", code)
				}
				_, body = erika.get("/konto/dokumente?ordner=" + folder)
				if !strings.Contains(body, "brief.txt") || strings.Contains(body, "a.txt") {
					t.Error("the folder's page does not show just its documents")
				}
				if code, _ := erika.post("/konto/dokumente/ordner/"+folder+"/loeschen", url.Values{}); code != 409 {
					t.Errorf("delete a folder with documents = %d, want 409", code)
				}
				list, _ := b.portal.Documents().List(context.Background(), b.tenant, erikaID, folder)
				if len(list) != 1 {
					t.Fatalf("folder holds %d documents", len(list))
				}
				if code, _ := erika.post("/konto/dokumente/"+list[0].ID+"/loeschen", url.Values{"ordner": {folder}}); code != 303 {
					t.Fatal("delete document in folder")
				}
				if code, _ := erika.post("/konto/dokumente/ordner/"+folder+"/loeschen", url.Values{}); code != 303 {
					t.Errorf("delete the empty folder = %d", code)
				}
			})
			t.Run("ErrOtherCitizen", func(t *testing.T) {
				other, _ := b.citizen(t, "max@example.org")
				if code, _ := other.get("/konto/dokumente/" + id); code != 404 {
					t.Errorf("download another's document = %d, want 404", code)
				}
				other.get("/konto/dokumente")
				if code, _ := other.post("/konto/dokumente/"+id+"/loeschen", url.Values{}); code != 404 {
					t.Errorf("delete another's document = %d, want 404", code)
				}
				if _, body := other.get("/konto/dokumente"); strings.Contains(body, id) {
					t.Error("another citizen's list shows the document")
				}
				if n := docs(); n != 2 {
					t.Fatalf("%d documents left, want 2", n)
				}
			})
			t.Run("Delete", func(t *testing.T) {
				erika.get("/konto/dokumente")
				if code, _ := erika.post("/konto/dokumente/"+id+"/loeschen", url.Values{"csrf_token": {""}}); code != 403 {
					t.Errorf("delete without form token = %d, want 403", code)
				}
				if code, loc := erika.post("/konto/dokumente/"+id+"/loeschen", url.Values{}); code != 303 || loc != "/konto/dokumente?ok=geloescht" {
					t.Fatalf("delete = %d %s", code, loc)
				}
				if code, _ := erika.get("/konto/dokumente/" + id); code != 404 {
					t.Errorf("deleted document = %d, want 404", code)
				}
				if used, _ := b.portal.Documents().Usage(context.Background(), b.tenant, erikaID); used != 60<<10 {
					t.Errorf("usage after delete = %d, want %d", used, 60<<10)
				}
			})
			t.Run("DeleteAccount", func(t *testing.T) {
				erika.get("/konto/loeschen")
				if code, body := erika.post("/konto/loeschen", url.Values{"confirm": {"ja"}}); code != 200 || !strings.Contains(body, "Konto gelöscht") {
					t.Fatalf("delete account = %d: %.3000s", code, body)
				}
				for _, table := range []string{"portal_documents", "portal_document_folders", "portal_document_usage", "portal_sessions"} {
					if n := b.count(t, `SELECT count(*) FROM `+table+` WHERE tenant_id = $1 AND citizen_id = $2`, b.tenant, erikaID); n != 0 {
						t.Errorf("%s keeps %d rows of the deleted account", table, n)
					}
				}
				if code, loc := erika.get("/konto/dokumente"); code != 303 || loc != "/konto/anmelden" {
					t.Errorf("after deletion = %d %s", code, loc)
				}
			})
		})
	}
}

// TestDocumentQuotaConcurrent: uploads racing for the last space of the
// quota cannot overshoot it together.
func TestDocumentQuotaConcurrent(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			db := d.Open(t)
			tenant := hubtest.MustTenant(t, db)
			store := portal.NewDocumentStore(db, portal.DocumentConfig{Keys: testKeys(3), MaxFileSize: 64 << 10, Quota: 100 << 10})
			const n = 8
			errs := make(chan error, n)
			for i := 0; i < n; i++ {
				go func() {
					_, err := store.Put(context.Background(), tenant, "c1", "", "brief.txt", bytes.Repeat([]byte("x"), 40<<10))
					errs <- err
				}()
			}
			stored := 0
			for i := 0; i < n; i++ {
				switch err := <-errs; {
				case err == nil:
					stored++
				case hub.ErrorKind(err) != "quota_exceeded":
					t.Errorf("upload: %v", err)
				}
			}
			used, err := store.Usage(context.Background(), tenant, "c1")
			if err != nil || stored != 2 || used != 2*40<<10 {
				t.Fatalf("%d stored, %d bytes used (%v); want 2 and %d", stored, used, err, 2*40<<10)
			}
		})
	}
}
