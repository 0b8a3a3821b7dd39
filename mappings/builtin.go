package mappings

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"

	"github.com/amthub/amthub/hub"
)

// files holds the shipped mappings: files/<name>/v<version>.yaml with the
// schemas and example input next to it. Golden tests live in testdata
// folders that are not embedded.
//
//go:embed files/*/*.yaml files/*/*.json
var files embed.FS

// BuiltinFS returns the embedded mapping files, rooted at the folder that
// holds one folder per mapping.
func BuiltinFS() fs.FS {
	sub, err := fs.Sub(files, "files")
	if err != nil {
		panic(err) // "files" is a valid path, fs.Sub cannot fail
	}
	return sub
}

// Builtins returns every mapping shipped with amthub, sorted by name and
// version. The pipeline uses their input schemas and examples for the demo
// destinations.
func Builtins() ([]*Definition, error) {
	paths, err := fs.Glob(BuiltinFS(), "*/v*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list built-in mappings: %w", err)
	}
	defs := make([]*Definition, 0, len(paths))
	for _, p := range paths {
		if !fileNamePattern.MatchString(path.Base(p)) {
			continue
		}
		d, err := ParseFile(BuiltinFS(), p)
		if err != nil {
			return nil, fmt.Errorf("built-in mapping: %w", err)
		}
		defs = append(defs, d)
	}
	sort.Slice(defs, func(i, j int) bool {
		if defs[i].Name != defs[j].Name {
			return defs[i].Name < defs[j].Name
		}
		return defs[i].Version < defs[j].Version
	})
	return defs, nil
}

// Builtin returns one shipped mapping; version 0 means the latest. It
// returns a hub.ENOTFOUND error if there is no such mapping.
func Builtin(name string, version int) (*Definition, error) {
	if !namePattern.MatchString(name) || version < 0 {
		return nil, notFound(name, version)
	}
	if version == 0 {
		paths, _ := fs.Glob(BuiltinFS(), name+"/v*.yaml")
		for _, p := range paths {
			if m := fileNamePattern.FindStringSubmatch(path.Base(p)); m != nil {
				if v, _ := strconv.Atoi(m[1]); v > version {
					version = v
				}
			}
		}
		if version == 0 {
			return nil, notFound(name, 0)
		}
	}
	p := fmt.Sprintf("%s/v%d.yaml", name, version)
	if _, err := fs.Stat(BuiltinFS(), p); err != nil {
		return nil, notFound(name, version)
	}
	d, err := ParseFile(BuiltinFS(), p)
	if err != nil {
		return nil, fmt.Errorf("built-in mapping: %w", err)
	}
	return d, nil
}

func notFound(name string, version int) error {
	if version == 0 {
		return &hub.Error{Code: hub.ENOTFOUND, Message: fmt.Sprintf("no mapping %q", name)}
	}
	return &hub.Error{Code: hub.ENOTFOUND, Message: fmt.Sprintf("no mapping %q version %d", name, version)}
}
