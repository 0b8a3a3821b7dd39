// Package mappings turns the data of a submission into the document a
// Fachverfahren reads. A mapping is a versioned, declarative file: it names a
// JSON Schema (2020-12) for its input, a jq program (run by gojq) that
// transforms the input, the output format (JSON, or XML built from the jq
// result through a small declared element layout) and a JSON Schema for the
// output. The Engine compiles each mapping once, caches it, is safe for
// concurrent use and bounds every run in time and output size, so a bad
// mapping cannot stall the submission pipeline.
//
// The mappings that amthub ships are embedded in the binary (see Builtins);
// tenants' own mappings come from a Store.
package mappings

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Format is the output format of a mapping.
type Format string

// The output formats a mapping can produce.
const (
	FormatJSON Format = "json"
	FormatXML  Format = "xml"
)

// ContentType returns the media type of documents in this format.
func (f Format) ContentType() string {
	if f == FormatXML {
		return "application/xml"
	}
	return "application/json"
}

// Definition is a parsed mapping file: everything needed to compile a
// mapping, with referenced schema files already read. Versions are immutable:
// a changed mapping is a new version.
type Definition struct {
	Name        string
	Version     int
	Description string
	Format      Format
	// Transform is the jq program. It reads the submission data as "." and
	// what the hub knows about the submission as $meta (see Meta).
	Transform    string
	InputSchema  json.RawMessage
	OutputSchema json.RawMessage
	// XML is the element layout of XML output; nil for JSON output.
	XML *Layout
	// Example is a valid input document; optional for tenants' mappings,
	// present for every built-in one.
	Example json.RawMessage
}

// Ref names one version of a mapping, as a destination does per service.
// Tenant is empty for the built-in mappings.
type Ref struct {
	Tenant  string
	Name    string
	Version int
}

// String returns "name@vN", prefixed with "tenant/" for a tenant's mapping.
func (r Ref) String() string {
	if r.Tenant != "" {
		return fmt.Sprintf("%s/%s@v%d", r.Tenant, r.Name, r.Version)
	}
	return fmt.Sprintf("%s@v%d", r.Name, r.Version)
}

var namePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// Validate checks the fields that do not need compiling.
func (d *Definition) Validate() error {
	if !namePattern.MatchString(d.Name) {
		return fmt.Errorf("name %q: must be 1–63 lower-case letters, digits or dashes", d.Name)
	}
	if d.Version < 1 {
		return fmt.Errorf("version %d: must be 1 or more", d.Version)
	}
	switch d.Format {
	case FormatJSON:
		if d.XML != nil {
			return fmt.Errorf("output.xml: only allowed with format %q", FormatXML)
		}
	case FormatXML:
		if d.XML == nil {
			return fmt.Errorf("output.xml: format %q needs an element layout", FormatXML)
		}
	default:
		return fmt.Errorf("output.format %q: must be %q or %q", d.Format, FormatJSON, FormatXML)
	}
	if d.Transform == "" {
		return fmt.Errorf("transform: must not be empty")
	}
	if len(d.InputSchema) == 0 {
		return fmt.Errorf("input.schema: missing")
	}
	if len(d.OutputSchema) == 0 {
		return fmt.Errorf("output.schema: missing")
	}
	return nil
}

// Meta is what the hub knows about a submission besides its data. Mappings
// read it as $meta (camelCase keys, empty values as null), so that message
// headers can carry ids and times without the data having to.
type Meta struct {
	SubmissionID  string
	CaseNumber    string
	DestinationID string
	ServiceKey    string // LeiKa key of the service
	RegionKey     string // ARS of the area
	SubmittedAt   time.Time
}

func (m Meta) value() map[string]any {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var at any
	if !m.SubmittedAt.IsZero() {
		at = m.SubmittedAt.UTC().Format(time.RFC3339)
	}
	return map[string]any{
		"submissionId":  str(m.SubmissionID),
		"caseNumber":    str(m.CaseNumber),
		"destinationId": str(m.DestinationID),
		"serviceKey":    str(m.ServiceKey),
		"regionKey":     str(m.RegionKey),
		"submittedAt":   at,
	}
}

// ExampleMeta returns fixed metadata for golden tests and `mapping test`, so
// their output does not change from run to run.
func ExampleMeta() Meta {
	return Meta{
		SubmissionID:  "01890a5d-ac96-774b-bcce-b302099a8057",
		CaseNumber:    "2026-000042",
		DestinationID: "01890a5d-ac96-774b-bcce-b302099a8058",
		ServiceKey:    "99050012104000",
		RegionKey:     "053150000000",
		SubmittedAt:   time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC),
	}
}

// Limits bound each run of a mapping. Zero fields take the defaults.
type Limits struct {
	Timeout        time.Duration // whole run; default 1s
	MaxInputBytes  int           // default 4 MiB
	MaxOutputBytes int           // default 4 MiB
}

// Default limits.
const (
	DefaultTimeout        = time.Second
	DefaultMaxInputBytes  = 4 << 20
	DefaultMaxOutputBytes = 4 << 20
)

func (l Limits) withDefaults() Limits {
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	if l.MaxInputBytes <= 0 {
		l.MaxInputBytes = DefaultMaxInputBytes
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = DefaultMaxOutputBytes
	}
	return l
}

// Result is the document a mapping produced.
type Result struct {
	Format      Format
	ContentType string
	Body        []byte
}
