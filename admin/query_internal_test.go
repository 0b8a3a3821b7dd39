package admin

import (
	"net/url"
	"testing"
)

// FuzzAuditQuery: the audit filter's parser never panics and, when it
// accepts dates, keeps From before To for a one-day range.
func FuzzAuditQuery(f *testing.F) {
	f.Add("action=staff.&from=2026-12-01&to=2026-12-06")
	f.Add("from=01.12.2026")
	f.Add("to=%zz&tenant=x")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, errs := auditQuery(v)
		if len(errs) == 0 && !q.From.IsZero() && !q.To.IsZero() && v.Get("from") == v.Get("to") && !q.From.Before(q.To) {
			t.Errorf("from %v not before to %v", q.From, q.To)
		}
	})
}
