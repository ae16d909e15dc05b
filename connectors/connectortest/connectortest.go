// Package connectortest is the conformance kit every connector passes. A
// connector's own test calls
//
//	connectortest.Run(t, shopify.New(), shopifytest.New(t))
//
// and gets one subtest per check:
//
//   - spec: the declaration is valid on its own (Spec.Validate);
//   - implemented: every declared action has an implementation, and every
//     implementation is declared, with the same spec;
//   - schemas: every action's input and output schemas are exactly those
//     of the Go types its code decodes and returns (so the action must
//     implement connectors.Typed, as connectors.NewAction's do);
//   - triggers/<id>: the sample payload matches the payload schema and has
//     the event's unique id where IDPointer (and IDQualifiers) say;
//   - register and manifest: the version registers, and its manifest entry
//     survives JSON and renders as Markdown;
//   - actions/<id>/ok: the action, sent its SampleInput, succeeds against
//     the fake and returns a value that matches its output schema;
//   - actions/<id>/<status>: when the fake answers 401, 404, 422, 429 with
//     Retry-After, and 503, the action returns a *connectors.Error of kind
//     Unauthorized, NotFound, Unprocessable, RateLimited (with the
//     RetryAfter) and Unavailable, with a message and without any secret of
//     the connection. An action that retried by itself would get past the
//     one injected failure and be caught here too.
//
// Requests go to the fake through Redirect, which keeps the original Host
// header, so connectors build their real URLs and fakes can check hosts.
//
//   - webhooks/<id>: for every webhook trigger, with the fake as a
//     WebhookSigner: the third party's documented signature vectors are
//     accepted and refused under a wrong secret; the sample payload,
//     signed as the third party signs, makes one event with the id the
//     trigger declares and a payload that matches its schema; a wrong
//     secret, no secret, no signature headers, a tampered body (where the
//     scheme signs the body) and a stale timestamp (where it signs a time)
//     are refused as signature errors; the old secret still verifies
//     during a rotation.
//
//   - polls/<id>: for every polling trigger, with the fake as a
//     PollSource: the first poll returns the fake's items with the ids
//     their payloads hold and payloads that match the schema; polling
//     again from the returned cursor finds nothing new; an item the fake
//     adds is then found, alone; an item's own cursor resumes after it;
//     and 401, 404, 422, 429 with Retry-After and 503 map as for actions.
package connectortest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
)

// Fake is what the kit needs of a connector's fake third party. A fake
// that embeds *Server has both methods.
type Fake interface {
	// BaseURL is where the fake listens, e.g. an httptest server's URL.
	BaseURL() string
	// FailNext makes the fake answer its next request with status, in the
	// third party's own error format, with a Retry-After header in seconds
	// when retryAfter is positive.
	FailNext(status int, retryAfter time.Duration)
}

// Options supplies what a connector needs to talk to its fake.
type Options struct {
	// Connection is the connection actions run with. The zero value has
	// the first auth kind the spec lists and nothing else.
	Connection connectors.Connection
	// Env holds the environment variables of the app version.
	Env connectors.EnvVars
	// Authenticate wraps the transport that reaches the fake with the
	// connection's authentication, as package connectors/auth does in
	// production; nil sends requests as they are.
	Authenticate func(next http.RoundTripper) http.RoundTripper
	// Timeout bounds each run of an action; 10 seconds when zero.
	Timeout time.Duration
}

// Run checks c against the kit's rules with default Options.
func Run(t *testing.T, c connectors.Connector, fake Fake) {
	t.Helper()
	RunWith(t, c, fake, Options{})
}

// ErrorCase is one failure the kit injects and the error it expects.
type ErrorCase struct {
	Status     int
	RetryAfter time.Duration
	Kind       connectors.ErrorKind
}

// ErrorCases are the failures every action must map.
var ErrorCases = []ErrorCase{
	{Status: http.StatusUnauthorized, Kind: connectors.Unauthorized},
	{Status: http.StatusNotFound, Kind: connectors.NotFound},
	{Status: http.StatusUnprocessableEntity, Kind: connectors.Unprocessable},
	{Status: http.StatusTooManyRequests, RetryAfter: 7 * time.Second, Kind: connectors.RateLimited},
	{Status: http.StatusServiceUnavailable, Kind: connectors.Unavailable},
}

// RunWith checks c against the kit's rules.
func RunWith(t *testing.T, c connectors.Connector, fake Fake, opts Options) {
	t.Helper()
	spec := c.Spec()
	check := func(name string, err error) bool {
		t.Helper()
		ok := true
		t.Run(name, func(t *testing.T) {
			t.Helper()
			if err != nil {
				ok = false
				for line := range strings.SplitSeq(err.Error(), "\n") {
					t.Error(strings.TrimSpace(line))
				}
			}
		})
		return ok
	}
	check("spec", CheckSpec(c))
	check("implemented", CheckImplemented(c))
	check("schemas", CheckSchemas(c))
	for _, tr := range spec.Triggers {
		check("triggers/"+tr.ID, CheckTrigger(tr))
	}
	if !check("register", connectors.NewRegistry().Register(c)) {
		return // the checks below assume a sound connector
	}
	check("manifest", CheckManifest(c))

	if fake == nil {
		t.Error("no fake given: actions cannot be run")
		return
	}
	CheckWebhooks(t, c, fake)
	client, err := opts.client(fake)
	if err != nil {
		t.Error(err)
		return
	}
	conn := opts.Connection
	if conn.AuthKind == "" && len(spec.Auth) > 0 {
		conn.AuthKind = spec.Auth[0].Kind
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	CheckPollers(t, c, fake, connectors.Call{Connection: conn, Env: opts.Env, HTTP: client}, timeout)
	for _, a := range c.Actions() {
		as := a.Spec()
		call := connectors.Call{Input: as.SampleInput, Connection: conn, Env: opts.Env, HTTP: client}
		t.Run("actions/"+as.ID, func(t *testing.T) {
			t.Run("ok", func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), timeout)
				defer cancel()
				if err := CheckAction(ctx, a, call); err != nil {
					t.Error(err)
				}
			})
			for _, ec := range ErrorCases {
				t.Run(fmt.Sprint(ec.Status), func(t *testing.T) {
					ctx, cancel := context.WithTimeout(t.Context(), timeout)
					defer cancel()
					if err := CheckErrorCase(ctx, a, call, fake, ec); err != nil {
						t.Error(err)
					}
				})
			}
		})
	}
}

func (o Options) client(fake Fake) (*http.Client, error) {
	base, err := url.Parse(fake.BaseURL())
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("fake's base URL %q is not an absolute URL", fake.BaseURL())
	}
	var rt http.RoundTripper = Redirect(base, http.DefaultTransport)
	if o.Authenticate != nil {
		rt = o.Authenticate(rt)
	}
	return &http.Client{
		Transport: rt,
		// Redirects are the connector's business; the kit reports them as
		// they are.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// Redirect returns a transport that sends every request to base (scheme,
// host and any path prefix) through next, keeping the request's own Host
// header and path, so a connector that calls
// https://shop.myshopify.com/admin/... reaches the fake unchanged.
func Redirect(base *url.URL, next http.RoundTripper) http.RoundTripper {
	return redirect{base: base, next: next}
}

type redirect struct {
	base *url.URL
	next http.RoundTripper
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	if out.Host == "" {
		out.Host = req.URL.Host
	}
	out.URL.Scheme = r.base.Scheme
	out.URL.Host = r.base.Host
	if p := strings.TrimSuffix(r.base.Path, "/"); p != "" {
		out.URL.Path = p + req.URL.Path
		if req.URL.RawPath != "" {
			out.URL.RawPath = strings.TrimSuffix(r.base.EscapedPath(), "/") + req.URL.RawPath
		}
	}
	return r.next.RoundTrip(out)
}

// CheckSpec reports what Spec.Validate finds.
func CheckSpec(c connectors.Connector) error { return c.Spec().Validate() }

// CheckImplemented reports declared actions without an implementation,
// implementations that are not declared, and implementations whose Spec()
// differs from the declaration.
func CheckImplemented(c connectors.Connector) error {
	var errs []error
	declared := map[string]connectors.ActionSpec{}
	for _, a := range c.Spec().Actions {
		declared[a.ID] = a
	}
	implemented := map[string]bool{}
	for i, a := range c.Actions() {
		if a == nil {
			errs = append(errs, fmt.Errorf("Actions()[%d] is nil", i))
			continue
		}
		as := a.Spec()
		implemented[as.ID] = true
		d, ok := declared[as.ID]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("action %s is implemented but not declared", as.ID))
		case !sameJSON(d, as):
			errs = append(errs, fmt.Errorf("action %s: the declaration differs from the implementation's Spec()", as.ID))
		}
	}
	for _, a := range c.Spec().Actions {
		if !implemented[a.ID] {
			errs = append(errs, fmt.Errorf("action %s is declared but not implemented", a.ID))
		}
	}
	return errors.Join(errs...)
}

// CheckSchemas reports actions whose schemas are not those of their Go
// types, and actions that do not say what their Go types are.
func CheckSchemas(c connectors.Connector) error {
	var errs []error
	for _, a := range c.Actions() {
		if a == nil {
			continue
		}
		as := a.Spec()
		typed, ok := a.(connectors.Typed)
		if !ok {
			errs = append(errs, fmt.Errorf("action %s does not implement connectors.Typed, so its schemas cannot be checked against Go types; build it with connectors.NewAction", as.ID))
			continue
		}
		in, out := typed.Types()
		for _, side := range []struct {
			name     string
			t        reflect.Type
			declared *connectors.Schema
		}{{"input", in, as.Input}, {"output", out, as.Output}} {
			derived, err := connectors.SchemaOf(side.t)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("action %s: %s type %s has no schema: %w", as.ID, side.name, side.t, err))
			case !sameJSON(derived, side.declared):
				want, _ := json.Marshal(derived)
				got, _ := json.Marshal(side.declared)
				errs = append(errs, fmt.Errorf("action %s: %s schema differs from that of %s:\n declared %s\n derived  %s", as.ID, side.name, side.t, got, want))
			}
		}
	}
	return errors.Join(errs...)
}

// CheckTrigger reports a trigger whose sample payload does not match its
// schema or lacks its unique id.
func CheckTrigger(tr connectors.TriggerSpec) error {
	if tr.Payload == nil {
		return fmt.Errorf("trigger %s has no payload schema", tr.ID)
	}
	if err := tr.Payload.Validate(tr.SamplePayload); err != nil {
		return fmt.Errorf("trigger %s: the sample payload does not match the schema: %w", tr.ID, err)
	}
	if _, err := expectedID(tr, tr.SamplePayload); err != nil {
		return fmt.Errorf("trigger %s: the sample payload %w", tr.ID, err)
	}
	return nil
}

// expectedID is the id an event or item of the trigger should have, read
// here rather than by the connectors package's code under test: the
// values at IDPointer and IDQualifiers, joined by connectors.JoinEventID.
func expectedID(tr connectors.TriggerSpec, payload []byte) (string, error) {
	pointers := tr.IDPointers()
	if len(pointers) == 0 {
		pointers = []string{tr.IDPointer}
	}
	values := make([]string, len(pointers))
	for i, p := range pointers {
		v, err := connectors.Pointer(payload, p)
		if err != nil {
			return "", fmt.Errorf("has no unique id at %q: %w", p, err)
		}
		if v == nil || v == "" {
			return "", fmt.Errorf("has an empty unique id at %q", p)
		}
		values[i] = fmt.Sprint(v)
	}
	return connectors.JoinEventID(values...), nil
}

// CheckManifest reports a version whose manifest entry does not survive a
// JSON round trip or does not render.
func CheckManifest(c connectors.Connector) error {
	r := connectors.NewRegistry()
	if err := r.Register(c); err != nil {
		return err
	}
	m := r.Manifest()
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding the manifest: %w", err)
	}
	var back connectors.ManifestDoc
	if err := json.Unmarshal(raw, &back); err != nil {
		return fmt.Errorf("decoding the manifest: %w", err)
	}
	again, err := json.Marshal(back)
	if err != nil {
		return fmt.Errorf("encoding the decoded manifest: %w", err)
	}
	if string(again) != string(raw) {
		return fmt.Errorf("the manifest changes through JSON:\n before %s\n after  %s", raw, again)
	}
	if len(m.Connectors) != 1 || len(connectors.Markdown(m.Connectors[0])) == 0 {
		return errors.New("the manifest does not render as Markdown")
	}
	return nil
}

// CheckAction runs a with call against the fake and reports an error, or
// an output that does not match the declared output schema.
func CheckAction(ctx context.Context, a connectors.Action, call connectors.Call) error {
	as := a.Spec()
	out, err := a.Run(ctx, call)
	if err != nil {
		return fmt.Errorf("action %s with its sample input: %w", as.ID, err)
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("action %s: encoding its output: %w", as.ID, err)
	}
	if err := as.Output.Validate(raw); err != nil {
		return fmt.Errorf("action %s: output %s does not match the output schema: %w", as.ID, clip(raw), err)
	}
	return nil
}

// CheckErrorCase makes the fake fail once as ec says, runs a, and reports
// anything but the expected *connectors.Error.
func CheckErrorCase(ctx context.Context, a connectors.Action, call connectors.Call, fake Fake, ec ErrorCase) error {
	as := a.Spec()
	fake.FailNext(ec.Status, ec.RetryAfter)
	_, err := a.Run(ctx, call)
	if err == nil {
		return fmt.Errorf("action %s succeeded though the fake answered %d: did it call the fake, or retry by itself?", as.ID, ec.Status)
	}
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		return fmt.Errorf("action %s: the fake answered %d and the action returned %q, which is no *connectors.Error (use connectors.FromHTTPResponse)", as.ID, ec.Status, err)
	}
	var problems []string
	if ce.Kind != ec.Kind {
		problems = append(problems, fmt.Sprintf("kind %s, want %s", ce.Kind, ec.Kind))
	}
	if ce.StatusCode != ec.Status {
		problems = append(problems, fmt.Sprintf("status %d, want %d", ce.StatusCode, ec.Status))
	}
	if ce.RetryAfter != ec.RetryAfter {
		problems = append(problems, fmt.Sprintf("retry after %s, want %s", ce.RetryAfter, ec.RetryAfter))
	}
	if strings.TrimSpace(ce.Message) == "" {
		problems = append(problems, "no message")
	}
	if s, ok := call.Connection.Secrets.(connectors.SecretValues); ok {
		for name, v := range s {
			if len(v) >= 4 && strings.Contains(err.Error(), v) {
				problems = append(problems, fmt.Sprintf("the error quotes the secret %s", name))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("action %s: the fake answered %d and the error %q has %s", as.ID, ec.Status, err, strings.Join(problems, "; "))
	}
	return nil
}

func sameJSON(a, b any) bool {
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && string(x) == string(y)
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
