package audit_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/audit"
)

type citizenRecord struct {
	ID          string `json:"id"`
	FamilyName  string `json:"familyName"`
	Note        string `json:"note" audit:"redact"`
	Internal    string `json:"internal" audit:"-"`
	Email       string `json:"email"`
	unexported  string
	Secret      string
	Nested      map[string]any `json:"nested"`
	ClientToken []string       `json:"clientToken"`
	At          time.Time      `json:"at"`
}

type customJSON struct{}

func (customJSON) MarshalJSON() ([]byte, error) {
	return []byte(`{"password":"hunter2","name":"ok"}`), nil
}

func TestRedact(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		in        any
		want      []string // substrings of the JSON
		forbidden []string
	}{
		{
			name: "struct by name and tag",
			in: citizenRecord{ID: "c1", FamilyName: "Mustermann", Note: "krank", Internal: "x", Email: "staff@amt.de",
				unexported: "u", Secret: "s3cr3t", Nested: map[string]any{"dateOfBirth": "1964-08-12", "city": "Leipzig",
					"client_secret": "abc"}, ClientToken: []string{"tok"}, At: at},
			want:      []string{`"id":"c1"`, `"familyName":"[entfernt]"`, `"note":"[entfernt]"`, `"Secret":"[entfernt]"`, `"city":"Leipzig"`, `"email":"staff@amt.de"`, `"at":"2026-12-06T10:00:00Z"`},
			forbidden: []string{"Mustermann", "krank", "internal", "s3cr3t", "1964", "abc", "tok", "unexported"},
		},
		{
			name:      "map with secrets at depth",
			in:        map[string]any{"clients": []any{map[string]any{"id": "k", "secret_hash": "h", "Password": "p"}}},
			want:      []string{`"id":"k"`, `"secret_hash":"[entfernt]"`, `"Password":"[entfernt]"`},
			forbidden: []string{`"h"`, `"p"`},
		},
		{
			name:      "own MarshalJSON",
			in:        map[string]any{"x": customJSON{}},
			want:      []string{`"name":"ok"`, `"password":"[entfernt]"`},
			forbidden: []string{"hunter2"},
		},
		{
			name:      "raw bytes",
			in:        map[string]any{"file": []byte("Erika Mustermann")},
			want:      []string{`"file":"[entfernt]"`},
			forbidden: []string{"Erika"},
		},
		{name: "nil", in: nil, want: []string{"null"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(audit.Redact(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("%s lacks %s", s, w)
				}
			}
			for _, f := range tc.forbidden {
				if strings.Contains(s, f) {
					t.Errorf("%s keeps %s", s, f)
				}
			}
		})
	}
}

func FuzzRedact(f *testing.F) {
	f.Add(`{"a":{"password":"x"},"b":[1,"y",{"token":"z"}]}`)
	f.Add(`[{"familyName":"M"}]`)
	f.Add(`"plain"`)
	f.Fuzz(func(t *testing.T, in string) {
		var v any
		if json.Unmarshal([]byte(in), &v) != nil {
			return
		}
		b, err := json.Marshal(audit.Redact(v))
		if err != nil {
			t.Fatalf("redacted value does not marshal: %v", err)
		}
		var back any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("redacted JSON does not parse: %v", err)
		}
	})
}
