package sqlstore

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// NullTime scans a nullable timestamp from either database. Aggregates such
// as min() lose SQLite's declared column type, so a text form is parsed here.
type NullTime struct {
	Time  time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (n *NullTime) Scan(v any) error {
	switch t := v.(type) {
	case nil:
		n.Valid = false
		return nil
	case time.Time:
		n.Time, n.Valid = t, true
		return nil
	case string:
		return n.parse(t)
	case []byte:
		return n.parse(string(t))
	}
	return fmt.Errorf("scan time: unsupported type %T", v)
}

func (n *NullTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			n.Time, n.Valid = t, true
			return nil
		}
	}
	return fmt.Errorf("scan time: cannot parse %q", s)
}

// Value implements driver.Valuer.
func (n NullTime) Value() (driver.Value, error) {
	if !n.Valid {
		return nil, nil
	}
	return n.Time, nil
}

// Ptr returns the time, or nil for NULL.
func (n NullTime) Ptr() *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time
	return &t
}

// NullString returns s as a query argument, NULL when empty.
func NullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Deref returns the string a nullable column was scanned into, "" for NULL.
func Deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
