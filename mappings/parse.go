package mappings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// file is the YAML shape of a mapping file.
type file struct {
	Name        string    `yaml:"name"`
	Version     int       `yaml:"version"`
	Description string    `yaml:"description,omitempty"`
	Input       fileInput `yaml:"input"`
	Output      fileOut   `yaml:"output"`
	Transform   string    `yaml:"transform"`
}

type fileInput struct {
	Schema  docRef `yaml:"schema"`
	Example docRef `yaml:"example,omitempty"`
}

type fileOut struct {
	Format Format  `yaml:"format"`
	Schema docRef  `yaml:"schema"`
	XML    *Layout `yaml:"xml,omitempty"`
}

// docRef is a JSON document given either as the name of a file next to the
// mapping file or inline, as YAML. Tenants upload single files with inline
// documents; the shipped mappings keep schemas in files of their own.
type docRef struct {
	File   string
	Inline any
}

func (r *docRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		r.File = n.Value
		return nil
	}
	return n.Decode(&r.Inline)
}

func (r docRef) MarshalYAML() (any, error) {
	if r.File != "" {
		return r.File, nil
	}
	return r.Inline, nil
}

func (r docRef) empty() bool { return r.File == "" && r.Inline == nil }

// resolve returns the referenced document as JSON. fsys may be nil when
// every document is inline.
func (r docRef) resolve(fsys fs.FS, dir, what string) (json.RawMessage, error) {
	if r.empty() {
		return nil, nil
	}
	if r.File == "" {
		b, err := json.Marshal(r.Inline)
		if err != nil {
			return nil, fmt.Errorf("%s: inline document is not JSON: %w", what, err)
		}
		return b, nil
	}
	p := path.Join(dir, r.File)
	if fsys == nil || !fs.ValidPath(p) || path.Dir(p) != path.Clean(dir) {
		return nil, fmt.Errorf("%s: %q must be a file next to the mapping file", what, r.File)
	}
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%s: %s is not valid JSON", what, r.File)
	}
	return json.RawMessage(bytes.TrimSpace(b)), nil
}

// Parse reads a mapping file from data. Documents given as file names are
// read from fsys relative to dir; fsys may be nil for self-contained files.
func Parse(data []byte, fsys fs.FS, dir string) (*Definition, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse mapping: %w", err)
	}
	d := &Definition{
		Name: f.Name, Version: f.Version, Description: f.Description,
		Format: f.Output.Format, Transform: f.Transform, XML: f.Output.XML,
	}
	var err error
	if d.InputSchema, err = f.Input.Schema.resolve(fsys, dir, "input.schema"); err != nil {
		return nil, err
	}
	if d.Example, err = f.Input.Example.resolve(fsys, dir, "input.example"); err != nil {
		return nil, err
	}
	if d.OutputSchema, err = f.Output.Schema.resolve(fsys, dir, "output.schema"); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("mapping %s: %w", d.Name, err)
	}
	return d, nil
}

var fileNamePattern = regexp.MustCompile(`^v([1-9][0-9]*)\.yaml$`)

// ParseFile reads the mapping file at p in fsys. A file named
// <name>/v<version>.yaml must declare that name and version.
func ParseFile(fsys fs.FS, p string) (*Definition, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	d, err := Parse(data, fsys, path.Dir(p))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if m := fileNamePattern.FindStringSubmatch(path.Base(p)); m != nil {
		if v, _ := strconv.Atoi(m[1]); v != d.Version {
			return nil, fmt.Errorf("%s: declares version %d", p, d.Version)
		}
		if dir := path.Base(path.Dir(p)); dir != "." && dir != d.Name {
			return nil, fmt.Errorf("%s: declares name %q, but lives in folder %q", p, d.Name, dir)
		}
	}
	return d, nil
}

// Bundle returns the definition as one self-contained mapping file, with
// every document inline: the form a Store keeps and an upload sends.
func (d *Definition) Bundle() ([]byte, error) {
	inline := func(raw json.RawMessage) (docRef, error) {
		var r docRef
		if len(raw) == 0 {
			return r, nil
		}
		err := json.Unmarshal(raw, &r.Inline)
		return r, err
	}
	f := file{Name: d.Name, Version: d.Version, Description: d.Description, Transform: d.Transform,
		Output: fileOut{Format: d.Format, XML: d.XML}}
	var err error
	if f.Input.Schema, err = inline(d.InputSchema); err != nil {
		return nil, fmt.Errorf("bundle input schema: %w", err)
	}
	if f.Input.Example, err = inline(d.Example); err != nil {
		return nil, fmt.Errorf("bundle example: %w", err)
	}
	if f.Output.Schema, err = inline(d.OutputSchema); err != nil {
		return nil, fmt.Errorf("bundle output schema: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&f); err != nil {
		return nil, fmt.Errorf("bundle mapping: %w", err)
	}
	return buf.Bytes(), nil
}
