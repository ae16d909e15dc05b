package example_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/connectortest/example"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
)

func options() connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind:   connectors.AuthBearer,
			Properties: map[string]string{"workspace": "northwind"},
			Secrets:    connectors.SecretValues{connectors.FieldToken: exampletest.Token},
		},
		Env:          connectors.EnvVars{example.EnvPartnerID: "junction"},
		Authenticate: auth.Bearer(exampletest.Token).Transport,
	}
}

func TestConformance(t *testing.T) {
	for _, c := range []connectors.Connector{example.New(), example.NewV0()} {
		t.Run(c.Spec().Version, func(t *testing.T) {
			connectortest.RunWith(t, c, exampletest.New(t), options())
		})
	}
}

func call(t *testing.T, fake *exampletest.Server, input string) connectors.Call {
	t.Helper()
	return options().Call(t, fake.BaseURL(), input)
}

func TestCreateContact(t *testing.T) {
	fake := exampletest.New(t)
	a, err := registry(t).Action(example.ID, "", "create_contact")
	if err != nil {
		t.Fatal(err)
	}
	out, err := a.Run(t.Context(), call(t, fake, `{"email": "ada@example.com", "lifecycle": "customer", "tags": ["vip"]}`))
	if err != nil {
		t.Fatal(err)
	}
	c := out.(example.Contact)
	if c.ID != "ct_1001" || c.Email != "ada@example.com" || c.Lifecycle != "customer" || c.CreatedAt.IsZero() {
		t.Errorf("contact = %+v", c)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Host != "northwind.acme.example" || r.Path != "/v1/contacts" {
		t.Errorf("request %s %s%s", r.Method, r.Host, r.Path)
	}
	if got := r.Header.Get("X-Acme-Partner"); got != "junction" {
		t.Errorf("X-Acme-Partner = %q", got)
	}
	if got := fake.Contacts("northwind"); len(got) != 1 {
		t.Errorf("fake holds %d contacts", len(got))
	}

	// A second contact with the same email is Acme's 422, with its message.
	_, err = a.Run(t.Context(), call(t, fake, `{"email": "ada@example.com"}`))
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.Unprocessable || ce.Message != "a contact with this email already exists" {
		t.Errorf("duplicate: %v", err)
	}
}

func TestCreateContactRefusesBadInput(t *testing.T) {
	fake := exampletest.New(t)
	a := example.New().Actions()[0]
	for name, input := range map[string]string{
		"missing email":     `{"name": "Ada"}`,
		"unknown field":     `{"email": "ada@example.com", "phone": "+44"}`,
		"lifecycle":         `{"email": "ada@example.com", "lifecycle": "prospect"}`,
		"tags not an array": `{"email": "ada@example.com", "tags": "vip"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := a.Run(t.Context(), call(t, fake, input))
			if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
				t.Errorf("error %v, want a BadRequest", err)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("the fake got %d requests for input the action should refuse", n)
	}
}

func TestCreateContactRefusesBadWorkspace(t *testing.T) {
	fake := exampletest.New(t)
	c := call(t, fake, `{"email": "ada@example.com"}`)
	c.Connection.Properties = map[string]string{"workspace": "evil.example/"}
	_, err := example.New().Actions()[0].Run(t.Context(), c)
	if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
		t.Errorf("error %v, want a BadRequest", err)
	}
}

func registry(t *testing.T) *connectors.Registry {
	t.Helper()
	r := connectors.NewRegistry()
	for _, c := range []connectors.Connector{example.New(), example.NewV0()} {
		if err := r.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVersions(t *testing.T) {
	r := registry(t)
	c, err := r.Lookup(example.ID, "")
	if err != nil || c.Spec().Version != "1.0.0" {
		t.Fatalf("default version: %v, %v", c, err)
	}
	old, err := r.Lookup(example.ID, "0.9.0")
	if err != nil || old.Spec().Status != connectors.StatusDeprecated {
		t.Fatalf("0.9.0: %v", err)
	}
	dep := r.Deprecated()
	if len(dep) != 1 || dep[0].Version != "0.9.0" || dep[0].Replacement != "1.0.0" || dep[0].Date != "2027-06-30" {
		t.Errorf("Deprecated() = %+v", dep)
	}
	acts := r.Activities()
	if len(acts) != 1 || acts[0].Name != "acme.create_contact" || len(acts[0].Versions) != 2 {
		t.Errorf("Activities() = %+v", acts)
	}
}

func TestSpecAcceptsConnection(t *testing.T) {
	s := example.New().Spec()
	o := options()
	if err := s.CheckConnection(o.Connection); err != nil {
		t.Error(err)
	}
	bad := o.Connection
	bad.Properties = nil
	bad.Secrets = connectors.SecretValues{}
	if err := s.CheckConnection(bad); err == nil {
		t.Error("a connection without workspace or token was accepted")
	}
}
