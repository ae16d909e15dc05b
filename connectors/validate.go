package connectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors/auth"
)

var (
	idPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,62}$`)
	fieldPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	envPattern   = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,127}$`)
	placeholder  = regexp.MustCompile(`\{([a-z][a-z0-9_]*)\}`)
)

// requiredAuthFields are the fields package connectors/auth reads for each
// kind; OAuth 2.0 kinds need the client fields unless the client comes from
// environment variables.
var requiredAuthFields = map[AuthKind][]string{
	AuthBasic:  {FieldUsername, FieldPassword},
	AuthBearer: {FieldToken},
	AuthAPIKey: {FieldKey},
	AuthDigest: {FieldUsername, FieldPassword},
}

// Validate reports everything wrong with the spec on its own: ids, the
// version, auth kinds and their fields, properties, environment variables,
// schemas that do not compile, samples that do not match their schemas. It
// does not look at the code (Register does) or at other versions
// (Registry.Check does). Every problem is reported, each prefixed with
// where it is.
func (s Spec) Validate() error {
	v := &problems{}
	if !idPattern.MatchString(s.ID) {
		v.add("id", "%q must be lowercase letters, digits and underscores, at most 63", s.ID)
	}
	if strings.TrimSpace(s.Name) == "" {
		v.add("name", "is empty")
	}
	if strings.TrimSpace(s.Description) == "" {
		v.add("description", "is empty")
	}
	if s.Icon != "" {
		if u, err := url.Parse(s.Icon); err != nil || u.Scheme != "https" || u.Host == "" {
			v.add("icon", "%q is not an absolute https URL", s.Icon)
		}
	}
	ver, verErr := parseVersion(s.Version)
	if verErr != nil {
		v.add("version", "%v", verErr)
	}
	switch s.Status {
	case StatusStable, StatusBeta:
		if s.Deprecation != nil {
			v.add("deprecation", "is set but the status is %s", s.Status)
		}
	case StatusDeprecated:
		s.validateDeprecation(v, ver, verErr == nil)
	default:
		v.add("status", "%q is not stable, beta or deprecated", s.Status)
	}
	if s.Status == StatusStable && verErr == nil && ver.prerelease() {
		v.add("status", "stable, but %s is a prerelease version", s.Version)
	}

	props := map[string]bool{}
	validateFields(v, "properties", s.Properties, false)
	for _, f := range s.Properties {
		props[f.Name] = true
	}
	env := map[string]EnvVar{}
	for i, e := range s.Env {
		at := fmt.Sprintf("env[%d]", i)
		if !envPattern.MatchString(e.Name) {
			v.add(at, "name %q must be UPPER_SNAKE_CASE", e.Name)
		}
		if _, dup := env[e.Name]; dup {
			v.add(at, "%s is declared twice", e.Name)
		}
		if strings.TrimSpace(e.Description) == "" {
			v.add(at, "%s has no description", e.Name)
		}
		env[e.Name] = e
	}

	if len(s.Auth) == 0 {
		v.add("auth", "is empty; use NoAuth() for a connector without credentials")
	}
	kinds := map[AuthKind]bool{}
	for i, a := range s.Auth {
		at := fmt.Sprintf("auth[%s]", a.Kind)
		if kinds[a.Kind] {
			v.add(at, "is declared twice")
		}
		kinds[a.Kind] = true
		if !slices.Contains(AuthKinds, a.Kind) {
			v.add(fmt.Sprintf("auth[%d]", i), "unknown kind %q", a.Kind)
			continue
		}
		a.validate(v, at, props, env)
	}

	triggers := map[string]bool{}
	for i, t := range s.Triggers {
		at := fmt.Sprintf("triggers[%d]", i)
		if t.ID != "" {
			at = "triggers[" + t.ID + "]"
		}
		if triggers[t.ID] {
			v.add(at, "is declared twice")
		}
		triggers[t.ID] = true
		t.validate(v, at)
		if t.Kind == TriggerWebhook && t.Signature != "" && t.Signature != SignatureNone {
			s.validateSecretField(v, at, t.SecretField)
		}
		if t.Reply != nil {
			s.validateReply(v, at+".reply", *t.Reply)
		}
	}
	s.validateChannels(v)
	for _, scope := range slices.Sorted(maps.Keys(s.States)) {
		at := "states." + scope
		switch {
		case scope != "account" && scope != "user" && scope != "conversation":
			v.add(at, "is not a state scope: account, user or conversation")
		case s.States[scope] == nil:
			v.add(at, "has no schema")
		default:
			if err := s.States[scope].Check(); err != nil {
				v.addErr(at, err)
			}
		}
	}
	actions := map[string]bool{}
	for i, a := range s.Actions {
		at := fmt.Sprintf("actions[%d]", i)
		if a.ID != "" {
			at = "actions[" + a.ID + "]"
		}
		if actions[a.ID] {
			v.add(at, "is declared twice")
		}
		actions[a.ID] = true
		a.validate(v, at)
		a.StepDefaults.validate(v, at+".stepDefaults")
	}
	return v.err(s.ID, s.Version)
}

func (s Spec) validateDeprecation(v *problems, ver version, verOK bool) {
	d := s.Deprecation
	if d == nil {
		v.add("deprecation", "is missing: a deprecated version needs a date and a replacement")
		return
	}
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		v.add("deprecation.date", "%q is not YYYY-MM-DD", d.Date)
	}
	rep, err := parseVersion(d.Replacement)
	switch {
	case err != nil:
		v.add("deprecation.replacement", "%v", err)
	case verOK && rep.compare(ver) <= 0:
		v.add("deprecation.replacement", "%s is not later than %s", d.Replacement, s.Version)
	}
}

func (a AuthSpec) validate(v *problems, at string, props map[string]bool, env map[string]EnvVar) {
	validateFields(v, at+".fields", a.Fields, true)
	has := map[string]Field{}
	for _, f := range a.Fields {
		has[f.Name] = f
	}
	need := requiredAuthFields[a.Kind]
	isOAuth := a.Kind == AuthOAuth2AuthorizationCode || a.Kind == AuthOAuth2ClientCredentials
	if isOAuth && (a.OAuth2 == nil || a.OAuth2.ClientIDEnv == "") {
		need = []string{FieldClientID, FieldClientSecret}
	}
	if a.Kind == AuthAPIKey && a.APIKey == nil {
		need = append(need, "in", "name")
	}
	for _, name := range need {
		f, ok := has[name]
		switch {
		case !ok:
			v.add(at, "has no %q field, which the %s kind reads", name, a.Kind)
		case !f.Required && !(a.Kind == AuthBasic && name == FieldPassword):
			v.add(at+".fields["+name+"]", "must be required")
		}
	}
	for _, name := range []string{FieldPassword, FieldToken, FieldKey, FieldClientSecret} {
		if f, ok := has[name]; ok && !f.Secret {
			v.add(at+".fields["+name+"]", "must be secret")
		}
	}
	if a.Kind == AuthNone && len(a.Fields) > 0 {
		v.add(at, "the none kind takes no fields")
	}
	if a.APIKey != nil {
		if a.Kind != AuthAPIKey {
			v.add(at+".apiKey", "is only for the api_key kind")
		}
		if a.APIKey.In != APIKeyInHeader && a.APIKey.In != APIKeyInQuery && a.APIKey.In != APIKeyInCookie {
			v.add(at+".apiKey.in", "%q is not header, query or cookie", a.APIKey.In)
		}
		if strings.TrimSpace(a.APIKey.Name) == "" {
			v.add(at+".apiKey.name", "is empty")
		}
		if a.APIKey.Prefix != "" && a.APIKey.In != APIKeyInHeader {
			v.add(at+".apiKey.prefix", "only applies to a header")
		}
	}
	switch {
	case isOAuth && a.OAuth2 == nil:
		v.add(at, "needs an oauth2 section")
	case !isOAuth && a.OAuth2 != nil:
		v.add(at+".oauth2", "is only for the oauth2 kinds")
	case isOAuth:
		o := a.OAuth2
		checkURL := func(name, raw string) { checkPlaceholderURL(v, at+".oauth2."+name, raw, has, props) }
		checkURL("tokenUrl", o.TokenURL)
		if a.Kind == AuthOAuth2AuthorizationCode {
			checkURL("authUrl", o.AuthURL)
		} else {
			if o.AuthURL != "" {
				v.add(at+".oauth2.authUrl", "is only for the authorization code kind")
			}
			if o.PKCE {
				v.add(at+".oauth2.pkce", "is only for the authorization code kind")
			}
		}
		if (o.ClientIDEnv == "") != (o.ClientSecretEnv == "") {
			v.add(at+".oauth2", "clientIdEnv and clientSecretEnv go together")
		}
		for _, name := range []string{o.ClientIDEnv, o.ClientSecretEnv} {
			if _, ok := env[name]; name != "" && !ok {
				v.add(at+".oauth2", "environment variable %s is not declared in env", name)
			}
		}
		if e, ok := env[o.ClientSecretEnv]; ok && !e.Secret {
			v.add(at+".oauth2", "environment variable %s holds a client secret but is not secret", e.Name)
		}
		switch o.ClientAuth {
		case "", auth.ClientSecretBasic, auth.ClientSecretPost:
		default:
			v.add(at+".oauth2.clientAuth", "%q is not %s or %s", o.ClientAuth, auth.ClientSecretBasic, auth.ClientSecretPost)
		}
	}
	a.validateSession(v, at, has, props)
}

func validateFields(v *problems, at string, fields []Field, secretsAllowed bool) {
	seen := map[string]bool{}
	for i, f := range fields {
		fat := fmt.Sprintf("%s[%d]", at, i)
		if f.Name != "" {
			fat = at + "[" + f.Name + "]"
		}
		if !fieldPattern.MatchString(f.Name) {
			v.add(fat, "name %q must be lowercase letters, digits and underscores", f.Name)
		}
		if seen[f.Name] {
			v.add(fat, "is declared twice")
		}
		seen[f.Name] = true
		if strings.TrimSpace(f.Description) == "" {
			v.add(fat, "has no description")
		}
		switch f.Type {
		case FieldString, FieldInteger, FieldNumber, FieldBoolean, FieldURL:
		default:
			v.add(fat, "type %q is not string, integer, number, boolean or url", f.Type)
			continue
		}
		if f.Secret && !secretsAllowed {
			v.add(fat, "custom properties are not secret; secrets belong in an auth kind's fields")
		}
		if f.Secret && f.Default != "" {
			v.add(fat, "a secret field has no default")
		}
		for _, e := range f.Enum {
			if err := f.checkType(e); err != nil {
				v.add(fat, "enum value %q: %v", e, err)
			}
		}
		if f.Default != "" {
			if err := f.Check(f.Default); err != nil {
				v.add(fat, "default: %v", err)
			}
		}
	}
}

// Check reports whether value is acceptable for the field: of its type and
// among its Enum if it has one. Empty values are checked by CheckConnection.
func (f Field) Check(value string) error {
	if err := f.checkType(value); err != nil {
		return err
	}
	if len(f.Enum) > 0 && !slices.Contains(f.Enum, value) {
		return fmt.Errorf("%q is not one of %s", value, strings.Join(f.Enum, ", "))
	}
	return nil
}

func (f Field) checkType(value string) error {
	switch f.Type {
	case FieldInteger:
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return fmt.Errorf("%q is not an integer", value)
		}
	case FieldNumber:
		if _, err := strconv.ParseFloat(value, 64); err != nil {
			return fmt.Errorf("%q is not a number", value)
		}
	case FieldBoolean:
		if value != "true" && value != "false" {
			return fmt.Errorf("%q is not true or false", value)
		}
	case FieldURL:
		u, err := url.Parse(value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%q is not an absolute http(s) URL", value)
		}
	}
	return nil
}

// CheckConnection reports what keeps c from being a valid connection of
// this version: an auth kind the version does not accept, a required field
// or property missing, a value of the wrong type, a field or property the
// version does not declare. Secret fields are checked only when c.Secrets
// is set (inside an activity, or when the connection is being created).
func (s Spec) CheckConnection(c Connection) error {
	v := &problems{}
	i := slices.IndexFunc(s.Auth, func(a AuthSpec) bool { return a.Kind == c.AuthKind })
	if i < 0 {
		kinds := make([]string, len(s.Auth))
		for j, a := range s.Auth {
			kinds[j] = string(a.Kind)
		}
		v.add("authKind", "%q is not one of %s", c.AuthKind, strings.Join(kinds, ", "))
		return v.err(s.ID, s.Version)
	}
	checkValues(v, "fields", s.Auth[i].Fields, c.Fields, c.Secrets)
	checkValues(v, "properties", s.Properties, c.Properties, nil)
	return v.err(s.ID, s.Version)
}

func checkValues(v *problems, at string, fields []Field, values map[string]string, secrets Secrets) {
	declared := map[string]bool{}
	for _, f := range fields {
		declared[f.Name] = true
		value, ok := values[f.Name]
		if f.Secret {
			if ok {
				v.add(at+"."+f.Name, "is secret and belongs in the credential store")
				continue
			}
			if secrets == nil {
				continue
			}
			value, ok = secrets.Secret(f.Name)
		}
		if !ok || value == "" {
			if f.Required && f.Default == "" {
				v.add(at+"."+f.Name, "is required")
			}
			continue
		}
		if err := f.Check(value); err != nil {
			if f.Secret {
				err = errors.New("is not a valid value") // never quote a secret
			}
			v.add(at+"."+f.Name, "%v", err)
		}
	}
	for _, name := range sortedKeys(values) {
		if !declared[name] {
			v.add(at+"."+name, "is not declared")
		}
	}
}

// validateSecretField checks that a signed webhook names the connection's
// secret field that verifies it, and that some auth kind has that field,
// secret.
func (s Spec) validateSecretField(v *problems, at, name string) {
	if name == "" {
		v.add(at+".secretField", "is empty: name the connection's secret field that verifies deliveries")
		return
	}
	for _, a := range s.Auth {
		for _, f := range a.Fields {
			if f.Name == name {
				if !f.Secret {
					v.add(at+".secretField", "%s is a field of %s but not a secret one", name, a.Kind)
				}
				return
			}
		}
	}
	v.add(at+".secretField", "%s is a field of no auth kind", name)
}

func (t TriggerSpec) validate(v *problems, at string) {
	if !idPattern.MatchString(t.ID) {
		v.add(at, "id %q must be lowercase letters, digits and underscores", t.ID)
	}
	if strings.TrimSpace(t.Name) == "" {
		v.add(at, "name is empty")
	}
	if strings.TrimSpace(t.Description) == "" {
		v.add(at, "description is empty")
	}
	switch t.Kind {
	case TriggerWebhook:
		if t.Signature == "" {
			v.add(at+".signature", "is empty; name the scheme, or say %q", SignatureNone)
		}
		if t.PollInterval != 0 {
			v.add(at+".pollInterval", "is only for polling triggers")
		}
		if t.PollFromNow {
			v.add(at+".pollFromNow", "is only for polling triggers")
		}
	case TriggerPolling:
		if t.Signature != "" {
			v.add(at+".signature", "is only for webhooks")
		}
		if t.PollInterval <= 0 {
			v.add(at+".pollInterval", "must be positive")
		}
	default:
		v.add(at+".kind", "%q is not webhook or polling", t.Kind)
	}
	if t.Payload == nil {
		v.add(at+".payload", "is missing")
		return
	}
	if err := t.Payload.Check(); err != nil {
		v.addErr(at+".payload", err)
		return
	}
	if len(bytes.TrimSpace(t.SamplePayload)) == 0 {
		v.add(at+".samplePayload", "is missing")
	} else if err := t.Payload.Validate(t.SamplePayload); err != nil {
		v.addErr(at+".samplePayload", err)
	}
	if t.IDHeader != "" && t.Kind != TriggerWebhook {
		v.add(at+".idHeader", "is only for webhooks")
	}
	if t.SecretField != "" && t.Kind != TriggerWebhook {
		v.add(at+".secretField", "is only for webhooks")
	}
	if t.IDPointer == "" {
		if t.IDHeader == "" || t.Kind != TriggerWebhook {
			v.add(at+".idPointer", "is empty: say where the event's unique id is")
		}
		if len(t.IDQualifiers) > 0 {
			v.add(at+".idQualifiers", "go only with idPointer: they qualify the id found there")
		}
		return
	}
	if t.IDHeader != "" {
		v.add(at+".idHeader", "goes only with an empty idPointer: the event has one id")
	}
	t.validateIDPointer(v, at+".idPointer", t.IDPointer)
	seen := map[string]bool{t.IDPointer: true}
	for i, q := range t.IDQualifiers {
		qat := fmt.Sprintf("%s.idQualifiers[%d]", at, i)
		if seen[q] {
			v.add(qat, "%s is already part of the id", q)
			continue
		}
		seen[q] = true
		t.validateIDPointer(v, qat, q)
	}
}

// validateIDPointer checks one pointer of an event's id (IDPointer or a
// qualifier): declared by the payload schema as a string or an integer,
// and holding a value in the sample payload.
func (t TriggerSpec) validateIDPointer(v *problems, at, pointer string) {
	if _, err := pointerTokens(pointer); err != nil {
		v.addErr(at, err)
		return
	}
	idSchema := t.Payload.At(pointer)
	switch {
	case idSchema == nil:
		v.add(at, "%s is not a property the payload schema declares", pointer)
	case !idSchema.Type.Has(TypeString) && !idSchema.Type.Has(TypeInteger):
		v.add(at, "%s must be a string or an integer", pointer)
	}
	if len(bytes.TrimSpace(t.SamplePayload)) > 0 {
		id, err := Pointer(t.SamplePayload, pointer)
		switch {
		case err != nil:
			v.add(at, "not found in the sample payload: %v", err)
		case id == nil || id == "":
			v.add(at, "is empty in the sample payload")
		}
	}
}

func (a ActionSpec) validate(v *problems, at string) {
	if !idPattern.MatchString(a.ID) {
		v.add(at, "id %q must be lowercase letters, digits and underscores", a.ID)
	}
	if strings.TrimSpace(a.Name) == "" {
		v.add(at, "name is empty")
	}
	if strings.TrimSpace(a.Description) == "" {
		v.add(at, "description is empty")
	}
	switch a.Kind {
	case ActionCreate, ActionUpdate, ActionSearch, ActionDelete, ActionOther:
	default:
		v.add(at+".kind", "%q is not create, update, search, delete or other", a.Kind)
	}
	inputOK := false
	switch {
	case a.Input == nil:
		v.add(at+".input", "is missing")
	case a.Input.Check() != nil:
		v.addErr(at+".input", a.Input.Check())
	case !a.Input.Type.Has(TypeObject) || slices.ContainsFunc(a.Input.Type, func(t string) bool { return t != TypeObject && t != TypeNull }):
		v.add(at+".input", "must be of type object, not %s", orAny(a.Input.Type))
	default:
		inputOK = true
	}
	switch {
	case a.Output == nil:
		v.add(at+".output", "is missing")
	case a.Output.Check() != nil:
		v.addErr(at+".output", a.Output.Check())
	}
	switch {
	case len(bytes.TrimSpace(a.SampleInput)) == 0:
		v.add(at+".sampleInput", "is missing")
	case !json.Valid(a.SampleInput):
		v.add(at+".sampleInput", "is not JSON")
	case inputOK:
		if err := a.Input.Validate(a.SampleInput); err != nil {
			v.addErr(at+".sampleInput", err)
		}
	}
}

func orAny(t Types) string {
	if len(t) == 0 {
		return "any"
	}
	return strings.Join(t, " or ")
}

// problems collects validation failures, each with where it was found.
type problems struct{ list []string }

// checkImplementations adds to p what is wrong with impls, the code of a
// connector's triggers of kind as its method (Pollers, Webhooks) lists
// it: a nil one, two for one trigger, one for a trigger not declared of
// that kind. It returns the triggers implemented, for the caller to find
// declared ones without code.
func checkImplementations[I interface{ Trigger() string }](p *problems, spec Spec, kind TriggerKind, method string, impls []I) map[string]bool {
	declared := map[string]bool{}
	for _, t := range spec.Triggers {
		if t.Kind == kind {
			declared[t.ID] = true
		}
	}
	implemented := map[string]bool{}
	for i, impl := range impls {
		if any(impl) == nil {
			p.add(fmt.Sprintf("%s()[%d]", method, i), "is nil")
			continue
		}
		at := "triggers[" + impl.Trigger() + "]"
		switch {
		case implemented[impl.Trigger()]:
			p.add(at, "has two %s implementations", kind)
		case !declared[impl.Trigger()]:
			p.add(at, "has a %s implementation but is not a declared %s trigger", kind, kind)
		}
		implemented[impl.Trigger()] = true
	}
	return implemented
}

func (p *problems) add(at, format string, args ...any) {
	p.list = append(p.list, at+": "+fmt.Sprintf(format, args...))
}

func (p *problems) addErr(at string, err error) {
	for line := range strings.SplitSeq(err.Error(), "\n") {
		p.list = append(p.list, at+": "+line)
	}
}

func (p *problems) err(id, version string) error {
	if len(p.list) == 0 {
		return nil
	}
	return &SpecError{Connector: id, Version: version, Problems: p.list}
}

// SpecError lists what is wrong with a connector version.
type SpecError struct {
	Connector, Version string
	// Problems are "where: what" lines, e.g.
	// "actions[create_order].input: /properties/x: unknown type \"strng\"".
	Problems []string
}

func (e *SpecError) Error() string {
	name := e.Connector
	if e.Version != "" {
		name += " " + e.Version
	}
	if len(e.Problems) == 1 {
		return "connector " + name + ": " + e.Problems[0]
	}
	return "connector " + name + ": " + strconv.Itoa(len(e.Problems)) + " problems:\n  " + strings.Join(e.Problems, "\n  ")
}

// validateReply checks that a trigger's reply names one of the connector's
// actions and that action's inputs, with pointers that parse.
func (s Spec) validateReply(v *problems, at string, r ReplySpec) {
	var action *ActionSpec
	for i := range s.Actions {
		if s.Actions[i].ID == r.Action {
			action = &s.Actions[i]
		}
	}
	if action == nil {
		v.add(at+".action", "%q is not an action of %s", r.Action, s.ID)
		return
	}
	names := append([]string{r.TextInput}, slices.Sorted(maps.Keys(r.Inputs))...)
	for _, typ := range slices.Sorted(maps.Keys(r.Types)) {
		if typ == "text" || !slices.Contains(MessageTypes, typ) {
			v.add(at+".types."+typ, "is not a message type beyond text: one of %v", MessageTypes[1:])
		}
		names = append(names, slices.Sorted(maps.Keys(r.Types[typ]))...)
	}
	for _, name := range names {
		if action.Input == nil || action.Input.Properties[name] == nil {
			v.add(at, "%s takes no input %q", r.Action, name)
		}
	}
	for name, pointers := range r.Inputs {
		if len(pointers) == 0 {
			v.add(at+".inputs."+name, "names no pointer")
		}
		for _, p := range pointers {
			if _, err := pointerTokens(p); err != nil {
				v.addErr(at+".inputs."+name, err)
			}
		}
	}
}
