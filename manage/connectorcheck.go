package manage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/store"
)

// eightByEightApp is the connector the built-in 8x8 messaging steps (SMS,
// ChatAppsMessage, ...) belong to: a connection they name must be one of it.
const eightByEightApp = "eightbyeight"

// connectorCheck checks what a definition's connector steps and app
// trigger need from outside the definition language, when it is saved: the
// connector versions (pinning every app the definition uses into
// doc.Apps), the actions at those versions, their inputs against the
// actions' input schemas, and the connections the steps name.
type connectorCheck struct {
	registry    *connectors.Registry
	connections connectionReader
	ctx         context.Context
	accountID   string
	doc         *definition.Document
	// literalInputs checks the steps' inputs as values only: no string in
	// them is an expression (an action's inputs, runs.ActionStep).
	literalInputs bool
	pinned        map[string]connectors.Spec // app -> the version the definition uses
	failed        map[string]bool            // apps without a usable version, already reported or not
	noApp         map[string]bool            // apps the registry does not have at all
	problems      []definition.FieldError
}

// connectionReader finds the connections steps name; *store.Store
// implements it.
type connectionReader interface {
	Connection(ctx context.Context, accountID, id string) (store.Connection, error)
}

func newConnectorCheck(ctx context.Context, registry *connectors.Registry, connections connectionReader, accountID string, doc *definition.Document) *connectorCheck {
	return &connectorCheck{registry: registry, connections: connections, ctx: ctx, accountID: accountID, doc: doc,
		pinned: map[string]connectors.Spec{}, failed: map[string]bool{}, noApp: map[string]bool{}}
}

// pinApps fills doc.Apps and reports, as field errors, everything a saved
// definition cannot have. A store failure (looking up connections) is
// returned as err.
func (d *Definitions) pinApps(ctx context.Context, accountID string, doc *definition.Document) ([]definition.FieldError, error) {
	return newConnectorCheck(ctx, d.connectors, d.store, accountID, doc).run()
}

// run checks the document and pins its apps.
func (ch *connectorCheck) run() ([]definition.FieldError, error) {
	doc := ch.doc
	if app, trigger, ok := definition.ConnectorAction(doc.Trigger); ok {
		if err := ch.trigger(app, trigger); err != nil {
			return nil, err
		}
	}
	if err := ch.steps(doc.Definition.Steps, "definition.steps"); err != nil {
		return nil, err
	}
	pins := make(map[string]string, len(ch.pinned))
	for app, spec := range ch.pinned {
		pins[app] = spec.Version
	}
	if len(pins) > 0 {
		doc.Apps = pins
	} else {
		doc.Apps = nil
	}
	return ch.problems, nil
}

func (ch *connectorCheck) fail(path, code, format string, args ...any) {
	ch.problems = append(ch.problems, definition.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

// version resolves the version of app the definition uses: the one it
// names, else the latest stable. ok is false when there is none: a version
// problem is reported once, at apps.<app>; an app the registry does not
// have at all (noApp) is for the caller to report where it is used.
func (ch *connectorCheck) version(app string) (connectors.Spec, bool) {
	if spec, ok := ch.pinned[app]; ok {
		return spec, true
	}
	if ch.failed[app] {
		return connectors.Spec{}, false
	}
	named, isNamed := ch.doc.Apps[app]
	c, err := ch.registry.LookupFor(ch.ctx, ch.accountID, app, named)
	if err != nil {
		ch.failed[app] = true
		switch {
		case errors.Is(err, connectors.ErrUnknownConnector):
			ch.noApp[app] = true
		case isNamed:
			ch.fail("apps."+app, definition.CodeInvalidValue, "%v", err)
		default:
			// Only beta versions: using one must be a choice.
			ch.fail("apps."+app, definition.CodeRequired, "is required: %v", err)
		}
		return connectors.Spec{}, false
	}
	if ch.pastDeprecation(app, c.Spec()) {
		ch.failed[app] = true
		return connectors.Spec{}, false
	}
	ch.pinned[app] = c.Spec()
	return c.Spec(), true
}

// trigger pins an app trigger's connector ("shopify.orders_create") and
// checks that the version has the trigger and that triggerConnection fits it.
func (ch *connectorCheck) trigger(app, trigger string) error {
	spec, ok := ch.version(app)
	if !ok {
		if ch.noApp[app] {
			ch.fail("trigger", definition.CodeInvalidValue, "no app %q: it is not a connector Junction has (GET /api/v1/apps lists them)", app)
		}
		return nil
	}
	i := slices.IndexFunc(spec.Triggers, func(t connectors.TriggerSpec) bool { return t.ID == trigger })
	if i < 0 {
		ch.fail("trigger", definition.CodeInvalidValue, "%s %s has no trigger %q", app, spec.Version, trigger)
		return nil
	}
	ch.appStates(spec)
	if ch.doc.PollFrom != "" && spec.Triggers[i].Kind != connectors.TriggerPolling {
		ch.fail("pollFrom", definition.CodeInvalidValue, "goes only with a polling trigger; %s is a %s trigger", ch.doc.Trigger, spec.Triggers[i].Kind)
	}
	if ch.doc.PollInterval != "" && spec.Triggers[i].Kind != connectors.TriggerPolling {
		ch.fail("pollInterval", definition.CodeInvalidValue, "goes only with a polling trigger; %s is a %s trigger", ch.doc.Trigger, spec.Triggers[i].Kind)
	}
	// Validation has made sure an app trigger names its connection; it
	// must be the account's, of this app, with an auth kind the pinned
	// version accepts, as a step's connection must.
	return ch.connection(ch.doc.TriggerConnection, "triggerConnection", app, &spec)
}

func (ch *connectorCheck) steps(steps []definition.Step, path string) error {
	for i := range steps {
		st := &steps[i]
		p := path + "[" + strconv.Itoa(i) + "]"
		if err := ch.step(st, p); err != nil {
			return err
		}
		for j, block := range st.Do {
			if err := ch.steps(block, p+".do["+strconv.Itoa(j)+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ch *connectorCheck) step(st *definition.Step, path string) error {
	app, action, isConnector := definition.ConnectorAction(st.StepType)
	if !isConnector {
		if st.Connection == "" {
			return nil
		}
		// A built-in step that takes a connection: the 8x8 messaging steps.
		return ch.connection(st.Connection, path+".connection", eightByEightApp, nil)
	}
	spec, ok := ch.version(app)
	if !ok {
		if ch.noApp[app] {
			ch.fail(path+".stepType", definition.CodeUnknownStepType, "no connector action %q: Junction has no app %q (GET /api/v1/apps lists them)", st.StepType, app)
		}
		return nil
	}
	i := slices.IndexFunc(spec.Actions, func(a connectors.ActionSpec) bool { return a.ID == action })
	if i < 0 {
		ch.fail(path+".stepType", definition.CodeUnknownStepType, "no connector action %q: %s %s has no action %q", st.StepType, app, spec.Version, action)
	} else {
		ch.inputs(spec.Actions[i], st.Inputs, path+".inputs")
		applyStepDefaults(st, spec.Actions[i].StepDefaults)
	}
	if st.Connection == "" {
		if !slices.ContainsFunc(spec.Auth, func(a connectors.AuthSpec) bool { return a.Kind == connectors.AuthNone }) {
			ch.fail(path+".connection", definition.CodeRequired, "is required: %s authenticates with %s; create a connection (POST /connections) and name its id here",
				app, strings.Join(authKinds(spec), " or "))
		}
		return nil
	}
	return ch.connection(st.Connection, path+".connection", app, &spec)
}

func authKinds(spec connectors.Spec) []string {
	out := make([]string, len(spec.Auth))
	for i, a := range spec.Auth {
		out[i] = string(a.Kind)
	}
	return out
}

// connection checks that id names a connection of the account for app and,
// when spec is given, one that version accepts.
func (ch *connectorCheck) connection(id, path, app string, spec *connectors.Spec) error {
	conn, err := ch.connections.Connection(ch.ctx, ch.accountID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ch.fail(path, definition.CodeInvalidValue, "no connection %q in this account (GET /connections lists them)", id)
		return nil
	case err != nil:
		return fmt.Errorf("reading connection %s: %w", id, err)
	case conn.App != app:
		ch.fail(path, definition.CodeInvalidValue, "connection %q is for %s, not %s", id, conn.App, app)
		return nil
	case spec != nil && !slices.ContainsFunc(spec.Auth, func(a connectors.AuthSpec) bool { return string(a.Kind) == conn.AuthKind }):
		ch.fail(path, definition.CodeInvalidValue, "connection %q authenticates with %s, which %s %s does not accept (it takes %s)",
			id, conn.AuthKind, app, spec.Version, strings.Join(authKinds(*spec), " or "))
		return nil
	}
	return nil
}

// inputs checks a step's inputs against the action's input schema. Values
// holding {{ }} are known only at run time, where the action checks them
// again; here they only count as present, unless the inputs are literal.
func (ch *connectorCheck) inputs(action connectors.ActionSpec, inputs map[string]any, path string) {
	if action.Input == nil {
		return
	}
	var value any = inputs
	if inputs == nil {
		value = map[string]any{}
	}
	template := func(v any) bool {
		s, ok := v.(string)
		return ok && !ch.literalInputs && definition.HasTemplate(s)
	}
	for _, m := range action.Input.Mismatches(value, template) {
		code := definition.CodeInvalidValue
		switch m.Kind {
		case connectors.MismatchRequired:
			code = definition.CodeRequired
		case connectors.MismatchUnknown:
			code = definition.CodeNotAllowed
		case connectors.MismatchType:
			code = definition.CodeInvalidType
		}
		ch.fail(jsonPath(path, m.Pointer, value), code, "%s", m.Message)
	}
}

// jsonPath turns a JSON pointer into value into the definition language's
// path form below base: /line_items/0/sku is base.line_items[0].sku; keys
// that are not plain names are quoted, base["a b"]. Array indexes are told
// from keys by what the value holds there.
func jsonPath(base, pointer string, value any) string {
	if pointer == "" {
		return base
	}
	out := base
	cur := value
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case []any:
			n, err := strconv.Atoi(tok)
			if err == nil && n >= 0 && n < len(x) {
				out += "[" + tok + "]"
				cur = x[n]
				continue
			}
		case map[string]any:
			cur = x[tok]
		default:
			cur = nil
		}
		out = definition.PathKey(out, tok)
	}
	return out
}

// appStates pins the state schemas the trigger's app version declares
// (connectors.Spec.States) into the definition, for each scope whose
// schema the definition does not declare itself: its SetState steps then
// keep to them, and the saved definition shows which.
func (ch *connectorCheck) appStates(spec connectors.Spec) {
	for _, scope := range slices.Sorted(maps.Keys(spec.States)) {
		declared := ch.doc.States[scope]
		if len(declared.Schema) > 0 {
			continue
		}
		raw, err := json.Marshal(spec.States[scope])
		if err != nil {
			ch.fail("states."+scope, definition.CodeInvalidValue, "%s %s declares a %s state schema that does not encode: %v", spec.ID, spec.Version, scope, err)
			continue
		}
		declared.Schema = raw
		if ch.doc.States == nil {
			ch.doc.States = map[string]definition.StateDeclaration{}
		}
		ch.doc.States[scope] = declared
	}
}
