package register_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/register"
	"github.com/amthub/amthub/connectors/register/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/casetest"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/registers"
	"github.com/amthub/amthub/hub/sqlstore"
)

type env struct {
	db    *sqlstore.DB
	sim   *sim.Sim
	svc   *registers.Service
	cases *casetest.Fixture
	clock *hubtest.Clock
}

func newEnv(t testing.TB, db *sqlstore.DB, timeout time.Duration) *env {
	t.Helper()
	e := &env{db: db, clock: hubtest.NewClock(time.Now())}
	var err error
	if e.sim, err = sim.New(sim.Config{Size: 200}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.sim)
	t.Cleanup(srv.Close)
	conns := map[string]registers.Register{}
	for _, name := range []string{registers.Population, registers.Trade} {
		c, err := register.NewClient(register.Config{Register: name, BaseURL: srv.URL}, nil)
		if err != nil {
			t.Fatal(err)
		}
		conns[name] = c
	}
	e.cases = casetest.New(t, db, hubtest.MustTenant(t, db))
	e.svc, err = registers.NewService(db, e.cases.Store, registers.Config{Registers: conns, AuditKey: make([]byte, 32), Timeout: timeout,
		BreakerThreshold: 2, BreakerCooldown: 10 * time.Second, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) principal(client, subject string, scopes ...string) *hub.Principal {
	return &hub.Principal{TenantID: e.cases.TenantID, ClientID: client, Subject: subject,
		Scopes: append([]string{hub.ScopeRegistersQuery}, scopes...)}
}

func (e *env) audit(t *testing.T) []registers.AuditEntry {
	t.Helper()
	entries, err := e.svc.AuditLog(context.Background(), e.cases.TenantID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestQueries(t *testing.T) {
	e := newEnv(t, hubtest.NewPostgres(t), 300*time.Millisecond)
	ctx := context.Background()
	citizen := e.principal("vendor-a", "citizen-1") // acts for a citizen who consented
	machine := e.principal("vendor-a", "vendor-a")  // acts for itself
	authority := e.principal("amt-1", "amt-1", registers.ScopeLegalBasisPrefix+registers.LegalBasisBMG34)
	c := e.cases.Case(t, "vendor-a", "citizen-1")
	tests := []struct {
		name     string
		p        *hub.Principal
		register string
		req      registers.QueryRequest
		kind     string // expected error kind, "" for an answer
		found    bool
		outcome  string // audit outcome, "" for none written
	}{
		{"AnsweredOnConsent", citizen, registers.Population, registers.QueryRequest{Purpose: "Gewerbeanmeldung", CaseID: c.CaseID, Query: erika}, "", true, "found"},
		{"AnsweredOnGrantedBasis", authority, registers.Population, registers.QueryRequest{LegalBasis: "bmg-34", Purpose: "Prüfung der Anschrift", Query: erika}, "", true, "found"},
		{"NotFound", citizen, registers.Population, registers.QueryRequest{Purpose: "Anmeldung", Query: map[string]string{"familyName": "Niemand", "givenName": "Nemo", "dateOfBirth": "2001-01-01"}}, "", false, "not_found"},
		{"TradeNeedsNoConsent", machine, registers.Trade, registers.QueryRequest{Purpose: "Gewerbeanmeldung", Query: map[string]string{"registerNumber": "HRB 12345"}}, "", true, "found"},
		{"ErrRefusedWithoutConsent", machine, registers.Population, registers.QueryRequest{Purpose: "Neugier", Query: erika}, "consent_required", false, "refused"},
		{"ErrRefusedBasisNotGranted", machine, registers.Population, registers.QueryRequest{LegalBasis: "bmg-34", Purpose: "Prüfung", Query: erika}, "consent_required", false, "refused"},
		{"ErrUnknownRegister", citizen, "vehicles", registers.QueryRequest{Purpose: "Kfz", Query: erika}, "register_unknown", false, ""},
		{"ErrUnknownBasis", citizen, registers.Population, registers.QueryRequest{LegalBasis: "hgb-9", Purpose: "x y z", Query: erika}, "legal_basis_unknown", false, ""},
		{"ErrMissingBirthDate", citizen, registers.Population, registers.QueryRequest{Purpose: "Anmeldung", Query: map[string]string{"familyName": "A", "givenName": "B"}}, "query_invalid", false, ""},
		{"ErrBadDate", citizen, registers.Population, registers.QueryRequest{Purpose: "Anmeldung", Query: map[string]string{"familyName": "A", "givenName": "B", "dateOfBirth": "1964-13-40"}}, "query_invalid", false, ""},
		{"ErrUnknownParameter", citizen, registers.Population, registers.QueryRequest{Purpose: "Anmeldung", Query: map[string]string{"familyName": "A", "givenName": "B", "dateOfBirth": "1964-01-01", "religion": "x"}}, "query_invalid", false, ""},
		{"ErrTradeWithoutKey", machine, registers.Trade, registers.QueryRequest{Purpose: "Anmeldung", Query: map[string]string{"registerCourt": "Amtsgericht Köln"}}, "query_invalid", false, ""},
		{"ErrNoPurpose", citizen, registers.Population, registers.QueryRequest{Query: erika}, "purpose_invalid", false, ""},
		{"ErrOtherVendorsCase", e.principal("vendor-b", "citizen-1"), registers.Population, registers.QueryRequest{Purpose: "Anmeldung", CaseID: c.CaseID, Query: erika}, "case_not_found", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.audit(t))
			ans, err := e.svc.Query(ctx, tt.p, tt.register, tt.req)
			if got := hub.ErrorKind(err); got != tt.kind && !(tt.kind == "" && err == nil) {
				t.Fatalf("error %v, want kind %q", err, tt.kind)
			}
			if err == nil && ans.Found != tt.found {
				t.Errorf("found %v, want %v (%+v)", ans.Found, tt.found, ans)
			}
			entries := e.audit(t)
			if tt.outcome == "" {
				if len(entries) != before {
					t.Errorf("an invalid request was audited")
				}
				return
			}
			if len(entries) != before+1 || entries[0].Outcome != tt.outcome || entries[0].ClientID != tt.p.ClientID ||
				entries[0].Purpose != tt.req.Purpose {
				t.Fatalf("audit %+v, want one new entry with outcome %s", entries, tt.outcome)
			}
		})
	}
	t.Run("AuditNamesConsentNeverTheAnswer", func(t *testing.T) {
		entries := e.audit(t)
		last := entries[len(entries)-1]
		if last.CitizenID != "citizen-1" || last.LegalBasis != "consent" || last.CaseID != c.CaseID ||
			last.SubjectHash != e.svc.SubjectHash(registers.Population, erika) {
			t.Errorf("first audit entry %+v", last)
		}
		var dump strings.Builder
		rows, err := e.db.QueryContext(ctx, `SELECT * FROM register_audit`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("read register_audit: %v", err)
			}
			for _, v := range vals {
				dump.WriteString(strings.ToLower(toString(v)) + " ")
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("read register_audit: %v", err)
		}
		for _, secret := range []string{"heidestraße", "51147", "mustermann", "1964-08-12"} {
			if strings.Contains(dump.String(), secret) {
				t.Errorf("the audit log holds %q", secret)
			}
		}
	})
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

func TestRegisterDownOrSlow(t *testing.T) {
	e := newEnv(t, hubtest.NewSQLite(t), 150*time.Millisecond)
	ctx := context.Background()
	p := e.principal("vendor-a", "citizen-1")
	q := registers.QueryRequest{Purpose: "Anmeldung", Query: erika}
	t.Run("TimedOut", func(t *testing.T) {
		e.sim.SetLatency(time.Second)
		defer e.sim.SetLatency(0)
		start := time.Now()
		_, err := e.svc.Query(ctx, p, registers.Population, q)
		if hub.ErrorKind(err) != "register_timeout" || hub.ErrorCode(err) != hub.EUNAVAILABLE {
			t.Fatalf("error %v, want register_timeout", err)
		}
		if d := time.Since(start); d > 700*time.Millisecond {
			t.Errorf("a timed-out query took %s", d)
		}
		if got := e.audit(t)[0].Outcome; got != "timeout" {
			t.Errorf("audit outcome %s", got)
		}
	})
	t.Run("BreakerOpensAndCloses", func(t *testing.T) {
		e.sim.SetDown(true)
		_, err := e.svc.Query(ctx, p, registers.Population, q) // second failure in a row: opens
		if hub.ErrorKind(err) != "register_unavailable" {
			t.Fatalf("error %v, want register_unavailable", err)
		}
		e.sim.SetDown(false)
		_, err = e.svc.Query(ctx, p, registers.Population, q)
		if hub.ErrorKind(err) != "register_unavailable" || !strings.Contains(hub.ErrorMessage(err), "circuit open") {
			t.Fatalf("error %v, want the open breaker to refuse", err)
		}
		if _, err := e.svc.Query(ctx, p, registers.Trade, registers.QueryRequest{Purpose: "Anmeldung",
			Query: map[string]string{"companyName": "Musterfirma GmbH"}}); err != nil {
			t.Errorf("the trade register is refused by the population register's breaker: %v", err)
		}
		e.clock.Add(11 * time.Second)
		if ans, err := e.svc.Query(ctx, p, registers.Population, q); err != nil || !ans.Found {
			t.Fatalf("after the cooldown: %+v %v", ans, err)
		}
	})
}
