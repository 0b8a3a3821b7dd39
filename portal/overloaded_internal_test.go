package portal

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/backpressure"
)

// TestFailOverloaded: a request refused by backpressure gets a German page
// with 503 and Retry-After, not the generic error text.
func TestFailOverloaded(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	p := &Portal{pages: pages, logger: slog.New(slog.DiscardHandler)}
	w := httptest.NewRecorder()
	p.fail(w, httptest.NewRequest("POST", "/antrag", nil), backpressure.Overloaded(3*time.Second))
	body := w.Body.String()
	if w.Code != 503 || w.Header().Get("Retry-After") != "3" {
		t.Fatalf("got %d Retry-After %q, want 503 and 3", w.Code, w.Header().Get("Retry-After"))
	}
	for _, want := range []string{"Gerade sehr viel Andrang", "in 3 Sekunden noch einmal", `lang="de"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "Es ist ein Fehler aufgetreten") {
		t.Error("the page shows the generic error text")
	}
}
