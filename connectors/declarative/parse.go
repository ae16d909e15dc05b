package declarative

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/definition"
)

// CodeMalformed is the FieldError code of a document that is not JSON.
const CodeMalformed = "malformed"

// CodeSpec is the FieldError code of a problem connectors.Spec.Validate
// finds in the spec an app makes (its path is the spec's, as Validate
// writes it).
const CodeSpec = "invalid_spec"

// Parse reads an app and checks it, reporting every problem at once as a
// *definition.ValidationError whose FieldErrors carry each problem's JSON
// path (e.g. "actions[0].request.method") and a code. Unknown fields are
// problems. An app that passes also makes a connectors.Spec that passes
// Spec.Validate.
func Parse(data []byte) (*App, error) {
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &definition.ValidationError{Errors: []definition.FieldError{{Code: CodeMalformed, Message: "not JSON: " + err.Error()}}}
	}
	var v validator
	if _, ok := raw.(map[string]any); !ok {
		v.add("", definition.CodeInvalidType, "an app is a JSON object")
		return nil, v.err()
	}
	unknownFields(&v, raw, reflect.TypeFor[App](), "")
	var app App
	if err := json.Unmarshal(data, &app); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			v.add(te.Field, definition.CodeInvalidType, fmt.Sprintf("is a JSON %s, want %s", te.Value, jsonTypeName(te.Type)))
		} else {
			v.add("", definition.CodeInvalidType, err.Error())
		}
	}
	app.check(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	return &app, nil
}

// Check reports every problem of an app built in Go, as Parse does for
// one it reads (but for unknown fields, which Go types cannot hold).
func (a *App) Check() error {
	var v validator
	a.check(&v)
	return v.err()
}

type validator struct {
	problems []definition.FieldError
}

func (v *validator) add(path, code, msg string) {
	if code == definition.CodeRequired {
		for _, p := range v.problems {
			if p.Path == path {
				return // a value of the wrong type is not also missing
			}
		}
	}
	v.problems = append(v.problems, definition.FieldError{Path: path, Code: code, Message: msg})
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &definition.ValidationError{Errors: v.problems}
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

// unknownFields reports every key of raw that t has no field for, walking
// into the fields it has.
func unknownFields(v *validator, raw any, t reflect.Type, at string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[json.RawMessage]() {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fields[name] = f.Type
			names = append(names, name)
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, ok := fields[k]
			if !ok {
				v.add(definition.PathKey(at, k), definition.CodeNotAllowed, "is not a field here; known fields: "+strings.Join(names, ", "))
				continue
			}
			unknownFields(v, obj[k], ft, definition.PathKey(at, k))
		}
	case reflect.Slice:
		arr, ok := raw.([]any)
		if !ok {
			return
		}
		for i, e := range arr {
			unknownFields(v, e, t.Elem(), at+"["+strconv.Itoa(i)+"]")
		}
	case reflect.Map:
		obj, ok := raw.(map[string]any)
		if !ok {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			unknownFields(v, obj[k], t.Elem(), definition.PathKey(at, k))
		}
	}
}

var (
	keyPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,62}$`)
	semverPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)
)

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// built is an app ready to run: its spec and its compiled actions.
type built struct {
	spec    connectors.Spec
	baseURL tmpl
	actions []*action
	hooks   []connectors.Webhook
	// subscriptions are the subscribe requests of the triggers that have
	// them, by trigger id.
	subscriptions map[string]*subscription
}

// check reports every problem of the app to v and, when there is none,
// returns what Connector needs.
func (a *App) check(v *validator) *built {
	b := &built{}
	required := func(path, s string) {
		if strings.TrimSpace(s) == "" {
			v.add(path, definition.CodeRequired, "is required")
		}
	}
	switch {
	case a.Key == "":
		v.add("key", definition.CodeRequired, "is required")
	case !keyPattern.MatchString(a.Key):
		v.add("key", definition.CodeInvalidValue, fmt.Sprintf("%q must be lowercase letters, digits and underscores, at most 63, starting with a letter or digit", a.Key))
	}
	required("name", a.Name)
	required("description", a.Description)
	if a.Icon != "" {
		if u, err := url.Parse(a.Icon); err != nil || u.Scheme != "https" || u.Host == "" {
			v.add("icon", definition.CodeInvalidValue, "must be an absolute https URL")
		}
	}
	switch {
	case a.Version == "":
		v.add("version", definition.CodeRequired, "is required")
	case !semverPattern.MatchString(a.Version):
		v.add("version", definition.CodeInvalidValue, fmt.Sprintf("%q is not a semantic version such as 1.0.0", a.Version))
	}
	switch a.Status {
	case "":
		v.add("status", definition.CodeRequired, "is required")
	case connectors.StatusStable, connectors.StatusBeta:
	default:
		v.add("status", definition.CodeInvalidValue, fmt.Sprintf("%q is not stable or beta", a.Status))
	}

	checkRefs := a.refsIn(v, actionScope, a.propertyNames())
	template := templateWith(v, checkRefs)

	if a.BaseURL == "" {
		v.add("baseUrl", definition.CodeRequired, "is required")
	} else {
		b.baseURL = template("baseUrl", a.BaseURL)
		segs, err := splitTemplate(a.BaseURL)
		single := err == nil && len(segs) == 1 && segs[0].Expr
		if !single && !strings.HasPrefix(a.BaseURL, "https://") && !strings.HasPrefix(a.BaseURL, "http://") {
			v.add("baseUrl", definition.CodeInvalidValue, "must start with https:// or http://")
		} else if !definition.HasTemplate(a.BaseURL) {
			if u, err := url.Parse(a.BaseURL); err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
				v.add("baseUrl", definition.CodeInvalidValue, "must be an absolute URL without a query or fragment")
			}
		}
	}

	if len(a.Auth) == 0 {
		v.add("auth", definition.CodeRequired, "needs at least one kind; use {\"kind\": \"none\"} for none")
	}
	seenAuth := map[connectors.AuthKind]bool{}
	for i, au := range a.Auth {
		at := "auth[" + strconv.Itoa(i) + "]"
		spec, ok := au.spec(v, at)
		if !ok {
			continue
		}
		if seenAuth[au.Kind] {
			v.add(at+".kind", definition.CodeDuplicateID, fmt.Sprintf("%s is listed twice", au.Kind))
		}
		seenAuth[au.Kind] = true
		b.spec.Auth = append(b.spec.Auth, spec)
	}

	if len(a.Actions) == 0 {
		v.add("actions", definition.CodeRequired, "needs at least one action")
	}
	ids := map[string]int{}
	for i := range a.Actions {
		at := "actions[" + strconv.Itoa(i) + "]"
		act := &a.Actions[i]
		if j, dup := ids[act.ID]; dup && act.ID != "" {
			v.add(at+".id", definition.CodeDuplicateID, fmt.Sprintf("%q is also the id of actions[%d]", act.ID, j))
		} else {
			ids[act.ID] = i
		}
		if c := act.check(v, at, template, checkRefs); c != nil {
			b.actions = append(b.actions, c)
		}
	}
	b.spec.Triggers, b.hooks, b.subscriptions = a.checkTriggers(v)
	if len(v.problems) > 0 {
		return nil
	}
	if slices.ContainsFunc(a.Triggers, func(t Trigger) bool { return t.Signature.signed() }) {
		// Every kind but none (which takes no fields) holds the secret.
		for i := range b.spec.Auth {
			au := &b.spec.Auth[i]
			if au.Kind != connectors.AuthNone && !slices.ContainsFunc(au.Fields, func(f connectors.Field) bool { return f.Name == connectors.FieldWebhookSecret }) {
				au.Fields = append(au.Fields, connectors.WebhookSecretField("The secret "+a.Name+" signs webhook deliveries with (or the token it sends), from its webhook settings."))
			}
		}
	}

	b.spec.ID = a.Key
	b.spec.Name = a.Name
	b.spec.Description = a.Description
	b.spec.Version = a.Version
	b.spec.Status = a.Status
	b.spec.Properties = a.Properties
	b.spec.Env = a.Env
	for _, c := range b.actions {
		b.spec.Actions = append(b.spec.Actions, c.spec)
	}
	if err := b.spec.Validate(); err != nil {
		var se *connectors.SpecError
		if errors.As(err, &se) {
			for _, p := range se.Problems {
				where, what, _ := strings.Cut(p, ": ")
				v.add(where, CodeSpec, what)
			}
		} else {
			v.add("", CodeSpec, err.Error())
		}
		return nil
	}
	return b
}

// spec maps an Auth onto the connectors package's constructor for its
// kind.
func (au Auth) spec(v *validator, at string) (connectors.AuthSpec, bool) {
	apiKeyOnly := func() bool {
		ok := true
		for _, f := range []struct{ name, value string }{{"in", au.In}, {"name", au.Name}, {"prefix", au.Prefix}} {
			if f.value != "" {
				v.add(at+"."+f.name, definition.CodeNotAllowed, "is for api_key only")
				ok = false
			}
		}
		return ok
	}
	var s connectors.AuthSpec
	switch au.Kind {
	case "":
		v.add(at+".kind", definition.CodeRequired, "is required")
		return s, false
	case connectors.AuthNone:
		s = connectors.NoAuth()
	case connectors.AuthBasic:
		s = connectors.BasicAuth()
	case connectors.AuthBearer:
		s = connectors.BearerAuth()
	case connectors.AuthDigest:
		s = connectors.DigestAuth()
	case connectors.AuthAPIKey:
		ok := true
		switch au.In {
		case "":
			v.add(at+".in", definition.CodeRequired, "is required for api_key: header, query or cookie")
			ok = false
		case connectors.APIKeyInHeader, connectors.APIKeyInQuery, connectors.APIKeyInCookie:
		default:
			v.add(at+".in", definition.CodeInvalidValue, fmt.Sprintf("%q is not header, query or cookie", au.In))
			ok = false
		}
		if strings.TrimSpace(au.Name) == "" {
			v.add(at+".name", definition.CodeRequired, "is required for api_key: the header, query parameter or cookie")
			ok = false
		}
		if au.Prefix != "" && au.In != connectors.APIKeyInHeader {
			v.add(at+".prefix", definition.CodeNotAllowed, "is for a key sent in a header only")
			ok = false
		}
		if !ok {
			return s, false
		}
		s = connectors.APIKeyAuth(au.In, au.Name)
		s.APIKey.Prefix = au.Prefix
		s.Description = au.Description
		return s, true
	default:
		kinds := make([]string, len(AuthKinds))
		for i, k := range AuthKinds {
			kinds[i] = string(k)
		}
		v.add(at+".kind", definition.CodeInvalidValue, fmt.Sprintf("%q is not an auth kind apps support: %s", au.Kind, strings.Join(kinds, ", ")))
		return s, false
	}
	if !apiKeyOnly() {
		return s, false
	}
	s.Description = au.Description
	return s, true
}

// action is a compiled Action.
type action struct {
	spec              connectors.ActionSpec
	method            string
	path              []pathPart
	query             map[string]tmpl
	headers           map[string]tmpl
	idempotencyHeader string
	body              *compiledBody
	outputs           map[string]string
	notFound          []int
}

type pathPart struct {
	text string // literal text
	expr string // a rewritten {{ }} template of one expression; "" for text
}

type compiledBody struct {
	format string
	value  any // strings rewritten
	root   string
}

func (act *Action) check(v *validator, at string, template func(path, s string) tmpl, checkRefs func(string, []ref)) *action {
	c := &action{spec: connectors.ActionSpec{
		ID: act.ID, Name: act.Name, Kind: act.Kind, Description: act.Description,
		Idempotent: act.Idempotent, SampleInput: act.SampleInput,
	}}
	start := len(v.problems)
	v.checkNamed(at, act.ID, act.Name, act.Description)
	switch act.Kind {
	case "":
		v.add(at+".kind", definition.CodeRequired, "is required")
	case connectors.ActionCreate, connectors.ActionUpdate, connectors.ActionSearch, connectors.ActionDelete, connectors.ActionOther:
	default:
		v.add(at+".kind", definition.CodeInvalidValue, fmt.Sprintf("%q is not create, update, search, delete or other", act.Kind))
	}

	if len(bytes.TrimSpace(act.Input)) == 0 {
		v.add(at+".input", definition.CodeRequired, "is required: the JSON Schema of the step's input")
	} else if s, err := connectors.ParseSchema(act.Input); err != nil {
		for line := range strings.SplitSeq(err.Error(), "\n") {
			v.add(at+".input", definition.CodeInvalidValue, "is not a valid schema: "+line)
		}
	} else if !s.Type.Has(connectors.TypeObject) {
		v.add(at+".input", definition.CodeInvalidValue, "must be a schema of type object")
	} else {
		c.spec.Input = s
		if len(bytes.TrimSpace(act.SampleInput)) == 0 {
			v.add(at+".sampleInput", definition.CodeRequired, "is required: an input the docs show and tests send")
		} else if err := s.Validate(act.SampleInput); err != nil {
			v.add(at+".sampleInput", definition.CodeInvalidValue, "does not match the input schema: "+err.Error())
		}
	}

	method := strings.ToUpper(act.Request.Method)
	switch {
	case act.Request.Method == "":
		v.add(at+".request.method", definition.CodeRequired, "is required")
	case !slices.Contains(methods, method):
		v.add(at+".request.method", definition.CodeInvalidValue, fmt.Sprintf("%q is not GET, POST, PUT, PATCH or DELETE", act.Request.Method))
	}
	c.method = method

	switch {
	case act.Request.Path == "":
		v.add(at+".request.path", definition.CodeRequired, "is required")
	case !strings.HasPrefix(act.Request.Path, "/"):
		v.add(at+".request.path", definition.CodeInvalidValue, "must start with /")
	default:
		t := template(at+".request.path", act.Request.Path)
		if strings.ContainsAny(act.Request.Path, "?#") {
			v.add(at+".request.path", definition.CodeInvalidValue, "must not hold ? or #: put parameters in query")
		}
		if segs, err := splitTemplate(t.expr); err == nil {
			for _, s := range segs {
				if s.Expr {
					c.path = append(c.path, pathPart{expr: "{{" + s.Text + "}}"})
				} else {
					c.path = append(c.path, pathPart{text: s.Text})
				}
			}
		}
	}

	c.query = map[string]tmpl{}
	for _, k := range slices.Sorted(maps.Keys(act.Request.Query)) {
		p := definition.PathKey(at+".request.query", k)
		if k == "" {
			v.add(p, definition.CodeInvalidValue, "a query parameter needs a name")
		}
		c.query[k] = template(p, act.Request.Query[k])
	}
	c.headers = map[string]tmpl{}
	for _, k := range slices.Sorted(maps.Keys(act.Request.Headers)) {
		p := definition.PathKey(at+".request.headers", k)
		if !headerToken(k) {
			v.add(p, definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", k))
		}
		if strings.EqualFold(k, "Authorization") {
			v.add(p, definition.CodeNotAllowed, "credentials come from the connection's auth, not from headers")
		}
		c.headers[k] = template(p, act.Request.Headers[k])
	}
	if h := act.Request.IdempotencyHeader; h != "" && !headerToken(h) {
		v.add(at+".request.idempotencyHeader", definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", h))
	}
	c.idempotencyHeader = act.Request.IdempotencyHeader

	if body := act.Request.Body; body != nil {
		bat := at + ".request.body"
		switch body.Format {
		case "":
			v.add(bat+".format", definition.CodeRequired, "is required: json, xml or form")
		case FormatJSON, FormatXML, FormatForm:
		default:
			v.add(bat+".format", definition.CodeInvalidValue, fmt.Sprintf("%q is not json, xml or form", body.Format))
		}
		if method == http.MethodGet {
			v.add(bat, definition.CodeNotAllowed, "a GET request has no body")
		}
		if body.Value == nil {
			v.add(bat+".value", definition.CodeRequired, "is required")
		}
		if body.Root != "" && body.Format != FormatXML {
			v.add(bat+".root", definition.CodeNotAllowed, "is for xml bodies only")
		}
		if obj, ok := body.Value.(map[string]any); body.Format == FormatXML && body.Root == "" && (!ok || len(obj) != 1) {
			v.add(bat+".root", definition.CodeRequired, "is required for an xml body that is not an object with one key")
		}
		if _, ok := body.Value.(map[string]any); body.Format == FormatForm && !ok {
			v.add(bat+".value", definition.CodeInvalidType, "a form body is an object")
		}
		var refs []ref
		value := compileValue(body.Value, bat+".value", func(p string, tp templateProblem) { v.add(p, tp.code, tp.msg) }, &refs)
		checkRefs(bat+".value", refs)
		c.body = &compiledBody{format: body.Format, value: value, root: body.Root}
	}

	c.outputs = act.Response.Outputs
	for _, k := range slices.Sorted(maps.Keys(act.Response.Outputs)) {
		p := definition.PathKey(at+".response.outputs", k)
		if strings.TrimSpace(k) == "" {
			v.add(p, definition.CodeInvalidValue, "an output needs a name")
			continue
		}
		if err := checkJSONPath(act.Response.Outputs[k]); err != nil {
			v.add(p, definition.CodeInvalidValue, err.Error())
		}
	}
	for i, s := range act.Response.NotFound {
		if s < 400 || s > 499 {
			v.add(at+".response.notFound["+strconv.Itoa(i)+"]", definition.CodeInvalidValue, fmt.Sprintf("%d is not a 4xx status", s))
		}
	}
	c.notFound = act.Response.NotFound

	switch {
	case len(bytes.TrimSpace(act.Output)) > 0:
		s, err := connectors.ParseSchema(act.Output)
		if err != nil {
			for line := range strings.SplitSeq(err.Error(), "\n") {
				v.add(at+".output", definition.CodeInvalidValue, "is not a valid schema: "+line)
			}
		}
		c.spec.Output = s
	case len(act.Response.Outputs) > 0:
		props := map[string]any{}
		for k := range act.Response.Outputs {
			props[k] = map[string]any{}
		}
		raw, _ := json.Marshal(map[string]any{"type": "object", "properties": props})
		c.spec.Output, _ = connectors.ParseSchema(raw)
	default:
		c.spec.Output, _ = connectors.ParseSchema([]byte(`{}`))
	}
	if len(v.problems) > start {
		return nil
	}
	return c
}

func headerToken(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// checkJSONPath compiles a JSONPath with httpconn's own compiler, the one
// that runs it.
func checkJSONPath(path string) error {
	if !strings.HasPrefix(strings.TrimSpace(path), "$") {
		return fmt.Errorf("%q is not a JSONPath: it starts with $, as in $.data.id", path)
	}
	if err := httpconn.CheckPath(path); err != nil {
		return fmt.Errorf("%q is not a valid JSONPath: %s", path, err)
	}
	return nil
}

// checkNamed checks what an action and a trigger both have: an id made of
// lowercase letters, digits and underscores, a name and a description.
func (v *validator) checkNamed(at, id, name, description string) {
	switch {
	case id == "":
		v.add(at+".id", definition.CodeRequired, "is required")
	case !keyPattern.MatchString(id):
		v.add(at+".id", definition.CodeInvalidValue, fmt.Sprintf("%q must be lowercase letters, digits and underscores", id))
	}
	if strings.TrimSpace(name) == "" {
		v.add(at+".name", definition.CodeRequired, "is required")
	}
	if strings.TrimSpace(description) == "" {
		v.add(at+".description", definition.CodeRequired, "is required")
	}
}
