package retention

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/privacy"
)

// maxPeriod bounds a period: 100 years.
const maxPeriod = 100 * 365 * privacy.Day

// ParsePeriod reads a period as people write it: whole days ("7d"), a Go
// duration ("36h", "90m"), or "keep" (never deleted by period).
func ParsePeriod(s string) (d time.Duration, keep bool, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "keep":
		return 0, true, nil
	case strings.HasSuffix(s, "d"):
		n, perr := strconv.ParseInt(strings.TrimSuffix(s, "d"), 10, 64)
		if perr != nil || n < 0 || n > int64(maxPeriod/privacy.Day) {
			return 0, false, hub.FieldError("period", "%q is not a number of days from 0 to %d", s, maxPeriod/privacy.Day)
		}
		return time.Duration(n) * privacy.Day, false, nil
	}
	d, perr := time.ParseDuration(s)
	if perr != nil || d < 0 || d > maxPeriod {
		return 0, false, hub.FieldError("period", "%q is not a period: write days (7d), a duration (36h) or keep", s)
	}
	if d%time.Second != 0 {
		return 0, false, hub.FieldError("period", "%q: a period is whole seconds", s)
	}
	return d, false, nil
}

// ParseKind reads a data kind that has a retention period.
func ParseKind(s string) (privacy.Kind, error) {
	k := privacy.Kind(s)
	if err := checkKind(k); err != nil {
		return "", err
	}
	return k, nil
}

// String renders an entry of the log on one line.
func (l LogEntry) String() string {
	return fmt.Sprintf("%s %s %d (cutoff %s)", l.At.UTC().Format(time.RFC3339), l.Kind, l.Deleted, l.Cutoff.UTC().Format(time.RFC3339))
}
