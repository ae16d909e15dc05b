package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

type greetIn struct {
	Name string `json:"name" description:"Who to greet."`
}

type greetOut struct {
	Text string `json:"text"`
}

func greet() *Func[greetIn, greetOut] {
	return NewAction(ActionSpec{
		ID: "greet", Name: "Greet", Kind: ActionOther, Description: "Says hello.",
		SampleInput: json.RawMessage(`{"name": "Ada"}`),
	}, func(_ context.Context, _ Call, in greetIn) (greetOut, error) {
		return greetOut{Text: "hello " + in.Name}, nil
	})
}

func testSpec(version string, status Status) Spec {
	return Spec{
		ID: "hello", Name: "Hello", Description: "Greets people.", Version: version, Status: status,
		Auth:       []AuthSpec{BearerAuth(), BasicAuth()},
		Properties: []Field{{Name: "region", Type: FieldString, Description: "Where.", Enum: []string{"eu", "us"}, Default: "eu"}},
		Env:        []EnvVar{{Name: "HELLO_CLIENT_ID", Description: "The OAuth client."}},
		Triggers: []TriggerSpec{{
			ID: "greeted", Name: "Greeted", Kind: TriggerPolling, Description: "Someone was greeted.",
			Payload:       MustSchema(`{"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}`),
			SamplePayload: json.RawMessage(`{"id": 1}`), IDPointer: "/id", PollInterval: 5 * time.Minute,
		}},
	}
}

func hello(version string, status Status) *Static {
	s := testSpec(version, status)
	if status == StatusDeprecated {
		s.Deprecation = &Deprecation{Date: "2027-01-31", Replacement: "2.0.0"}
	}
	return New(s, greet()).WithPollers(greetedPoller())
}

func TestValidSpec(t *testing.T) {
	if err := CheckConnector(hello("1.0.0", StatusStable)); err != nil {
		t.Fatal(err)
	}
}

func TestValidateFindsEverything(t *testing.T) {
	s := Spec{
		ID: "Hello-World", Version: "1.0", Status: "gold",
		Auth: []AuthSpec{
			{Kind: AuthBasic, Fields: []Field{{Name: "username", Type: FieldString, Description: "u"}}},
			{Kind: AuthAPIKey, APIKey: &APIKeySpec{In: "body", Name: ""}, Fields: []Field{{Name: "key", Type: FieldString, Description: "k", Required: true}}},
			{Kind: AuthOAuth2AuthorizationCode, OAuth2: &OAuth2Spec{AuthURL: "https://{shop}.example/auth", TokenURL: "/token", ClientIDEnv: "X_ID", ClientSecretEnv: "X_SECRET"}},
			{Kind: "magic"},
			{Kind: AuthNone, Fields: []Field{{Name: "x", Type: FieldString, Description: "x"}}},
		},
		Properties: []Field{
			{Name: "party", Type: FieldString, Description: "The party.", Secret: true},
			{Name: "count", Type: FieldInteger, Description: "How many.", Default: "many"},
			{Name: "Bad Name", Type: "date", Description: ""},
		},
		Env: []EnvVar{{Name: "x_secret", Description: "lower"}, {Name: "X_SECRET"}, {Name: "X_SECRET", Description: "again"}},
		Triggers: []TriggerSpec{
			{ID: "hook", Name: "Hook", Kind: TriggerWebhook, Description: "d",
				Payload:       MustSchema(`{"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": "boolean"}}}`),
				SamplePayload: json.RawMessage(`{"n": 3}`), IDPointer: "/n"},
			{ID: "poll", Name: "Poll", Kind: TriggerPolling, Description: "d", Signature: "x",
				Payload: &Schema{}, SamplePayload: json.RawMessage(`{}`), IDPointer: "id"},
		},
		Actions: []ActionSpec{
			{ID: "do", Name: "Do", Kind: "launch", Description: "d", Input: MustSchema(`{"type": "array"}`), Output: &Schema{}, SampleInput: json.RawMessage(`{`)},
			{ID: "do", Name: "Do again", Kind: ActionCreate, Description: "d", Input: MustSchema(`{"type": "object", "required": ["a"], "properties": {"a": {}}}`), Output: &Schema{}, SampleInput: json.RawMessage(`{}`)},
		},
	}
	err := s.Validate()
	var se *SpecError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is no *SpecError", err)
	}
	for _, want := range []string{
		`id: "Hello-World" must be lowercase`,
		"name: is empty",
		"description: is empty",
		`version: version "1.0" is not MAJOR.MINOR.PATCH`,
		`status: "gold" is not stable, beta or deprecated`,
		`auth[basic]: has no "password" field`,
		"auth[basic].fields[username]: must be required",
		`auth[api_key].apiKey.in: "body" is not header, query or cookie`,
		"auth[api_key].apiKey.name: is empty",
		"auth[api_key].fields[key]: must be secret",
		"auth[oauth2_authorization_code].oauth2.authUrl: placeholder {shop} names no custom property",
		`auth[oauth2_authorization_code].oauth2.tokenUrl: "/token" is not an absolute http(s) URL`,
		"environment variable X_SECRET holds a client secret but is not secret",
		"environment variable X_ID is not declared in env",
		`auth[3]: unknown kind "magic"`,
		"auth[none]: the none kind takes no fields",
		"properties[party]: custom properties are not secret",
		`properties[count]: default: "many" is not an integer`,
		`properties[Bad Name]: name "Bad Name" must be lowercase`,
		`properties[Bad Name]: type "date" is not string`,
		`env[0]: name "x_secret" must be UPPER_SNAKE_CASE`,
		"env[1]: X_SECRET has no description",
		"env[2]: X_SECRET is declared twice",
		`triggers[hook].signature: is empty; name the scheme, or say "none"`,
		"triggers[hook].samplePayload: /n: want boolean, got integer",
		"triggers[hook].idPointer: /n must be a string or an integer",
		"triggers[poll].signature: is only for webhooks",
		"triggers[poll].pollInterval: must be positive",
		"triggers[poll].idPointer: JSON pointer \"id\" must start with /",
		`actions[do].kind: "launch" is not create`,
		"actions[do].input: must be of type object, not array",
		"actions[do].sampleInput: is not JSON",
		"actions[do]: is declared twice",
		"actions[do].sampleInput: /a: is required",
	} {
		if !slices.ContainsFunc(se.Problems, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("no problem says %q", want)
		}
	}
	if t.Failed() {
		t.Logf("problems:\n%s", strings.Join(se.Problems, "\n"))
	}
}

func TestValidateDeprecation(t *testing.T) {
	for _, test := range []struct {
		name string
		spec func(*Spec)
		want string
	}{
		{"missing", func(s *Spec) { s.Status = StatusDeprecated }, "deprecation: is missing"},
		{"on a stable version", func(s *Spec) { s.Deprecation = &Deprecation{Date: "2027-01-01", Replacement: "2.0.0"} }, "deprecation: is set but the status is stable"},
		{"bad date", func(s *Spec) {
			s.Status, s.Deprecation = StatusDeprecated, &Deprecation{Date: "31/01/2027", Replacement: "2.0.0"}
		}, "deprecation.date"},
		{"replacement not later", func(s *Spec) {
			s.Status, s.Deprecation = StatusDeprecated, &Deprecation{Date: "2027-01-31", Replacement: "0.9.0"}
		}, "0.9.0 is not later than 1.0.0"},
		{"stable prerelease", func(s *Spec) { s.Version = "1.0.0-rc.1" }, "stable, but 1.0.0-rc.1 is a prerelease"},
	} {
		t.Run(test.name, func(t *testing.T) {
			s := testSpec("1.0.0", StatusStable)
			s.Actions = []ActionSpec{greet().Spec()}
			test.spec(&s)
			if err := s.Validate(); err == nil || !strings.Contains(err.Error(), test.want) {
				t.Errorf("error %v, want %q", err, test.want)
			}
		})
	}
}

// plainAction implements Action without saying its Go types.
type plainAction struct{ spec ActionSpec }

func (p plainAction) Spec() ActionSpec                       { return p.spec }
func (p plainAction) Run(context.Context, Call) (any, error) { return nil, nil }

func TestCheckConnectorComparesSpecAndCode(t *testing.T) {
	other := greet().Spec()
	other.ID = "farewell"
	drifted := NewAction(ActionSpec{
		ID: "greet", Name: "Greet", Kind: ActionOther, Description: "Says hello.",
		Input:       MustSchema(`{"type": "object", "properties": {"name": {"type": "string"}}}`),
		SampleInput: json.RawMessage(`{"name": "Ada"}`),
	}, func(context.Context, Call, greetIn) (greetOut, error) { return greetOut{}, nil })
	noSchema := NewAction(ActionSpec{
		ID: "greet", Name: "Greet", Kind: ActionOther, Description: "Says hello.", SampleInput: json.RawMessage(`{}`),
	}, func(context.Context, Call, greetIn) (chan int, error) { return nil, nil })

	for _, test := range []struct {
		name string
		c    Connector
		want []string
	}{
		{"declared, not implemented", New(withActions(testSpec("1.0.0", StatusStable), greet().Spec(), other), greet()),
			[]string{"actions[farewell]: is declared but has no implementation"}},
		{"implemented, not declared", New(withActions(testSpec("1.0.0", StatusStable), greet().Spec()), greet(), plainAction{other}),
			[]string{"actions[farewell]: is implemented but not declared"}},
		{"declaration differs", New(withActions(testSpec("1.0.0", StatusStable), func() ActionSpec { s := greet().Spec(); s.Idempotent = true; return s }()), greet()),
			[]string{"actions[greet]: the spec's declaration differs"}},
		{"schema drifted from the type", New(testSpec("1.0.0", StatusStable), drifted),
			[]string{"actions[greet].input: differs from the schema of its Go type connectors.greetIn"}},
		{"type without a schema", New(testSpec("1.0.0", StatusStable), noSchema),
			[]string{"actions[greet].output: is missing", "actions[greet].output: the Go type has no schema"}},
		{"nil action", New(withActions(testSpec("1.0.0", StatusStable), greet().Spec()), greet(), nil),
			[]string{"Actions()[1]: is nil"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := CheckConnector(test.c)
			for _, w := range test.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v, want %q", err, w)
				}
			}
		})
	}
}

func withActions(s Spec, actions ...ActionSpec) Spec {
	s.Actions = actions
	return s
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	for _, c := range []Connector{
		hello("2.0.0", StatusStable),
		hello("1.0.0", StatusDeprecated),
		hello("2.1.0", StatusStable),
		hello("3.0.0-beta.1", StatusBeta),
	} {
		if err := r.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Register(hello("2.0.0", StatusStable)); err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Errorf("duplicate version: %v", err)
	}
	if err := r.Register(New(Spec{ID: "bad"})); err == nil {
		t.Error("an invalid spec was registered")
	}
	if err := r.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}

	for _, test := range []struct{ ask, want string }{{"", "2.1.0"}, {"1.0.0", "1.0.0"}, {"3.0.0-beta.1", "3.0.0-beta.1"}} {
		c, err := r.Lookup("hello", test.ask)
		if err != nil || c.Spec().Version != test.want {
			t.Errorf("Lookup(hello, %q) = %v, %v; want %s", test.ask, c, err, test.want)
		}
	}
	if _, err := r.Lookup("hello", "9.9.9"); !errors.Is(err, ErrUnknownVersion) || !strings.Contains(err.Error(), "2.1.0 (stable)") {
		t.Errorf("unknown version: %v", err)
	}
	if _, err := r.Lookup("nope", ""); !errors.Is(err, ErrUnknownConnector) {
		t.Errorf("unknown connector: %v", err)
	}
	a, err := r.Action("hello", "", "greet")
	if err != nil {
		t.Fatal(err)
	}
	out, err := a.Run(t.Context(), Call{Input: json.RawMessage(`{"name": "Grace"}`)})
	if err != nil || out.(greetOut).Text != "hello Grace" {
		t.Errorf("Run = %v, %v", out, err)
	}
	if _, err := r.Action("hello", "", "wave"); !errors.Is(err, ErrUnknownAction) {
		t.Errorf("unknown action: %v", err)
	}

	var versions []string
	for _, s := range r.Connectors() {
		versions = append(versions, s.Version)
	}
	if got := strings.Join(versions, " "); got != "1.0.0 2.0.0 2.1.0 3.0.0-beta.1" {
		t.Errorf("Connectors() versions: %s", got)
	}
	if d := r.Deprecated(); len(d) != 1 || d[0] != (DeprecatedVersion{Connector: "hello", Version: "1.0.0", Date: "2027-01-31", Replacement: "2.0.0"}) {
		t.Errorf("Deprecated() = %+v", d)
	}
	if acts := r.Activities(); len(acts) != 1 || acts[0].Name != "hello.greet" || len(acts[0].Versions) != 4 {
		t.Errorf("Activities() = %+v", acts)
	}

	m := r.Manifest()
	if len(m.Connectors) != 1 || m.Connectors[0].DefaultVersion != "2.1.0" || m.Connectors[0].Versions[0].Version != "3.0.0-beta.1" {
		t.Errorf("manifest: %+v", m)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"defaultVersion":"2.1.0"`, `"pollInterval":"5m0s"`, `"secret":true`, `"deprecation":{"date":"2027-01-31","replacement":"2.0.0"}`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("manifest JSON lacks %s", want)
		}
	}
	var back ManifestDoc
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Connectors[0].Versions[0].Triggers[0].PollInterval != 5*time.Minute {
		t.Error("pollInterval did not survive JSON")
	}
}

func TestMapInput(t *testing.T) {
	a := NewAction(ActionSpec{ID: "raw", Name: "Raw", Kind: ActionOther, Description: "Takes any object.", SampleInput: json.RawMessage(`{"a": 1}`)},
		func(_ context.Context, _ Call, in map[string]any) (map[string]any, error) { return in, nil })
	if err := CheckConnector(New(testSpec("1.0.0", StatusStable), a).WithPollers(greetedPoller())); err != nil {
		t.Fatal(err)
	}
}

func TestLookupWithoutStableVersion(t *testing.T) {
	r := NewRegistry()
	r.MustRegister(hello("0.1.0", StatusBeta))
	if _, err := r.Lookup("hello", ""); !errors.Is(err, ErrUnknownVersion) || !strings.Contains(err.Error(), "no stable version") {
		t.Errorf("error %v", err)
	}
	if m := r.Manifest(); m.Connectors[0].DefaultVersion != "" || m.Connectors[0].Documented().Version != "0.1.0" {
		t.Errorf("manifest %+v", m)
	}
}

func TestCheckReplacement(t *testing.T) {
	r := NewRegistry()
	r.MustRegister(hello("1.0.0", StatusDeprecated))
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), "replacement 2.0.0 is not registered") {
		t.Errorf("error %v", err)
	}
	two := testSpec("2.0.0", StatusDeprecated)
	two.Deprecation = &Deprecation{Date: "2027-06-30", Replacement: "3.0.0"}
	r.MustRegister(New(two, greet()).WithPollers(greetedPoller()))
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), "is deprecated too") {
		t.Errorf("error %v", err)
	}
}

func TestFuncRefusesInput(t *testing.T) {
	a := greet()
	for _, in := range []string{`{}`, `{"name": 3}`, `{"name": "x", "extra": 1}`, `[]`, ``} {
		_, err := a.Run(t.Context(), Call{Input: json.RawMessage(in)})
		var e *Error
		if !errors.As(err, &e) || e.Kind != BadRequest || !strings.Contains(e.Message, "input of greet") {
			t.Errorf("%q: error %v", in, err)
		}
	}
}

func TestCheckConnection(t *testing.T) {
	s := testSpec("1.0.0", StatusStable)
	ok := Connection{AuthKind: AuthBasic, Fields: map[string]string{"username": "ada"}, Properties: map[string]string{"region": "us"},
		Secrets: SecretValues{"password": "pw"}}
	if err := s.CheckConnection(ok); err != nil {
		t.Errorf("valid connection: %v", err)
	}
	withoutSecrets := ok
	withoutSecrets.Secrets = nil
	if err := s.CheckConnection(withoutSecrets); err != nil {
		t.Errorf("secrets are not checked outside activities, yet: %v", err)
	}
	for _, test := range []struct {
		name string
		c    Connection
		want string
	}{
		{"kind", Connection{AuthKind: AuthDigest}, `authKind: "digest" is not one of bearer, basic`},
		{"missing", Connection{AuthKind: AuthBasic, Secrets: SecretValues{}}, "fields.username: is required"},
		{"missing secret", Connection{AuthKind: AuthBasic, Fields: map[string]string{"username": "a"}, Secrets: SecretValues{}}, "fields.password: is required"},
		{"secret in the open", Connection{AuthKind: AuthBasic, Fields: map[string]string{"username": "a", "password": "pw"}}, "fields.password: is secret"},
		{"enum", Connection{AuthKind: AuthBearer, Properties: map[string]string{"region": "mars"}}, `properties.region: "mars" is not one of eu, us`},
		{"undeclared", Connection{AuthKind: AuthBearer, Properties: map[string]string{"colour": "red"}}, "properties.colour: is not declared"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if err := s.CheckConnection(test.c); err == nil || !strings.Contains(err.Error(), test.want) {
				t.Errorf("error %v, want %q", err, test.want)
			}
		})
	}
}

func TestValuesNeverPrint(t *testing.T) {
	conn := Connection{AuthKind: AuthBearer, Secrets: SecretValues{"token": "s3cr3t-token"}}
	env := EnvVars{"API_KEY": "s3cr3t-env"}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("call", "conn", conn.Secrets, "env", env)
	raw, _ := json.Marshal(struct {
		C Connection
		E EnvVars
		S SecretValues
	}{conn, env, SecretValues{"token": "s3cr3t-token"}})
	for _, s := range []string{
		fmt.Sprintf("%v %+v %#v %s %q %x", conn, conn, conn, conn.Secrets, conn.Secrets, conn.Secrets),
		fmt.Sprintf("%v %#v %s %x", env, env, env, env),
		string(raw), logged.String(),
	} {
		if strings.Contains(s, "s3cr3t") || strings.Contains(s, "73336372") {
			t.Errorf("a value was printed: %s", s)
		}
	}
}
