package catalogue

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Op says whether a piece of a diff is in both texts, only in the
// state's (deleted) or only in the regional one (inserted).
type Op string

// The pieces of a word diff.
const (
	OpEqual  Op = "equal"
	OpDelete Op = "delete"
	OpInsert Op = "insert"
)

// Piece is a run of words (with the spaces between them) of a word diff.
type Piece struct {
	Op   Op     `json:"op"`
	Text string `json:"text"`
}

// WordDiff compares two texts word by word: the pieces, joined, give the
// state's text when the inserted ones are left out, and the regional text
// when the deleted ones are. Words are runs of letters and digits; every
// other character (space, punctuation) is a token of its own, so a changed
// comma does not mark its word as changed. Invalid UTF-8 is read as
// U+FFFD, one per run of bad bytes.
func WordDiff(state, regional string) []Piece {
	tokens := map[string]rune{}
	var words []string
	encode := func(s string) []rune {
		var out []rune
		for _, tok := range tokenize(strings.ToValidUTF8(s, "\uFFFD")) {
			r, ok := tokens[tok]
			if !ok {
				// Supplementary private use planes: 131,068 distinct tokens.
				r = rune(0xF0000 + len(words))
				tokens[tok] = r
				words = append(words, tok)
			}
			out = append(out, r)
		}
		return out
	}
	a, b := encode(state), encode(regional)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // exact: texts are short, and a page must not differ by load
	diffs := dmp.DiffCleanupSemantic(dmp.DiffMainRunes(a, b, false))
	out := make([]Piece, 0, len(diffs))
	for _, d := range diffs {
		var sb strings.Builder
		for _, r := range d.Text {
			sb.WriteString(words[r-0xF0000])
		}
		op := OpEqual
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = OpDelete
		case diffmatchpatch.DiffInsert:
			op = OpInsert
		}
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += sb.String()
			continue
		}
		out = append(out, Piece{Op: op, Text: sb.String()})
	}
	return out
}

// tokenize splits s into words (letters and digits) and single other
// characters.
func tokenize(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
		out = append(out, string(r))
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// RegionalText is one area's regional text of a service next to the
// state's text, section by section, with the differences.
type RegionalText struct {
	ARSPrefix string `json:"arsPrefix"`
	// AreaName is the name of the area the prefix names exactly, if the
	// catalogue knows it.
	AreaName  string            `json:"areaName,omitempty"`
	OrgUnitID string            `json:"orgUnitId"`
	Sections  []RegionalSection `json:"sections"`
}

// RegionalSection is one section where an area's text differs.
type RegionalSection struct {
	Section  string  `json:"section"`
	State    string  `json:"state"`
	Regional string  `json:"regional"`
	Diff     []Piece `json:"diff"`
}

// RegionalTexts shows, for every responsibility of a service that has
// regional texts, each such section next to the state's text of the
// service (stateText, by section: the portal holds the services' texts)
// with the differences, most specific areas (municipalities) first.
func (e *Editor) RegionalTexts(ctx context.Context, tenantID, leikaKey string, stateText map[string]string) ([]RegionalText, error) {
	rs, err := e.Responsibilities(ctx, tenantID, leikaKey)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	rows, err := e.store.db.QueryContext(ctx, `SELECT a.ars, a.name FROM areas a WHERE a.tenant_id = $1 AND a.ars IN
		(SELECT r.ars_prefix FROM responsibilities r WHERE r.tenant_id = $1 AND r.leika_key = $2)`, tenantID, leikaKey)
	if err != nil {
		return nil, fmt.Errorf("name regional areas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ars, name string
		if err := rows.Scan(&ars, &name); err != nil {
			return nil, fmt.Errorf("name regional areas: %w", err)
		}
		names[ars] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("name regional areas: %w", err)
	}
	out := []RegionalText{}
	for _, r := range rs {
		if len(r.Notes) == 0 {
			continue
		}
		rt := RegionalText{ARSPrefix: r.ARSPrefix, AreaName: names[r.ARSPrefix], OrgUnitID: r.OrgUnitID}
		for _, sec := range Sections() {
			if text, ok := r.Notes[sec]; ok {
				rt.Sections = append(rt.Sections, RegionalSection{Section: sec, State: stateText[sec], Regional: text,
					Diff: WordDiff(stateText[sec], text)})
			}
		}
		out = append(out, rt)
	}
	// Longest prefix first (municipalities before districts and states),
	// then by key: a stable order for pages.
	slices.SortStableFunc(out, func(a, b RegionalText) int {
		if n := cmp.Compare(len(b.ARSPrefix), len(a.ARSPrefix)); n != 0 {
			return n
		}
		return strings.Compare(a.ARSPrefix, b.ARSPrefix)
	})
	return out, nil
}
