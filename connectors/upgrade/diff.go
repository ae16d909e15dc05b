package upgrade

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/junction-run/junction/connectors"
)

// Kinds of Change. A schema change (Diff) is one of the first group; a
// difference a replay finds (Compare) one of the second.
const (
	ActionRemoved   = "action_removed"   // an action the definition runs is gone (To: the action that seems to replace it)
	TriggerRemoved  = "trigger_removed"  // the trigger that starts the definition is gone
	InputRemoved    = "input_removed"    // an input field is no longer declared
	InputRetyped    = "input_retyped"    // an input field takes another type (From, To: the types)
	InputRequired   = "input_required"   // an input field is newly required
	OutputRemoved   = "output_removed"   // an output field is no longer declared or, in a replay, no longer returned
	OutputRetyped   = "output_retyped"   // an output field has another type
	PayloadRemoved  = "payload_removed"  // a field of the trigger's events is no longer declared
	PayloadRetyped  = "payload_retyped"  // a field of the trigger's events has another type
	PropertyNeeded  = "property_needed"  // a connection property is newly required
	AuthRemoved     = "auth_removed"     // an auth kind connections may use is gone
	DefinitionFault = "definition_fault" // the definition would not save on the new version (Field: its path)
	VersionGone     = "version_gone"     // the version the definition pins is no longer stored (From)

	InputInvalid   = "input_invalid"   // a recorded input does not fit the new input schema (Field: which part)
	RequestChanged = "request_changed" // the new version sends another request (Field: which part)
	OutputChanged  = "output_changed"  // an output field has another value from the same answer
	OutcomeChanged = "outcome_changed" // the call would fail where it succeeded, or the other way round, or fail otherwise
	NotReplayed    = "not_replayed"    // the call could not be replayed (Message: why)
)

// Change is one difference that matters to a definition moving to another
// version of an app. Field is a dotted path ("address.city", "items[]" for
// every element, "header.X-Acme-Partner" or "body.name" in a request);
// From and To are the old and the new (types, values, ids), when they
// say more than Message.
type Change struct {
	Kind    string `json:"kind"`
	Action  string `json:"action,omitempty"`
	Field   string `json:"field,omitempty"`
	From    any    `json:"from,omitempty"`
	To      any    `json:"to,omitempty"`
	Message string `json:"message"`
}

// Uses is what a definition uses of an app: the actions its steps run and
// the trigger that starts it ("" for none).
type Uses struct {
	Actions []string
	Trigger string
}

// maxSchemaDepth bounds how deep Diff walks nested objects and arrays.
const maxSchemaDepth = 16

// Diff lists the differences between two versions of an app that can
// break a definition using uses of it: actions and the trigger gone
// (reported as renamed when the new version has a new action or trigger of
// the same name), input fields removed, retyped or newly required, output
// and event fields removed or retyped, connection properties newly
// required and auth kinds gone. Additions that nothing requires are no
// change. The order is stable: by action, then field.
func Diff(from, to connectors.Spec, uses Uses) []Change {
	changes := []Change{}
	for _, id := range slices.Sorted(slices.Values(uses.Actions)) {
		i, j, gone := find(from.Actions, to.Actions, id, func(a connectors.ActionSpec) (string, string) { return a.ID, a.Name })
		switch {
		case i < 0: // not an action of the old version: saving the definition said so
		case gone != nil:
			gone.Kind, gone.Message = ActionRemoved, fmt.Sprintf("%s %s has no action %s", to.ID, to.Version, id)+gone.Message
			changes = append(changes, *gone)
		default:
			a, b := from.Actions[i], to.Actions[j]
			changes = append(changes, fieldChanges(id, a.Input, b.Input, InputRemoved, InputRetyped, InputRequired)...)
			changes = append(changes, fieldChanges(id, a.Output, b.Output, OutputRemoved, OutputRetyped, "")...)
		}
	}
	if id := uses.Trigger; id != "" {
		i, j, gone := find(from.Triggers, to.Triggers, id, func(t connectors.TriggerSpec) (string, string) { return t.ID, t.Name })
		switch {
		case i < 0:
		case gone != nil:
			gone.Kind, gone.Message = TriggerRemoved, fmt.Sprintf("%s %s has no trigger %s", to.ID, to.Version, id)+gone.Message
			changes = append(changes, *gone)
		default:
			changes = append(changes, fieldChanges(id, from.Triggers[i].Payload, to.Triggers[j].Payload, PayloadRemoved, PayloadRetyped, "")...)
		}
	}
	for _, p := range to.Properties {
		if !p.Required || p.Default != "" {
			continue
		}
		i := slices.IndexFunc(from.Properties, func(q connectors.Field) bool { return q.Name == p.Name })
		if i >= 0 && (from.Properties[i].Required || from.Properties[i].Default != "") {
			continue
		}
		changes = append(changes, Change{Kind: PropertyNeeded, Field: p.Name,
			Message: fmt.Sprintf("connections need property %s, which %s did not require: set it on every connection the definition uses", p.Name, from.Version)})
	}
	for _, a := range from.Auth {
		if !slices.ContainsFunc(to.Auth, func(b connectors.AuthSpec) bool { return b.Kind == a.Kind }) {
			changes = append(changes, Change{Kind: AuthRemoved, Field: string(a.Kind),
				Message: fmt.Sprintf("%s %s does not accept %s connections", to.ID, to.Version, a.Kind)})
		}
	}
	return changes
}

// find finds the action or trigger id in the old and the new version's
// lists (-1 when absent). When the new version lacks it, gone is its
// removal: To names, and Message (to follow the caller's) explains, the
// new one of the same name that the old version did not have, which looks
// like it renamed.
func find[T any](from, to []T, id string, key func(T) (id, name string)) (i, j int, gone *Change) {
	has := func(list []T, id string) int {
		return slices.IndexFunc(list, func(x T) bool { xid, _ := key(x); return xid == id })
	}
	i, j = has(from, id), has(to, id)
	if i < 0 || j >= 0 {
		return i, j, nil
	}
	gone = &Change{Action: id, From: id}
	_, name := key(from[i])
	for _, x := range to {
		if xid, xname := key(x); xname == name && has(from, xid) < 0 {
			gone.To = xid
			gone.Message = fmt.Sprintf("; it seems renamed to %s (the same name, %q)", xid, xname)
			break
		}
	}
	return i, j, gone
}

// fieldChanges compares the fields of two schemas of one action (or
// trigger): removed and retyped ones, and, when required is not "", newly
// required ones.
func fieldChanges(action string, from, to *connectors.Schema, removed, retyped, required string) []Change {
	var out []Change
	old, now := fields(from), fields(to)
	for _, path := range slices.Sorted(maps.Keys(old)) {
		f := old[path]
		n, ok := now[path]
		switch {
		case !ok:
			if parentGone(path, now) {
				continue // reported at the parent
			}
			out = append(out, Change{Kind: removed, Action: action, Field: path, Message: fmt.Sprintf("%s: %s is no longer declared", action, path)})
		case typeName(f.schema) != typeName(n.schema):
			out = append(out, Change{Kind: retyped, Action: action, Field: path, From: typeName(f.schema), To: typeName(n.schema),
				Message: fmt.Sprintf("%s: %s was %s, is %s", action, path, typeName(f.schema), typeName(n.schema))})
		}
	}
	if required == "" {
		return out
	}
	for _, path := range slices.Sorted(maps.Keys(now)) {
		if f, ok := old[path]; now[path].required && (!ok || !f.required) && !parentGone(path, old) {
			out = append(out, Change{Kind: required, Action: action, Field: path, Message: fmt.Sprintf("%s: %s is required now", action, path)})
		}
	}
	return out
}

// field is a property of a schema, at its dotted path.
type field struct {
	schema   *connectors.Schema
	required bool // by the object holding it
}

// fields lists every named property of s, nested ones included, by path:
// "email", "address.city", "tags[]" (the items of an array),
// "lines[].sku".
func fields(s *connectors.Schema) map[string]field {
	out := map[string]field{}
	var walk func(s *connectors.Schema, prefix string, depth int)
	walk = func(s *connectors.Schema, prefix string, depth int) {
		if s == nil || depth > maxSchemaDepth {
			return
		}
		for name, p := range s.Properties {
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			out[path] = field{schema: p, required: slices.Contains(s.Required, name)}
			walk(p, path, depth+1)
		}
		if s.Items != nil && prefix != "" {
			out[prefix+"[]"] = field{schema: s.Items}
			walk(s.Items, prefix+"[]", depth+1)
		}
	}
	walk(s, "", 0)
	return out
}

// parentGone reports whether a field above path is missing from fields.
func parentGone(path string, fields map[string]field) bool {
	for p := parentPath(path); p != ""; p = parentPath(p) {
		if _, ok := fields[p]; !ok {
			return true
		}
	}
	return false
}

// parentPath is the path of the field holding path's: "a.b" of "a.b.c",
// "a" of "a[]", "a[]" of "a[].b"; "" at the top.
func parentPath(path string) string {
	if p, ok := strings.CutSuffix(path, "[]"); ok {
		return p
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// typeName is a schema's types as one word: "string", "integer|null";
// "any" when it allows every type.
func typeName(s *connectors.Schema) string {
	if s == nil || len(s.Type) == 0 {
		return "any"
	}
	types := slices.Clone([]string(s.Type))
	slices.Sort(types)
	return strings.Join(types, "|")
}
