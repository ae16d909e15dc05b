// Package appcheck holds what the tests of the fakes in internal/fakes
// share: loading an example app of examples/apps, serving a fake on
// 127.0.0.1, and running the conformance kit's checks that apply to an
// app against its fake.
package appcheck

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/declarative"
)

// Path is the file of the example app key: examples/apps/<key>/app.json
// of this repository.
func Path(t testing.TB, key string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("appcheck: cannot tell where the repository is")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "examples", "apps", key, "app.json")
}

// Load parses the example app key, as `junction apps validate` does, and
// returns its connector.
func Load(t testing.TB, key string) connectors.Connector {
	t.Helper()
	data, err := os.ReadFile(Path(t, key))
	if err != nil {
		t.Fatal(err)
	}
	app, err := declarative.Parse(data)
	if err != nil {
		t.Fatalf("examples/apps/%s/app.json: %v", key, err)
	}
	c, err := app.Connector()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Fake is a fake of package internal/fakes: an http.Handler built on a
// connectortest.Server, which records where it is served.
type Fake interface {
	http.Handler
	connectortest.Fake
	SetBaseURL(string)
}

// Serve serves fake on 127.0.0.1 until t ends.
func Serve(t testing.TB, fake Fake) {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	fake.SetBaseURL(srv.URL)
}

// Conformance runs the conformance kit's checks that apply to an app (not
// "schemas", which compares schemas with Go types an app has none of):
// the spec, registration and manifest; each action, sent its sample
// input, succeeds against fake and maps every failure the kit injects;
// and every webhook trigger accepts what fake signs and refuses forgeries.
// The actions run in the order the app lists them.
func Conformance(t *testing.T, c connectors.Connector, fake Fake, o connectortest.Options) {
	t.Helper()
	for name, err := range map[string]error{
		"spec":        connectortest.CheckSpec(c),
		"implemented": connectortest.CheckImplemented(c),
		"register":    connectors.NewRegistry().Register(c),
		"manifest":    connectortest.CheckManifest(c),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, a := range c.Actions() {
		as := a.Spec()
		call := o.Call(t, fake.BaseURL(), string(as.SampleInput))
		t.Run("actions/"+as.ID, func(t *testing.T) {
			if err := connectortest.CheckAction(t.Context(), a, call); err != nil {
				t.Error(err)
			}
			for _, ec := range connectortest.ErrorCases {
				if err := connectortest.CheckErrorCase(t.Context(), a, call, fake, ec); err != nil {
					t.Error(err)
				}
			}
		})
	}
	connectortest.CheckWebhooks(t, c, fake)
}
