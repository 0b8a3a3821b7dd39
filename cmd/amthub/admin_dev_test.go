package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/hub/access"
	"github.com/amthub/amthub/hub/staff"
)

// TestDevSeedsStaff: `amthub dev` lists a platform operator and one person
// per role in demo.json, each of whom logs in to the AdminCenter's API
// with the listed password and TOTP secret; the same logins come back on
// a second start.
func TestDevSeedsStaff(t *testing.T) {
	dir := t.TempDir()
	demo, stop := startDev(t, dir)
	if demo.URLs["admin"] == "" || len(demo.Staff) != len(access.Roles) {
		t.Fatalf("demo.json: urls.admin %q, %d staff, want %d", demo.URLs["admin"], len(demo.Staff), len(access.Roles))
	}
	var roles []string
	for _, s := range demo.Staff {
		roles = append(roles, s.Role)
		code, err := staff.TOTPCode(s.TOTPSecret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]string{"email": s.Login, "password": s.Password, "code": code})
		res, err := http.Post(demo.URLs["adminApi"]+"/login", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Token string }
		_ = json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || out.Token == "" {
			t.Errorf("login of %s (%s): %d", s.Login, s.Role, res.StatusCode)
		}
	}
	for _, r := range access.Roles {
		if !slices.Contains(roles, string(r)) {
			t.Errorf("no demo staff for role %s", r)
		}
	}
	stop()
	again, stop := startDev(t, dir)
	defer stop()
	if len(again.Staff) != len(demo.Staff) || again.Staff[0] != demo.Staff[0] {
		t.Errorf("second start lists other staff: %+v", again.Staff)
	}
}
