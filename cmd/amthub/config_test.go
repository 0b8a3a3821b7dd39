package main

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// The README's configuration table is checked, not generated: the README is
// prose that people edit, and a failing test names the row that drifted
// and prints the table to paste, without a generator to keep in step.
func TestREADMEVariables(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const header = "| variable | default | meaning |\n|---|---|---|\n"
	_, rest, ok := strings.Cut(string(readme), header)
	if !ok {
		t.Fatalf("README.md has no configuration table starting %q", header)
	}
	table, _, _ := strings.Cut(rest, "\n\n")
	got := strings.Split(strings.TrimSpace(table), "\n")
	var want []string
	for _, v := range Variables {
		want = append(want, "| `"+v.Name+"` | "+v.Default+" | "+v.Help+" |")
	}
	if !slices.Equal(got, want) {
		for i := range max(len(got), len(want)) {
			var g, w string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("README row %d:\n got %s\nwant %s", i+1, g, w)
				break
			}
		}
		t.Fatalf("README.md's configuration table differs from Variables; the table for Variables:\n%s%s", header, strings.Join(want, "\n"))
	}
}

// TestConfigVariables checks that loadConfig reads exactly the variables
// that Variables lists, for serve and for dev.
func TestConfigVariables(t *testing.T) {
	listed := map[string]bool{}
	for _, v := range Variables {
		if listed[v.Name] {
			t.Errorf("%s listed twice", v.Name)
		}
		listed[v.Name] = true
	}
	valid := map[string]string{
		"AMTHUB_DATABASE_URL":       "postgres://db/amthub",
		"AMTHUB_AMQP_URL":           "amqp://mq/",
		"AMTHUB_REDIS_URL":          "redis://cache/0",
		"AMTHUB_KEY_ENCRYPTION_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	}
	read := map[string]bool{}
	for _, dev := range []bool{false, true} {
		if _, err := loadConfig(func(k string) string { read[k] = true; return valid[k] }, dev); err != nil {
			t.Fatalf("dev=%v: %v", dev, err)
		}
	}
	for name := range read {
		if !listed[name] {
			t.Errorf("loadConfig reads %s, which Variables does not list", name)
		}
	}
	for name := range listed {
		if !read[name] {
			t.Errorf("Variables lists %s, which loadConfig does not read", name)
		}
	}
}
