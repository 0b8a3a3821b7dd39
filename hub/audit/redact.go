package audit

import (
	"encoding/json"
	"reflect"
	"strings"
)

// Redacted replaces every value the audit log must not keep.
const Redacted = "[entfernt]"

// secretWords mark a field whose value is a secret wherever they occur in
// its name (compared without case, dashes and underscores).
var secretWords = []string{"password", "passwort", "secret", "token", "totp", "otp", "hash", "credential", "privatekey", "apikey"}

// personalNames are fields of citizens' personal data, by their whole name
// (compared without case, dashes and underscores).
var personalNames = map[string]bool{
	"familyname": true, "givenname": true, "birthname": true, "dateofbirth": true, "birthdate": true,
	"placeofbirth": true, "nationality": true, "iban": true, "bic": true, "taxid": true, "citizen": true,
	"citizenemail": true, "applicant": true, "data": true, "payload": true, "body": true,
}

// sensitive reports whether a field of this name must not be logged.
func sensitive(name string) bool {
	n := strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(name))
	if personalNames[n] {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// Redact returns v as plain JSON values (maps, slices, scalars) with every
// secret and every item of citizens' personal data replaced by Redacted: a
// struct field tagged `audit:"redact"`, and any field or map key whose name
// marks a secret (password, token, secret, …) or personal data (familyName,
// dateOfBirth, iban, data, …). A struct field tagged `audit:"-"` is left
// out.
func Redact(v any) any {
	return redactValue(reflect.ValueOf(v))
}

func redactValue(v reflect.Value) any {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return nil
	}
	if m, ok := v.Interface().(json.Marshaler); ok && v.Kind() != reflect.Struct && v.Kind() != reflect.Map {
		return plain(m)
	}
	switch v.Kind() {
	case reflect.Struct:
		if m, ok := v.Interface().(json.Marshaler); ok { // time.Time and the like
			return plain(m)
		}
		return redactStruct(v)
	case reflect.Map:
		out := map[string]any{}
		iter := v.MapRange()
		for iter.Next() {
			k := keyString(iter.Key())
			if sensitive(k) {
				out[k] = Redacted
				continue
			}
			out[k] = redactValue(iter.Value())
		}
		return out
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return Redacted // raw bytes: a document or a payload
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = redactValue(v.Index(i))
		}
		return out
	default:
		return v.Interface()
	}
}

func redactStruct(v reflect.Value) map[string]any {
	out := map[string]any{}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("audit")
		if tag == "-" {
			continue
		}
		name, omitEmpty := jsonName(f)
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if omitEmpty && fv.IsZero() {
			continue
		}
		if tag == "redact" || sensitive(name) || sensitive(f.Name) {
			out[name] = Redacted
			continue
		}
		out[name] = redactValue(fv)
	}
	return out
}

func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, strings.Contains(opts, "omitempty")
}

func keyString(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	b, _ := json.Marshal(k.Interface())
	return strings.Trim(string(b), `"`)
}

func plain(m json.Marshaler) any {
	b, err := m.MarshalJSON()
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return redactValue(reflect.ValueOf(out)) // its own JSON may name secrets too
}
