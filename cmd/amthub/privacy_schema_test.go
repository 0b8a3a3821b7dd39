package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/amthub/amthub/hub/hubtest"
)

// tablesWithoutPersonalData are the schema's tables that hold no personal
// data, each with the reason. Every other table must be declared by the
// module that owns it (privacyDeclarations).
var tablesWithoutPersonalData = map[string]string{
	"goose_db_version":            "which migrations ran",
	"tenants":                     "the operators of portals: authorities, not persons",
	"inbox":                       "ids of messages a consumer applied, nothing of their content",
	"areas":                       "regional keys and names of municipalities",
	"area_postcodes":              "postcodes of areas",
	"org_units":                   "authorities' addresses, opening hours and functional contacts",
	"destinations":                "Fachverfahren endpoints with the authority's functional contact",
	"destination_services":        "services, schemas and mappings of destinations",
	"responsibilities":            "which unit serves which service where",
	"portal_services":             "the texts of administrative services",
	"portal_synonyms":             "search synonyms",
	"portal_search_terms":         "words of the services' names for search",
	"tenant_mappings":             "mapping definitions",
	"oauth_clients":               "vendors' applications (organisations), secrets hashed",
	"oauth_keys":                  "the issuer's signing keys",
	"callbacks":                   "vendors' callback URLs and sealed secrets",
	"retention_periods":           "tenants' retention settings",
	"retention_log":               "counts of deleted items per kind, never content",
	"fitconnect_destination_keys": "public keys of FIT-Connect destinations",
	"fitconnect_hub_keys":         "the hub's own FIT-Connect keys",
	"fitconnect_event_tokens":     "case events signed in FIT-Connect's format: the timeline's content, which holds no personal data",
	"saml_service_providers":      "SAML service providers (organisations) and their metadata",
}

// personalColumns are column names that point at a person: a table that
// has one cannot be listed as without personal data.
// (Authorities' functional e-mail and phone do not count.)
var personalColumns = []string{"citizen_id", "subject", "person_id", "given_name", "family_name", "birth_date", "birth_name"}

// TestPrivacyDeclarationsCoverSchema enumerates every table and column of
// the production schema on PostgreSQL: each table is declared by a module
// (with columns that exist) or listed above as holding no personal data.
func TestPrivacyDeclarationsCoverSchema(t *testing.T) {
	db := hubtest.NewPostgres(t)
	rows, err := db.QueryContext(context.Background(), `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	schema := map[string][]string{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		schema[table] = append(schema[table], column)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(schema) < 30 {
		t.Fatalf("found %d tables: not the production schema", len(schema))
	}
	declared := map[string]string{}
	for _, d := range privacyDeclarations() {
		for _, tb := range d.Tables {
			declared[tb.Name] = d.Module
			cols, ok := schema[tb.Name]
			if !ok {
				t.Errorf("%s declares table %s, which the schema does not have", d.Module, tb.Name)
				continue
			}
			for _, c := range append(slices.Clone(tb.Columns), tb.Citizen) {
				if c != "" && !slices.Contains(cols, c) {
					t.Errorf("%s declares %s.%s, which the schema does not have", d.Module, tb.Name, c)
				}
			}
		}
	}
	for table, cols := range schema {
		reason, exempt := tablesWithoutPersonalData[table]
		switch {
		case exempt && declared[table] != "":
			t.Errorf("table %s is declared by %s and listed as without personal data (%s)", table, declared[table], reason)
		case exempt:
			for _, c := range cols {
				if slices.Contains(personalColumns, c) {
					t.Errorf("table %s is listed as without personal data but has column %s", table, c)
				}
			}
		case declared[table] == "":
			t.Errorf("table %s (%s) is not covered: its module declares it in Privacy(), or it goes into tablesWithoutPersonalData with a reason",
				table, strings.Join(cols, ", "))
		}
	}
	for table := range tablesWithoutPersonalData {
		if _, ok := schema[table]; !ok {
			t.Errorf("tablesWithoutPersonalData lists %s, which the schema does not have", table)
		}
	}
}
