package definition

import (
	"encoding/json"
	"slices"
)

// StateDeclaration is what a definition says of one scope's state: the
// JSON schema (draft 2020-12, the subset connectors' schemas use) its
// values keep to, and how long a write keeps them (a SetState step's own
// expiresIn wins).
type StateDeclaration struct {
	Schema    json.RawMessage `json:"schema,omitempty"`
	ExpiresIn string          `json:"expiresIn,omitempty"`
}

// states reads the optional "states" object: scope -> declaration.
func (d *decoder) states(root map[string]any) map[string]StateDeclaration {
	raw, ok := d.object(root, "states", "states")
	if !ok {
		return nil
	}
	out := make(map[string]StateDeclaration, len(raw))
	for _, scope := range sortedKeys(raw) {
		p := PathKey("states", scope)
		if !slices.Contains(StateScopes, scope) {
			d.failCode(p, CodeInvalidValue, "is not a scope: one of account, user and conversation")
			continue
		}
		decl, ok := d.object(raw, scope, p)
		if !ok {
			if raw[scope] == nil {
				d.fail(p, "must be an object")
			}
			continue
		}
		var sd StateDeclaration
		if schema, ok := d.object(decl, "schema", p+".schema"); ok {
			sd.Schema, _ = json.Marshal(schema)
		}
		sd.ExpiresIn, _ = d.str(decl, "expiresIn", p+".expiresIn")
		for key := range decl {
			if key != "schema" && key != "expiresIn" {
				d.failCode(PathKey(p, key), CodeNotAllowed, "is not a field of a state declaration: schema or expiresIn")
			}
		}
		out[scope] = sd
	}
	return out
}

// states checks the declarations' expiries; whether a schema is one is
// checked where schemas are read, when the definition is saved.
func (v *validator) states(d *Document) {
	for _, scope := range sortedKeys(d.States) {
		if e := d.States[scope].ExpiresIn; e != "" {
			if dur, err := ParseDuration(e); err != nil || dur <= 0 {
				v.fail(PathKey("states", scope)+".expiresIn", CodeInvalidValue, "%q is not a positive duration such as \"P30D\" or \"12h\"", e)
			}
		}
	}
}
