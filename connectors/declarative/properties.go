package declarative

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
)

// ActionPropertySep joins an action's id and the name of one of its own
// properties into the connection property that holds its value:
// create_listing__location_id.
const ActionPropertySep = "__"

// prop is one property templates read as {{connection.<name>}}.
type prop struct {
	name   string // as templates read it
	key    string // the connection's property, or secret field, that holds it
	secret bool
	def    string
}

// A connection's custom properties come in two kinds. Plain ones are the
// connectors.Spec's Properties, stored with the connection. Secret ones
// are kept as the connection's credentials are: Spec.Properties cannot be
// secret, so each becomes a secret field of every auth kind (but none,
// which takes no fields), entered with the credentials (the connection's
// fields), written to Vault, never in a history, a log or an answer, and
// scrubbed from error messages. An action's own properties are named
// <action>__<name> in the connection and read by that action's templates
// as {{connection.<name>}}.

// propNames is the properties an action's templates may read: the app's
// and the action's own, reporting an own property that shadows the app's.
func (act *Action) propNames(v *validator, at string, app map[string]bool) map[string]bool {
	names := maps.Clone(app)
	for i, p := range act.Properties {
		if app[p.Name] {
			v.add(at+".properties["+strconv.Itoa(i)+"].name", definition.CodeDuplicateID, fmt.Sprintf("%q is also a property of the app", p.Name))
		}
		names[p.Name] = true
	}
	return names
}

// propList lists fields as properties, named for the connection with prefix.
func propList(fields []connectors.Field, prefix string) []prop {
	out := make([]prop, len(fields))
	for i, f := range fields {
		out[i] = prop{name: f.Name, key: prefix + f.Name, secret: f.Secret, def: f.Default}
	}
	return out
}

// connectionFields puts the app's and its actions' properties into the
// spec: plain ones as Properties, secret ones as secret fields of every
// auth kind but none.
func (a *App) connectionFields(v *validator, b *built) {
	var secret []connectors.Field
	add := func(f connectors.Field, key string) {
		f.Name = key
		if f.Secret {
			secret = append(secret, f)
		} else {
			b.spec.Properties = append(b.spec.Properties, f)
		}
	}
	for _, f := range a.Properties {
		add(f, f.Name)
	}
	for _, act := range a.Actions {
		for _, f := range act.Properties {
			add(f, act.ID+ActionPropertySep+f.Name)
		}
	}
	if len(secret) == 0 {
		return
	}
	if !slices.ContainsFunc(b.spec.Auth, func(au connectors.AuthSpec) bool { return au.Kind != connectors.AuthNone }) {
		v.add("properties", definition.CodeNotAllowed, "a secret property is kept with the credentials, and the app's only auth kind, none, has none: add another auth kind")
		return
	}
	for i := range b.spec.Auth {
		au := &b.spec.Auth[i]
		if au.Kind == connectors.AuthNone {
			continue
		}
		for _, f := range secret {
			if slices.ContainsFunc(au.Fields, func(g connectors.Field) bool { return g.Name == f.Name }) {
				v.add("properties", definition.CodeDuplicateID, fmt.Sprintf("the secret property %s has the name of a %s field", f.Name, au.Kind))
				continue
			}
			au.Fields = append(au.Fields, f)
		}
	}
}

// connectionData is what templates read as connection: each property's
// value (a secret one from the connection's secrets), else its default.
func connectionData(call connectors.Call, lists ...[]prop) map[string]any {
	out := map[string]any{}
	for _, list := range lists {
		for _, p := range list {
			var v string
			var ok bool
			if p.secret {
				if call.Connection.Secrets != nil {
					v, ok = call.Connection.Secrets.Secret(p.key)
				}
			} else {
				v, ok = call.Connection.Properties[p.key]
			}
			switch {
			case ok && v != "":
				out[p.name] = v
			case p.def != "":
				out[p.name] = p.def
			case ok:
				out[p.name] = v
			}
		}
	}
	return out
}
