package catalogue

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// Destinations returns the tenant's destinations with their services.
func (e *Editor) Destinations(ctx context.Context, tenantID string) ([]*hub.Destination, error) {
	return e.store.ListDestinations(ctx, tenantID)
}

// validDestination checks the fields of a destination that need no
// database.
func validDestination(d *hub.Destination) checks {
	var c checks
	c.text("name", d.Name, true, 200)
	switch d.Kind {
	case hub.DestinationAMQP, hub.DestinationBuiltin, hub.DestinationFITConnect:
	default:
		c.add("kind", "invalid_kind", "Bitte wählen Sie die Art der Empfangsstelle: amqp, builtin oder fitconnect.")
	}
	if d.OrgUnitID == "" {
		c.add("orgUnitId", "required", "Bitte wählen Sie die Behörde, zu der die Empfangsstelle gehört.")
	}
	c.email("contact.email", d.Contact.Email)
	c.text("contact.phone", d.Contact.Phone, false, 50)
	c.link("contact.url", d.Contact.URL)
	if len(d.EncryptionKey) > 0 && !isJSONObject(d.EncryptionKey) {
		c.add("encryptionKey", "invalid_key", "Der Schlüssel muss ein JSON Web Key (ein JSON-Objekt) sein.")
	}
	if len(d.Services) == 0 {
		c.add("services", "required", "Bitte geben Sie mindestens eine Leistung an, die die Empfangsstelle annimmt.")
	}
	seen := map[string]bool{}
	for i, sv := range d.Services {
		f := "services[" + strconv.Itoa(i) + "]."
		switch {
		case !hub.ValidLeikaKey(sv.LeikaKey):
			c.add(f+"leikaKey", "invalid_leika_key", "Bitte geben Sie einen Leistungsschlüssel (LeiKa) mit 14 Ziffern an, beginnend mit 99.")
		case seen[sv.LeikaKey]:
			c.add(f+"leikaKey", "duplicate_service", "Diese Leistung steht schon in der Liste.")
		}
		seen[sv.LeikaKey] = true
		c.text(f+"name", sv.Name, true, 200)
		c.text(f+"schemaUri", sv.SchemaURI, true, 500)
		if !isJSONObject(sv.Schema) {
			c.add(f+"schema", "invalid_schema", "Das Schema muss ein JSON-Schema (ein JSON-Objekt) sein.")
		}
		c.text(f+"mappingName", sv.MappingName, false, 100)
		if sv.MappingVersion != "" && sv.MappingName == "" {
			c.add(f+"mappingVersion", "version_without_mapping", "Eine Version gibt es nur zu einer Abbildung.")
		}
		c.text(f+"mappingVersion", sv.MappingVersion, false, 20)
	}
	return c
}

func isJSONObject(b json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

// CreateDestination adds a destination to one of the tenant's
// organisational units and declares its queues on the broker before the
// commit: when it returns without error, submissions can flow to it. On an
// error nothing is written (a queue declared just before a failed commit
// stays, empty, and is declared again at start-up anyway).
func (e *Editor) CreateDestination(ctx context.Context, tenantID string, d hub.Destination) (Change[hub.Destination], error) {
	if d.ID == "" {
		d.ID = hub.NewID()
	}
	if d.Kind == "" {
		d.Kind = hub.DestinationAMQP
	}
	d.TenantID = tenantID
	if err := validDestination(&d).err(); err != nil {
		return Change[hub.Destination]{}, err
	}
	d.CreatedAt = e.store.db.Now()
	err := e.store.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := findUnit(ctx, tx, tenantID, d.OrgUnitID, "orgUnitId"); err != nil {
			return err
		}
		contact, _ := json.Marshal(d.Contact) // a struct of strings always marshals
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO destinations (id, tenant_id, org_unit_id, kind, name, contact, encryption_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.ID, tenantID, d.OrgUnitID, d.Kind, d.Name, string(contact),
			nullString(string(d.EncryptionKey)), d.CreatedAt); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		if err := insertServices(ctx, tx, &d); err != nil {
			return err
		}
		if err := e.changed(ctx, tx, "destination.created", "destination", d.ID, nil, &d); err != nil {
			return err
		}
		return e.provision(ctx, d.ID)
	})
	e.store.forgetDestination(tenantID, d.ID)
	if err != nil {
		return Change[hub.Destination]{}, fmt.Errorf("create destination: %w", err)
	}
	return Change[hub.Destination]{After: &d}, nil
}

// UpdateDestination replaces a destination's kind, organisational unit,
// name, contact, key and services (with their schemas and mappings), and
// declares its queues again. Submissions already routed to it keep the
// version they were routed with.
func (e *Editor) UpdateDestination(ctx context.Context, tenantID, id string, d hub.Destination) (Change[hub.Destination], error) {
	if d.Kind == "" {
		d.Kind = hub.DestinationAMQP
	}
	d.ID, d.TenantID = id, tenantID
	if err := validDestination(&d).err(); err != nil {
		return Change[hub.Destination]{}, err
	}
	var ch Change[hub.Destination]
	err := e.store.db.InTx(ctx, func(tx *sqlstore.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM destinations WHERE tenant_id = $1 AND id = $2`+tx.DB().Dialect.ForUpdate(),
			tenantID, id).Scan(&one); sqlstore.ErrNoRows(err) {
			return &hub.Error{Code: hub.ENOTFOUND, Kind: "destination_not_found", Message: "Diese Empfangsstelle gibt es nicht."}
		} else if err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		before, err := loadDestination(ctx, tx, tenantID, id)
		if err != nil {
			return err
		}
		if _, err := findUnit(ctx, tx, tenantID, d.OrgUnitID, "orgUnitId"); err != nil {
			return err
		}
		d.CreatedAt = before.CreatedAt
		contact, _ := json.Marshal(d.Contact) // a struct of strings always marshals
		if _, err := tx.ExecContext(ctx, `UPDATE destinations SET org_unit_id = $3, kind = $4, name = $5, contact = $6,
			encryption_key = $7 WHERE tenant_id = $1 AND id = $2`, tenantID, id, d.OrgUnitID, d.Kind, d.Name,
			string(contact), nullString(string(d.EncryptionKey))); err != nil {
			return fmt.Errorf("update: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM destination_services WHERE tenant_id = $1 AND destination_id = $2`,
			tenantID, id); err != nil {
			return fmt.Errorf("replace services: %w", err)
		}
		if err := insertServices(ctx, tx, &d); err != nil {
			return err
		}
		ch = Change[hub.Destination]{Before: before, After: &d}
		if err := e.changed(ctx, tx, "destination.updated", "destination", id, before, &d); err != nil {
			return err
		}
		return e.provision(ctx, id)
	})
	e.store.forgetDestination(tenantID, id)
	if err != nil {
		return Change[hub.Destination]{}, fmt.Errorf("update destination %s: %w", id, err)
	}
	return ch, nil
}

// provision declares the destination's queues; a broker that does not
// answer fails the command with EUNAVAILABLE.
func (e *Editor) provision(ctx context.Context, destinationID string) error {
	if err := e.queues.DeclareDestination(ctx, destinationID); err != nil {
		return &hub.Error{Code: hub.EUNAVAILABLE, Kind: "queue_not_provisioned",
			Message: "Die Warteschlangen der Empfangsstelle konnten nicht angelegt werden. Bitte versuchen Sie es später noch einmal.",
			Err:     err}
	}
	return nil
}
