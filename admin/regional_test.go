package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
)

// portalTexts stands in for the portal's catalogue (cmd/amthub wires
// portal.CatalogueStore): the state's texts by LeiKa key.
type portalTexts map[string]map[string]string

func (p portalTexts) StateText(_ context.Context, _, leikaKey string) (string, map[string]string, error) {
	s, ok := p[leikaKey]
	if !ok {
		return "", nil, hub.Errorf(hub.ENOTFOUND, "no such service")
	}
	return "Hundesteuer", s, nil
}

// TestRegionalTextsPage: a municipality's regional text of a service
// stands next to the state's text, insertions in <ins>, deletions in
// <del>; a bad LeiKa key is an error next to the field; B's admin gets
// 404.
func TestRegionalTextsPage(t *testing.T) {
	f := newFixture(t, hubtest.NewSQLite(t))
	f.svc.StateTexts = portalTexts{opsLeika: {"kosten": "Die Steuer beträgt 108 Euro im Jahr."}}
	if _, err := f.svc.Catalogue.SetResponsibility(context.Background(), f.a, catalogue.Responsibility{LeikaKey: opsLeika,
		ARSPrefix: "147290000000", OrgUnitID: "ordnung", Notes: map[string]string{"kosten": "Die Steuer beträgt 96 Euro im Jahr."}}); err != nil {
		t.Fatal(err)
	}
	page := "/admin/mandanten/" + f.a + "/regionaltexte"
	for _, tc := range []struct {
		name, query string
		status      int
		want        []string
	}{
		{"diff", "?leistung=" + opsLeika, http.StatusOK, []string{"Hundesteuer", "147290000000", "Ordnungsamt", "Kosten",
			"Die Steuer beträgt 108 Euro im Jahr.", `<del><span class="kern-sr-only">gestrichen: </span>108</del>`,
			`<ins><span class="kern-sr-only">eingefügt: </span>96</ins>`}},
		{"no regional texts", "?leistung=99108002000000", http.StatusOK, []string{"keine regionalen Texte", "Das Portal kennt diese Leistung nicht"}},
		{"empty form", "", http.StatusOK, []string{`id="leistung"`}},
		{"bad key", "?leistung=123", http.StatusUnprocessableEntity, []string{`id="leistung-error"`, `aria-invalid="true"`, "14 Ziffern"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do("catalogue-editor", http.MethodGet, page+tc.query, "", "")
			body := rec.Body.String()
			if rec.Code != tc.status {
				t.Fatalf("%d, want %d\n%s", rec.Code, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("missing %q\n%s", w, body)
				}
			}
		})
	}
	if rec := f.do(otherAdmin, http.MethodGet, page+"?leistung="+opsLeika, "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("B's admin: %d", rec.Code)
	}
}
