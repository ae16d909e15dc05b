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
		jsonFields(t, fields, &names)
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

// jsonFields lists the fields encoding/json reads into struct t by name,
// those of embedded structs too.
func jsonFields(t reflect.Type, fields map[string]reflect.Type, names *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			jsonFields(f.Type, fields, names)
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
		*names = append(*names, name)
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
	test    *action // the connection test; nil when the app has none
	hooks   []connectors.Webhook
	polls   []*compiledPoll
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

	props := a.propertyNames()
	template, checkRefs := a.templates(v, actionVars, nil, props)

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
		spec, ok := au.spec(v, at, props)
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
		tpl, refs, vars, reads := template, checkRefs, actionVars, map[string]bool{}
		if act.Pagination != nil {
			vars = searchVars
		}
		if len(act.Properties) > 0 || act.Pagination != nil {
			tpl, refs = a.templates(v, vars, reads, act.propNames(v, at, props))
		}
		c := act.check(v, at, vars, tpl, refs)
		if c == nil {
			c = &action{} // to report the rest's problems too
		} else {
			b.actions = append(b.actions, c)
		}
		c.spec.StepDefaults = stepDefaults(a.Defaults, act.Defaults)
		checkStepDefaults(v, at+".defaults", act.Defaults)
		act.compileStatuses(v, at, c, a.Defaults)
		act.checkPagination(v, at, c, reads["page"])
		c.props = propList(act.Properties, act.ID+ActionPropertySep)
	}
	a.Defaults.check(v)
	if a.Test != nil {
		test := a.Test.testAction()
		if b.test = test.check(v, "test", actionVars, template, checkRefs); b.test != nil {
			test.compileStatuses(v, "test", b.test, a.Defaults)
		}
	}
	b.spec.Triggers, b.hooks, b.polls, b.subscriptions = a.checkTriggers(v)
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
	b.spec.Icon = a.Icon
	b.spec.Version = a.Version
	b.spec.Status = a.Status
	a.connectionFields(v, b)
	if len(v.problems) > 0 {
		return nil
	}
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

// propertyNames are the names of the app's connection properties.
func (a *App) propertyNames() map[string]bool {
	props := map[string]bool{}
	for _, p := range a.Properties {
		props[p.Name] = true
	}
	return props
}

// templates returns how the app's templates of one kind (vars) compile,
// and the check of what they read of the connection's properties and the
// environment: every problem goes to v at the template's path. reads, when
// not nil, records the variables read (cursor, page, ...); props are the
// connection properties they may read.
func (a *App) templates(v *validator, vars templateVars, reads map[string]bool, props map[string]bool) (template func(path, s string) tmpl, checkRefs func(string, []ref)) {
	envs := map[string]bool{}
	for _, e := range a.Env {
		envs[e.Name] = true
	}
	checkRefs = func(path string, refs []ref) {
		for _, r := range refs {
			if reads != nil {
				reads[r.root] = true
			}
			switch {
			case r.name == "": // the variable as a whole
			case r.root == "connection" && !props[r.name]:
				v.add(path, definition.CodeUnknownVariable, fmt.Sprintf("reads connection.%s, which is not one of the app's properties", r.name))
			case r.root == "env" && !envs[r.name]:
				v.add(path, definition.CodeUnknownVariable, fmt.Sprintf("reads env.%s, which is not one of the app's env variables", r.name))
			}
		}
	}
	template = func(path, s string) tmpl {
		t, refs, problems := compileTemplate(s, vars)
		for _, p := range problems {
			v.add(path, p.code, p.msg)
		}
		checkRefs(path, refs)
		return t
	}
	return template, checkRefs
}

// spec maps an Auth onto the connectors package's constructor for its
// kind.
func (au Auth) spec(v *validator, at string, props map[string]bool) (connectors.AuthSpec, bool) {
	if !au.checkAuthExtras(v, at) {
		return connectors.AuthSpec{}, false
	}
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
	case connectors.AuthSession, connectors.AuthOAuth2AuthorizationCode, connectors.AuthOAuth2ClientCredentials:
		return au.flowSpec(v, at, props)
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
	spec connectors.ActionSpec
	request
	outputs    map[string]string
	statuses   statuses
	pagination *searchPaging
	props      []prop // the action's own properties
}

// request is a compiled Request.
type request struct {
	method            string
	path              []pathPart
	query             map[string]tmpl
	headers           map[string]tmpl
	idempotencyHeader string
	body              *compiledBody
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

func (act *Action) check(v *validator, at string, vars templateVars, template func(path, s string) tmpl, checkRefs func(string, []ref)) *action {
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

	c.request = act.Request.check(v, at+".request", vars, template, checkRefs)

	act.checkResponse(v, at, c)
	if len(v.problems) > start {
		return nil
	}
	return c
}

// check reports the problems of a request, at its path at, and compiles
// it with templates of vars.
func (rq *Request) check(v *validator, at string, vars templateVars, template func(path, s string) tmpl, checkRefs func(string, []ref)) request {
	var c request
	method := strings.ToUpper(rq.Method)
	switch {
	case rq.Method == "":
		v.add(at+".method", definition.CodeRequired, "is required")
	case !slices.Contains(methods, method):
		v.add(at+".method", definition.CodeInvalidValue, fmt.Sprintf("%q is not GET, POST, PUT, PATCH or DELETE", rq.Method))
	}
	c.method = method

	switch {
	case rq.Path == "":
		v.add(at+".path", definition.CodeRequired, "is required")
	case !strings.HasPrefix(rq.Path, "/"):
		v.add(at+".path", definition.CodeInvalidValue, "must start with /")
	default:
		t := template(at+".path", rq.Path)
		if strings.ContainsAny(rq.Path, "?#") {
			v.add(at+".path", definition.CodeInvalidValue, "must not hold ? or #: put parameters in query")
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
	for _, k := range slices.Sorted(maps.Keys(rq.Query)) {
		p := definition.PathKey(at+".query", k)
		if k == "" {
			v.add(p, definition.CodeInvalidValue, "a query parameter needs a name")
		}
		c.query[k] = template(p, rq.Query[k])
	}
	c.headers = map[string]tmpl{}
	for _, k := range slices.Sorted(maps.Keys(rq.Headers)) {
		p := definition.PathKey(at+".headers", k)
		if !headerToken(k) {
			v.add(p, definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", k))
		}
		if strings.EqualFold(k, "Authorization") {
			v.add(p, definition.CodeNotAllowed, "credentials come from the connection's auth, not from headers")
		}
		c.headers[k] = template(p, rq.Headers[k])
	}
	if h := rq.IdempotencyHeader; h != "" && !headerToken(h) {
		v.add(at+".idempotencyHeader", definition.CodeInvalidValue, fmt.Sprintf("%q is not a valid header name", h))
	}
	c.idempotencyHeader = rq.IdempotencyHeader

	if body := rq.Body; body != nil {
		bat := at + ".body"
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
		value := compileValue(body.Value, bat+".value", vars, func(p string, tp templateProblem) { v.add(p, tp.code, tp.msg) }, &refs)
		checkRefs(bat+".value", refs)
		c.body = &compiledBody{format: body.Format, value: value, root: body.Root}
	}
	return c
}

// checkResponse reports the problems of an action's response and output
// schema, and compiles them into c.
func (act *Action) checkResponse(v *validator, at string, c *action) {
	c.outputs = act.Response.Outputs
	for _, k := range slices.Sorted(maps.Keys(act.Response.Outputs)) {
		p := definition.PathKey(at+".response.outputs", k)
		if strings.TrimSpace(k) == "" {
			v.add(p, definition.CodeInvalidValue, "an output needs a name")
			continue
		}
		if err := checkOutputPath(act.Response.Outputs[k]); err != nil {
			v.add(p, definition.CodeInvalidValue, err.Error())
		}
	}
	for i, s := range act.Response.NotFound {
		if s < 400 || s > 499 {
			v.add(at+".response.notFound["+strconv.Itoa(i)+"]", definition.CodeInvalidValue, fmt.Sprintf("%d is not a 4xx status", s))
		}
	}

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

// checkJSONPath reports what is wrong with a JSONPath into a JSON answer
// (a poll's items and cursors: answers that are JSON only).
func checkJSONPath(path string) error {
	if !strings.HasPrefix(strings.TrimSpace(path), "$") {
		return fmt.Errorf("%q is not a JSONPath: it starts with $, as in $.data.id", path)
	}
	if err := httpconn.CheckPath(path); err != nil {
		return fmt.Errorf("%q is not a valid JSONPath: %s", path, err)
	}
	return nil
}

// checkOutputPath compiles an output's JSONPath or XPath with httpconn's
// own compiler, the one that runs it.
func checkOutputPath(path string) error {
	if p := strings.TrimSpace(path); !strings.HasPrefix(p, "$") && !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "count(") {
		return fmt.Errorf("%q is neither a JSONPath (starting with $, as in $.data.id) nor an XPath (starting with /, as in /order/id/text())", path)
	}
	if err := httpconn.CheckPath(path); err != nil {
		return fmt.Errorf("%q is not a valid path: %s", path, err)
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
