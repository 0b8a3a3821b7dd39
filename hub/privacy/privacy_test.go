package privacy_test

import (
	"strings"
	"testing"

	"github.com/amthub/amthub/hub/privacy"
)

func valid() privacy.Declaration {
	return privacy.Declaration{Module: "m", Kind: privacy.Payments, Name: "n", Purpose: "p", LegalBasis: "l",
		Subjects: "s", Categories: "c", RetentionRule: "r", Retention: privacy.Day}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		decls func() []privacy.Declaration
		want  string // "" for valid
	}{
		{"OK", func() []privacy.Declaration { return []privacy.Declaration{valid()} }, ""},
		{"ErrPurposeRequired", func() []privacy.Declaration { d := valid(); d.Purpose = ""; return []privacy.Declaration{d} }, "purpose"},
		{"ErrRuleRequired", func() []privacy.Declaration { d := valid(); d.RetentionRule = ""; return []privacy.Declaration{d} }, "retention rule"},
		{"ErrKindRequired", func() []privacy.Declaration { d := valid(); d.Kind = ""; return []privacy.Declaration{d} }, "kind"},
		{"ErrNegative", func() []privacy.Declaration { d := valid(); d.Retention = -1; return []privacy.Declaration{d} }, "negative"},
		{"ErrPeriodTwice", func() []privacy.Declaration {
			d := valid()
			e := valid()
			e.Module = "other"
			return []privacy.Declaration{d, e}
		}, "in both"},
		{"OKNoPeriodTwice", func() []privacy.Declaration {
			d, e := valid(), valid()
			d.Retention, e.Retention = 0, 0
			return []privacy.Declaration{d, e}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := privacy.Check(tt.decls())
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Check = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	d, e := valid(), valid()
	e.Kind, e.Retention = privacy.Account, 0
	got := privacy.Defaults([]privacy.Declaration{d, e})
	if len(got) != 1 || got[privacy.Payments] != privacy.Day {
		t.Fatalf("Defaults = %v, want payments: 24h only", got)
	}
}
