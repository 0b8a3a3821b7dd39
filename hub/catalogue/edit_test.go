package catalogue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/sqlstore"
)

// TestEditorContract runs the Editor's commands on both databases.
func TestEditorContract(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			db := d.Open(t)
			t.Run("Units", func(t *testing.T) { testEditUnits(t, newFixture(t, db)) })
			t.Run("Responsibilities", func(t *testing.T) { testEditResponsibilities(t, newFixture(t, db)) })
			t.Run("Destinations", func(t *testing.T) { testEditDestinations(t, newFixture(t, db)) })
			t.Run("RegionalTexts", func(t *testing.T) { testRegionalTexts(t, newFixture(t, db)) })
			t.Run("Hook", func(t *testing.T) { testEditHook(t, newFixture(t, db)) })
		})
	}
}

func newEditor(t *testing.T, f *fixture) (*catalogue.Editor, *bus.Local) {
	t.Helper()
	local := bus.NewLocal(watermill.NopLogger{})
	t.Cleanup(func() { local.Close() })
	return catalogue.NewEditor(f.store, local), local
}

// fields returns the names of the fields err's errors name.
func fields(err error) []string {
	var out []string
	for _, e := range catalogue.FieldErrors(err) {
		out = append(out, e.Field)
	}
	slices.Sort(out)
	return out
}

func testEditUnits(t *testing.T, f *fixture) {
	ctx := context.Background()
	ed, _ := newEditor(t, f)
	lk := catalogue.OrgUnit{ID: "lk-leipzig", Name: "Landkreis Leipzig", Address: catalogue.Address{Street: "Stauffenbergstraße 4",
		Postcode: "04552", City: "Borna"}, Contact: catalogue.Contact{Email: "info@lk-leipzig.example", Website: "https://lk-leipzig.example"}}
	ch, err := ed.CreateUnit(ctx, f.tenant, lk)
	if err != nil || ch.Before != nil || ch.After == nil || ch.After.Name != lk.Name {
		t.Fatalf("create = %+v, %v", ch, err)
	}
	amt, err := ed.CreateUnit(ctx, f.tenant, catalogue.OrgUnit{ParentID: "lk-leipzig", Name: "Steueramt"})
	if err != nil || amt.After.ID == "" {
		t.Fatalf("create child = %+v, %v", amt, err)
	}
	child := amt.After.ID

	t.Run("ErrInvalid", func(t *testing.T) {
		tests := []struct {
			name string
			unit catalogue.OrgUnit
			want []string
		}{
			{"NameRequired", catalogue.OrgUnit{Name: " "}, []string{"name"}},
			{"Everything", catalogue.OrgUnit{ID: "ä b", Name: "X", Address: catalogue.Address{Postcode: "123"},
				Contact: catalogue.Contact{Email: "nope", Website: "ftp://x"}}, []string{"address.postcode", "contact.email", "contact.website", "id"}},
			{"ControlCharacter", catalogue.OrgUnit{Name: "A\x00B"}, []string{"name"}},
			{"UnknownParent", catalogue.OrgUnit{Name: "X", ParentID: "nowhere"}, []string{"parentId"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := len(mustUnits(t, ed, f.tenant))
				_, err := ed.CreateUnit(ctx, f.tenant, tc.unit)
				if hub.ErrorCode(err) != hub.EINVALID || !reflect.DeepEqual(fields(err), tc.want) {
					t.Fatalf("err = %v, fields %v; want invalid %v", err, fields(err), tc.want)
				}
				if n := len(mustUnits(t, ed, f.tenant)); n != before {
					t.Fatalf("%d units after a refused create, want %d", n, before)
				}
			})
		}
		if _, err := ed.CreateUnit(ctx, f.tenant, lk); hub.ErrorCode(err) != hub.ECONFLICT {
			t.Fatalf("create twice: %v, want conflict", err)
		}
	})

	t.Run("Update", func(t *testing.T) {
		edit := lk
		edit.Name, edit.OpeningHours, edit.ParentID = "Landratsamt Leipzig", "Mo–Fr 8–12 Uhr", "ignored"
		ch, err := ed.UpdateUnit(ctx, f.tenant, "lk-leipzig", edit)
		if err != nil || ch.Before.Name != "Landkreis Leipzig" || ch.After.Name != "Landratsamt Leipzig" || ch.After.ParentID != "" {
			t.Fatalf("update = %+v, %v", ch, err)
		}
		if u, err := f.store.OrgUnit(ctx, f.tenant, "lk-leipzig"); err != nil || u.OpeningHours != "Mo–Fr 8–12 Uhr" || u.ParentID != "" {
			t.Fatalf("stored = %+v, %v", u, err)
		}
		if _, err := ed.UpdateUnit(ctx, f.tenant, "nowhere", edit); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Fatalf("update unknown: %v", err)
		}
	})

	t.Run("Move", func(t *testing.T) {
		if _, err := ed.MoveUnit(ctx, f.tenant, "lk-leipzig", child); hub.ErrorKind(err) != "authority_cycle" {
			t.Fatalf("move under own child: %v, want authority_cycle", err)
		}
		if _, err := ed.MoveUnit(ctx, f.tenant, child, child); hub.ErrorKind(err) != "authority_cycle" {
			t.Fatalf("move under itself: %v, want authority_cycle", err)
		}
		ch, err := ed.MoveUnit(ctx, f.tenant, child, "")
		if err != nil || ch.Before.ParentID != "lk-leipzig" || ch.After.ParentID != "" {
			t.Fatalf("move to top = %+v, %v", ch, err)
		}
		if _, err := ed.MoveUnit(ctx, f.tenant, child, "lk-leipzig"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		if _, err := ed.DeleteUnit(ctx, f.tenant, "lk-leipzig"); hub.ErrorKind(err) != "authority_has_children" {
			t.Fatalf("delete a parent: %v", err)
		}
		if _, err := ed.SetResponsibility(ctx, f.tenant, catalogue.Responsibility{LeikaKey: leika, ARSPrefix: "14729",
			OrgUnitID: child}); err != nil {
			t.Fatal(err)
		}
		if _, err := ed.DeleteUnit(ctx, f.tenant, child); hub.ErrorKind(err) != "authority_responsible" {
			t.Fatalf("delete a responsible unit: %v", err)
		}
		if _, err := ed.DeleteUnit(ctx, f.tenant, f.dest.OrgUnitID); hub.ErrorCode(err) != hub.ECONFLICT {
			t.Fatalf("delete a unit with a destination: %v", err)
		}
		if _, err := ed.RemoveResponsibility(ctx, f.tenant, leika, "14729"); err != nil {
			t.Fatal(err)
		}
		ch, err := ed.DeleteUnit(ctx, f.tenant, child)
		if err != nil || ch.Before == nil || ch.Before.ID != child || ch.After != nil {
			t.Fatalf("delete = %+v, %v", ch, err)
		}
		if _, err := f.store.OrgUnit(ctx, f.tenant, child); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Fatalf("deleted unit still there: %v", err)
		}
	})

	t.Run("OtherTenant", func(t *testing.T) {
		other := newFixture(t, f.db)
		if _, err := ed.UpdateUnit(ctx, other.tenant, "lk-leipzig", lk); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Fatalf("another tenant edits the unit: %v", err)
		}
		if _, err := ed.DeleteUnit(ctx, other.tenant, "lk-leipzig"); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Fatalf("another tenant deletes the unit: %v", err)
		}
		for _, u := range mustUnits(t, ed, other.tenant) {
			if u.ID == "lk-leipzig" {
				t.Fatal("another tenant lists the unit")
			}
		}
	})
}

func mustUnits(t *testing.T, ed *catalogue.Editor, tenant string) []catalogue.OrgUnit {
	t.Helper()
	us, err := ed.Units(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return us
}

func testEditResponsibilities(t *testing.T, f *fixture) {
	ctx := context.Background()
	ed, _ := newEditor(t, f)
	const chemnitz = "145110000000"
	if _, err := ed.CreateUnit(ctx, f.tenant, catalogue.OrgUnit{ID: "buergeramt", Name: "Bürgeramt Chemnitz"}); err != nil {
		t.Fatal(err)
	}
	if m, err := f.store.Responsible(ctx, f.tenant, leika, chemnitz); err != nil || m.Unit.ID != f.dest.OrgUnitID {
		t.Fatalf("before: %+v, %v", m, err)
	}
	notes := map[string]string{"kosten": "30 Euro", "fristen": ""}
	ch, err := ed.SetResponsibility(ctx, f.tenant, catalogue.Responsibility{LeikaKey: leika, ARSPrefix: chemnitz,
		OrgUnitID: "buergeramt", OnlineURL: "https://chemnitz.example/gewerbe", Notes: notes})
	if err != nil || ch.Before == nil || ch.Before.OrgUnitID != f.dest.OrgUnitID || ch.After.OrgUnitID != "buergeramt" {
		t.Fatalf("set = %+v, %v", ch, err)
	}
	if len(notes) != 2 || !reflect.DeepEqual(ch.After.Notes, map[string]string{"kosten": "30 Euro"}) {
		t.Fatalf("notes: caller's %v, stored %v; want the caller's untouched and the empty section dropped", notes, ch.After.Notes)
	}
	// The finder's and the routes' source answer with the change at once.
	m, err := f.store.Responsible(ctx, f.tenant, leika, chemnitz)
	if err != nil || m.Unit.ID != "buergeramt" || m.Notes["kosten"] != "30 Euro" || m.OnlineURL != "https://chemnitz.example/gewerbe" {
		t.Fatalf("finder after the change: %+v, %v", m, err)
	}
	if _, err := f.store.FindRoutes(ctx, f.tenant, leika, chemnitz); hub.ErrorKind(err) != "no_destination" {
		t.Fatalf("routes after the change: %v, want no_destination (the new unit has none)", err)
	}
	if rs, err := ed.Responsibilities(ctx, f.tenant, leika); err != nil || len(rs) != 1 || rs[0].OrgUnitID != "buergeramt" {
		t.Fatalf("list = %+v, %v", rs, err)
	}

	t.Run("ErrInvalid", func(t *testing.T) {
		tests := []struct {
			name string
			r    catalogue.Responsibility
			want []string
		}{
			{"Everything", catalogue.Responsibility{LeikaKey: "123", ARSPrefix: "1", OnlineURL: "javascript:x",
				Notes: map[string]string{"gebuehren": "x"}}, []string{"arsPrefix", "leikaKey", "notes.gebuehren", "onlineUrl", "orgUnitId"}},
			{"UnknownUnit", catalogue.Responsibility{LeikaKey: leika, ARSPrefix: "14", OrgUnitID: "nowhere"}, []string{"orgUnitId"}},
			{"OtherTenantsUnit", catalogue.Responsibility{LeikaKey: leika, ARSPrefix: "14", OrgUnitID: newFixture(t, f.db).dest.OrgUnitID},
				[]string{"orgUnitId"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := ed.SetResponsibility(ctx, f.tenant, tc.r)
				if hub.ErrorCode(err) != hub.EINVALID || !reflect.DeepEqual(fields(err), tc.want) {
					t.Fatalf("err = %v, fields %v; want invalid %v", err, fields(err), tc.want)
				}
				if rs, _ := ed.Responsibilities(ctx, f.tenant, ""); len(rs) != 1 {
					t.Fatalf("%d responsibilities after a refused set, want 1", len(rs))
				}
			})
		}
	})

	t.Run("Remove", func(t *testing.T) {
		if _, err := ed.SetResponsibility(ctx, f.tenant, catalogue.Responsibility{LeikaKey: leika, ARSPrefix: "14",
			OrgUnitID: f.dest.OrgUnitID}); err != nil {
			t.Fatal(err)
		}
		ch, err := ed.RemoveResponsibility(ctx, f.tenant, leika, chemnitz)
		if err != nil || ch.Before.OrgUnitID != "buergeramt" || ch.After != nil {
			t.Fatalf("remove = %+v, %v", ch, err)
		}
		// Chemnitz falls back to the state-wide responsibility.
		if routes, err := f.store.FindRoutes(ctx, f.tenant, leika, chemnitz); err != nil || routes[0].Destination.ID != f.dest.ID {
			t.Fatalf("routes after the removal: %+v, %v", routes, err)
		}
		if _, err := ed.RemoveResponsibility(ctx, f.tenant, leika, chemnitz); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Fatalf("remove twice: %v", err)
		}
	})
}

func testEditDestinations(t *testing.T, f *fixture) {
	ctx := context.Background()
	ed, _ := newEditor(t, f)
	if _, err := ed.CreateUnit(ctx, f.tenant, catalogue.OrgUnit{ID: "ordnungsamt", Name: "Ordnungsamt"}); err != nil {
		t.Fatal(err)
	}
	const hund = "99108001000000"
	d := hub.Destination{OrgUnitID: "ordnungsamt", Name: "Hundesteuer-Verfahren", Kind: hub.DestinationBuiltin,
		Contact: hub.Contact{Email: "hund@example.org"},
		Services: []hub.DestinationService{{LeikaKey: hund, Name: "Hundesteuer", SchemaURI: "urn:hund", Schema: json.RawMessage(`{"type":"object"}`),
			MappingName: "xhund", MappingVersion: "1"}}}
	ch, err := ed.CreateDestination(ctx, f.tenant, d)
	if err != nil || ch.Before != nil || ch.After.ID == "" || ch.After.TenantID != f.tenant {
		t.Fatalf("create = %+v, %v", ch, err)
	}
	id := ch.After.ID
	if _, err := ed.SetResponsibility(ctx, f.tenant, catalogue.Responsibility{LeikaKey: hund, ARSPrefix: "14", OrgUnitID: "ordnungsamt"}); err != nil {
		t.Fatal(err)
	}
	routes, err := f.store.FindRoutes(ctx, f.tenant, hund, "145110000000")
	if err != nil || len(routes) != 1 || routes[0].Destination.ID != id || routes[0].Service.MappingName != "xhund" ||
		routes[0].Destination.Kind != hub.DestinationBuiltin {
		t.Fatalf("routes = %+v, %v", routes, err)
	}

	t.Run("Update", func(t *testing.T) {
		edit := d
		edit.Name = "Hundesteuer (neu)"
		edit.OrgUnitID = f.dest.OrgUnitID
		edit.Services = []hub.DestinationService{{LeikaKey: hund, Name: "Hundesteuer", SchemaURI: "urn:hund:2",
			Schema: json.RawMessage(`{"type":"object"}`)}}
		ch, err := ed.UpdateDestination(ctx, f.tenant, id, edit)
		if err != nil || ch.Before.Name != "Hundesteuer-Verfahren" || ch.After.Name != "Hundesteuer (neu)" ||
			ch.Before.Services[0].MappingName != "xhund" || !ch.After.CreatedAt.Equal(ch.Before.CreatedAt) {
			t.Fatalf("update = %+v, %v", ch, err)
		}
		// FindDestination cached the old version above (through
		// FindRoutes); the update must not leave it stale.
		got, err := f.store.FindDestination(ctx, f.tenant, id)
		if err != nil || got.Name != "Hundesteuer (neu)" || got.OrgUnitID != f.dest.OrgUnitID || got.Services[0].SchemaURI != "urn:hund:2" ||
			got.Services[0].MappingName != "" {
			t.Fatalf("after update: %+v, %v", got, err)
		}
		if _, err := ed.UpdateDestination(ctx, newFixture(t, f.db).tenant, id, edit); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Fatalf("another tenant updates: %v", err)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		tests := []struct {
			name string
			d    hub.Destination
			want []string
		}{
			{"Empty", hub.Destination{Kind: "smtp"}, []string{"kind", "name", "orgUnitId", "services"}},
			{"Services", hub.Destination{Name: "X", OrgUnitID: "ordnungsamt", EncryptionKey: json.RawMessage(`[1]`),
				Services: []hub.DestinationService{
					{LeikaKey: hund, Name: "A", SchemaURI: "u", Schema: json.RawMessage(`{}`)},
					{LeikaKey: hund, SchemaURI: "u", Schema: json.RawMessage(`"x"`), MappingVersion: "2"},
				}}, []string{"encryptionKey", "services[1].leikaKey", "services[1].mappingVersion", "services[1].name", "services[1].schema"}},
			{"UnknownUnit", hub.Destination{Name: "X", OrgUnitID: "nowhere", Services: []hub.DestinationService{
				{LeikaKey: hund, Name: "A", SchemaURI: "u", Schema: json.RawMessage(`{}`)}}}, []string{"orgUnitId"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before, _ := ed.Destinations(ctx, f.tenant)
				_, err := ed.CreateDestination(ctx, f.tenant, tc.d)
				if hub.ErrorCode(err) != hub.EINVALID || !reflect.DeepEqual(fields(err), tc.want) {
					t.Fatalf("err = %v, fields %v; want invalid %v", err, fields(err), tc.want)
				}
				if after, _ := ed.Destinations(ctx, f.tenant); len(after) != len(before) {
					t.Fatalf("%d destinations after a refused create, want %d", len(after), len(before))
				}
				_, err = ed.UpdateDestination(ctx, f.tenant, id, tc.d)
				if hub.ErrorCode(err) != hub.EINVALID {
					t.Fatalf("update: %v, want invalid", err)
				}
			})
		}
		if got, _ := f.store.FindDestination(ctx, f.tenant, id); got.Name != "Hundesteuer (neu)" {
			t.Fatalf("a refused update changed the destination: %+v", got)
		}
	})
}

func testRegionalTexts(t *testing.T, f *fixture) {
	ctx := context.Background()
	ed, _ := newEditor(t, f)
	state := map[string]string{"kosten": "Die Gebühr beträgt 20 Euro.", "fristen": "Keine."}
	for _, r := range []catalogue.Responsibility{
		{LeikaKey: leika, ARSPrefix: "14", OrgUnitID: f.dest.OrgUnitID, Notes: map[string]string{"fristen": "Vier Wochen."}},
		{LeikaKey: leika, ARSPrefix: "145110000000", OrgUnitID: f.dest.OrgUnitID, Notes: map[string]string{"kosten": "Die Gebühr beträgt 26 Euro."}},
		{LeikaKey: leika, ARSPrefix: "146120000000", OrgUnitID: f.dest.OrgUnitID},
	} {
		if _, err := ed.SetResponsibility(ctx, f.tenant, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ed.RegionalTexts(ctx, f.tenant, leika, state)
	if err != nil {
		t.Fatal(err)
	}
	want := []catalogue.RegionalText{
		{ARSPrefix: "145110000000", AreaName: "Chemnitz", OrgUnitID: f.dest.OrgUnitID, Sections: []catalogue.RegionalSection{{
			Section: "kosten", State: state["kosten"], Regional: "Die Gebühr beträgt 26 Euro.",
			Diff: []catalogue.Piece{{Op: catalogue.OpEqual, Text: "Die Gebühr beträgt "}, {Op: catalogue.OpDelete, Text: "20"},
				{Op: catalogue.OpInsert, Text: "26"}, {Op: catalogue.OpEqual, Text: " Euro."}}}}},
		{ARSPrefix: "14", OrgUnitID: f.dest.OrgUnitID, Sections: []catalogue.RegionalSection{{
			Section: "fristen", State: "Keine.", Regional: "Vier Wochen.",
			Diff: []catalogue.Piece{{Op: catalogue.OpDelete, Text: "Keine"}, {Op: catalogue.OpInsert, Text: "Vier Wochen"},
				{Op: catalogue.OpEqual, Text: "."}}}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("regional texts:\n got %+v\nwant %+v", got, want)
	}
}

// testEditHook: every command reports its change to the hook inside its
// transaction, and a failing hook undoes the change.
func testEditHook(t *testing.T, f *fixture) {
	ctx := context.Background()
	base, _ := newEditor(t, f)
	var got []string
	ed := base.WithHook(func(ctx context.Context, tx *sqlstore.Tx, c catalogue.Changed) error {
		var n int // the change is visible in the hook's transaction
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM org_units WHERE tenant_id = $1 AND id = 'amt'`, f.tenant).Scan(&n); err != nil {
			return err
		}
		got = append(got, fmt.Sprintf("%s %s %v %v %d", c.Action, c.ID, c.Before != nil, c.After != nil, n))
		return nil
	})
	unit := catalogue.OrgUnit{ID: "amt", Name: "Amt"}
	d := hub.Destination{OrgUnitID: "amt", Name: "FV", Services: []hub.DestinationService{{LeikaKey: leika, Name: "G", SchemaURI: "u",
		Schema: json.RawMessage(`{}`)}}}
	steps := []func() error{
		func() error { _, err := ed.CreateUnit(ctx, f.tenant, unit); return err },
		func() error { _, err := ed.UpdateUnit(ctx, f.tenant, "amt", unit); return err },
		func() error { _, err := ed.MoveUnit(ctx, f.tenant, "amt", f.dest.OrgUnitID); return err },
		func() error {
			_, err := ed.SetResponsibility(ctx, f.tenant, catalogue.Responsibility{LeikaKey: leika, ARSPrefix: "14", OrgUnitID: "amt"})
			return err
		},
		func() error { _, err := ed.RemoveResponsibility(ctx, f.tenant, leika, "14"); return err },
		func() error { d.ID = "fv-amt"; _, err := ed.CreateDestination(ctx, f.tenant, d); return err },
		func() error { _, err := ed.UpdateDestination(ctx, f.tenant, "fv-amt", d); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := []string{"org_unit.created amt false true 1", "org_unit.updated amt true true 1", "org_unit.moved amt true true 1",
		"responsibility.set " + leika + "/14 false true 1", "responsibility.removed " + leika + "/14 true false 1",
		"destination.created fv-amt false true 1", "destination.updated fv-amt true true 1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("hook saw\n%v\nwant\n%v", got, want)
	}

	failing := base.WithHook(func(context.Context, *sqlstore.Tx, catalogue.Changed) error { return errors.New("audit log full") })
	if _, err := failing.CreateUnit(ctx, f.tenant, catalogue.OrgUnit{ID: "nie", Name: "Nie"}); err == nil {
		t.Fatal("a failing hook did not fail the command")
	}
	if _, err := f.store.OrgUnit(ctx, f.tenant, "nie"); hub.ErrorCode(err) != hub.ENOTFOUND {
		t.Fatalf("the change of a failed hook stayed: %v", err)
	}
	if _, err := failing.SetResponsibility(ctx, f.tenant, catalogue.Responsibility{LeikaKey: leika, ARSPrefix: "14", OrgUnitID: "amt"}); err == nil {
		t.Fatal("a failing hook did not fail the command")
	}
	if rs, _ := base.Responsibilities(ctx, f.tenant, leika); len(rs) != 1 {
		t.Fatalf("responsibilities after a failed hook: %+v", rs)
	}
}
