package retention_test

import (
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/privacy"
	"github.com/amthub/amthub/hub/retention"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		keep bool
		ok   bool
	}{
		{"7d", 7 * privacy.Day, false, true},
		{"0d", 0, false, true},
		{"36h", 36 * time.Hour, false, true},
		{" 90m ", 90 * time.Minute, false, true},
		{"keep", 0, true, true},
		{"-1d", 0, false, false},
		{"-1h", 0, false, false},
		{"1.5d", 0, false, false},
		{"500ms", 0, false, false},
		{"36501d", 0, false, false},
		{"forever", 0, false, false},
		{"", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, keep, err := retention.ParsePeriod(tt.in)
			if tt.ok != (err == nil) || d != tt.want || keep != tt.keep {
				t.Fatalf("ParsePeriod(%q) = %v, %v, %v", tt.in, d, keep, err)
			}
			if err != nil && hub.ErrorCode(err) != hub.EINVALID {
				t.Fatalf("error code %s, want EINVALID", hub.ErrorCode(err))
			}
		})
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"7d", "36h", "keep", "-1d", "1e9d", "9223372036854775807d", "1h30m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, keep, err := retention.ParsePeriod(s)
		if err != nil {
			if hub.ErrorCode(err) != hub.EINVALID {
				t.Fatalf("%q: error %v is not EINVALID", s, err)
			}
			return
		}
		if keep && d != 0 || d < 0 || d > 100*365*privacy.Day || d%time.Second != 0 {
			t.Fatalf("%q: period %v keep %v", s, d, keep)
		}
	})
}
