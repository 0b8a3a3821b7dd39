package hub_test

import (
	"slices"
	"testing"

	"github.com/amthub/amthub/hub"
)

func TestFITConnectScopes(t *testing.T) {
	const dest = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
	for _, tc := range []struct {
		scope string
		valid bool
	}{
		{"send:region:DE", true},
		{"send:region:DE14", true},
		{"send:region:DE145110000000", true},
		{"send:region:DE1451100000001", false},
		{"send:region:14", false},
		{"subscribe:destination:" + dest, true},
		{"manage:destination:" + dest, true},
		{"send:destination:" + dest, true},
		{"subscribe:destination:" + dest + "x", false},
		{"subscribe:destination:*", false},
		{"create:destination", false},
	} {
		if got := hub.ValidFITConnectScope(tc.scope); got != tc.valid {
			t.Errorf("ValidFITConnectScope(%q) = %v, want %v", tc.scope, got, tc.valid)
		}
	}
	p := &hub.Principal{Scopes: []string{"send:region:DE14", "subscribe:destination:" + dest, "subscribe:destination:bad", "routes:read"}}
	if got := p.FITConnectRegions(); !slices.Equal(got, []string{"14"}) {
		t.Errorf("regions = %q", got)
	}
	if got := p.FITConnectDestinations(hub.ScopeFITSubscribe); !slices.Equal(got, []string{dest}) {
		t.Errorf("subscribed = %q", got)
	}
	if !p.IsFITConnectSender() || (&hub.Principal{Scopes: []string{"subscribe:destination:" + dest}}).IsFITConnectSender() {
		t.Error("IsFITConnectSender is wrong")
	}
}
