package connectortest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/junction-run/junction/connectors"
)

// Call is a call of an action with input, over a client that sends every
// request to the fake at baseURL through Redirect, with o's connection,
// environment and authentication: what a connector's own tests run its
// actions with.
func (o Options) Call(t testing.TB, baseURL, input string) connectors.Call {
	t.Helper()
	base, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	var rt http.RoundTripper = Redirect(base, http.DefaultTransport)
	if o.Authenticate != nil {
		rt = o.Authenticate(rt)
	}
	return connectors.Call{
		Input:      json.RawMessage(input),
		Connection: o.Connection,
		Env:        o.Env,
		HTTP:       &http.Client{Transport: rt},
	}
}

// Action returns c's action id as an activity finds it: through a
// registry c is registered in, at the version a definition that names none
// runs.
func Action(t testing.TB, c connectors.Connector, id string) connectors.Action {
	t.Helper()
	r := connectors.NewRegistry()
	if err := r.Register(c); err != nil {
		t.Fatal(err)
	}
	a, err := r.Action(c.Spec().ID, "", id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
