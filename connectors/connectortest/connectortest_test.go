package connectortest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/connectortest/example"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
)

type noteIn struct {
	Email string `json:"email"`
}

type noteOut struct {
	ID string `json:"id"`
}

// probe is an action against the example fake whose faults the test picks.
func probe(fault string) *connectors.Func[noteIn, noteOut] {
	return connectors.NewAction(connectors.ActionSpec{
		ID: "probe", Name: "Probe", Kind: connectors.ActionCreate, Description: "Creates a contact, with a fault.",
		SampleInput: json.RawMessage(`{"email": "x@example.com"}`),
	}, func(ctx context.Context, call connectors.Call, in noteIn) (noteOut, error) {
		for attempt := 0; ; attempt++ {
			body := strings.NewReader(fmt.Sprintf(`{"email": "%d-%s"}`, time.Now().UnixNano(), in.Email))
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, example.BaseURL("northwind")+"/v1/contacts", body)
			if err != nil {
				return noteOut{}, err
			}
			resp, err := call.HTTP.Do(req)
			if err != nil {
				return noteOut{}, err
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			e := connectors.FromHTTPResponse(resp, raw)
			switch {
			case e == nil:
				var out noteOut
				return out, json.Unmarshal(raw, &out)
			case fault == "retries" && attempt == 0:
				continue
			case fault == "plain errors":
				return noteOut{}, fmt.Errorf("acme said %d", resp.StatusCode)
			case fault == "ignores Retry-After":
				e.RetryAfter = 0
			case fault == "leaks the token":
				e.Message += " (token " + exampletest.Token + ")"
			}
			return noteOut{}, e
		}
	})
}

// badOutput declares an output its code does not return.
type badOutput struct{ connectors.Action }

func (badOutput) Run(context.Context, connectors.Call) (any, error) {
	return map[string]any{"id": 42}, nil
}

// untyped hides the Go types of an action.
type untyped struct{ a connectors.Action }

func (u untyped) Spec() connectors.ActionSpec { return u.a.Spec() }
func (u untyped) Run(ctx context.Context, c connectors.Call) (any, error) {
	return u.a.Run(ctx, c)
}

func probeCall(t *testing.T, fake *exampletest.Server) connectors.Call {
	base, err := url.Parse(fake.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	return connectors.Call{
		Input: json.RawMessage(`{"email": "x@example.com"}`),
		Connection: connectors.Connection{AuthKind: connectors.AuthAPIKey, Properties: map[string]string{"workspace": "northwind"},
			Secrets: connectors.SecretValues{"key": exampletest.APIKey}},
		HTTP: &http.Client{Transport: apiKey{connectortest.Redirect(base, http.DefaultTransport)}},
	}
}

type apiKey struct{ next http.RoundTripper }

func (a apiKey) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Acme-Key", exampletest.APIKey)
	return a.next.RoundTrip(r)
}

func TestCheckErrorCaseCatches(t *testing.T) {
	rateLimited := connectortest.ErrorCases[3]
	for _, test := range []struct {
		fault string
		want  string
	}{
		{"", ""},
		{"retries", "succeeded though the fake answered 429"},
		{"plain errors", "no *connectors.Error"},
		{"ignores Retry-After", "retry after 0s, want 7s"},
		{"leaks the token", "quotes the secret"},
	} {
		t.Run(test.fault, func(t *testing.T) {
			fake := exampletest.New(t)
			call := probeCall(t, fake)
			if test.fault == "leaks the token" {
				call.Connection.Secrets = connectors.SecretValues{"token": exampletest.Token}
			}
			err := connectortest.CheckErrorCase(t.Context(), probe(test.fault), call, fake, rateLimited)
			if test.want == "" {
				if err != nil {
					t.Errorf("unexpected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), test.want) {
				t.Errorf("error %v, want %q", err, test.want)
			}
		})
	}
}

func TestCheckActionCatchesBadOutput(t *testing.T) {
	fake := exampletest.New(t)
	err := connectortest.CheckAction(t.Context(), badOutput{probe("")}, probeCall(t, fake))
	if err == nil || !strings.Contains(err.Error(), "/id: want string, got integer") {
		t.Errorf("error %v", err)
	}
}

func connector(actions ...connectors.Action) connectors.Connector {
	s := example.New().Spec()
	s.Actions = nil
	return connectors.New(s, actions...).WithWebhooks(example.New().Webhooks()...)
}

// laxWebhook accepts every delivery: the kit must catch it.
type laxWebhook struct{ spec connectors.TriggerSpec }

func (w laxWebhook) Trigger() string { return w.spec.ID }
func (w laxWebhook) Receive(d connectors.Delivery) (connectors.Received, error) {
	ev, err := connectors.EventOf(w.spec, d.Header, d.Body)
	return connectors.Received{Events: []connectors.WebhookEvent{ev}}, err
}

func TestWebhookChecksCatch(t *testing.T) {
	fake := exampletest.New(t)
	tr := example.New().Spec().Triggers[0]
	if err := connectortest.CheckWebhook(tr, example.New().Webhooks()[0], fake); err != nil {
		t.Fatalf("the example's webhook: %v", err)
	}
	err := connectortest.CheckWebhook(tr, laxWebhook{tr}, fake)
	for _, want := range []string{"with a wrong secret", "wrong secret: error <nil>", "no secret: error <nil>",
		"no signature headers: error <nil>", "tampered body: error <nil>"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a webhook that accepts everything: no problem says %q (%v)", want, err)
		}
	}
	unsigned := connectors.New(example.New().Spec(), example.New().Actions()...)
	if err := connectors.NewRegistry().Register(unsigned); err == nil || !strings.Contains(err.Error(), "without an implementation") {
		t.Errorf("a webhook trigger without code registered: %v", err)
	}
}

func TestStaticChecksCatch(t *testing.T) {
	undeclared := connectors.New(example.New().Spec(), example.New().Actions()[0], probe(""))
	if err := connectortest.CheckImplemented(undeclared); err == nil || !strings.Contains(err.Error(), "probe is implemented but not declared") {
		t.Errorf("CheckImplemented: %v", err)
	}
	unimplemented := connectors.New(example.New().Spec())
	if err := connectortest.CheckImplemented(unimplemented); err == nil || !strings.Contains(err.Error(), "create_contact is declared but not implemented") {
		t.Errorf("CheckImplemented: %v", err)
	}
	if err := connectortest.CheckSchemas(connector(untyped{probe("")})); err == nil || !strings.Contains(err.Error(), "does not implement connectors.Typed") {
		t.Errorf("CheckSchemas: %v", err)
	}
	tr := example.New().Spec().Triggers[0]
	tr.IDPointer = "/contact/missing"
	if err := connectortest.CheckTrigger(tr); err == nil || !strings.Contains(err.Error(), "no unique id") {
		t.Errorf("CheckTrigger: %v", err)
	}
	tr = example.New().Spec().Triggers[0]
	tr.SamplePayload = json.RawMessage(`{"event_id": "e"}`)
	if err := connectortest.CheckTrigger(tr); err == nil || !strings.Contains(err.Error(), "/contact: is required") {
		t.Errorf("CheckTrigger: %v", err)
	}
}

func TestRunPassesAWellBehavedProbe(t *testing.T) {
	fake := exampletest.New(t)
	connectortest.RunWith(t, connector(probe("")), fake, connectortest.Options{
		Connection:   probeCall(t, fake).Connection,
		Authenticate: func(next http.RoundTripper) http.RoundTripper { return apiKey{next} },
	})
}

func TestRedirect(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
	defer srv.Close()
	base, _ := url.Parse(srv.URL + "/prefix/")
	client := &http.Client{Transport: connectortest.Redirect(base, http.DefaultTransport)}
	resp, err := client.Get("https://shop.myshopify.com/admin/api/orders.json?limit=5")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got.Host != "shop.myshopify.com" || got.URL.Path != "/prefix/admin/api/orders.json" || got.URL.RawQuery != "limit=5" {
		t.Errorf("fake saw Host %s, %s", got.Host, got.URL)
	}
}

func TestErrorCasesAreTheIssueList(t *testing.T) {
	want := map[int]connectors.ErrorKind{401: connectors.Unauthorized, 404: connectors.NotFound, 422: connectors.Unprocessable, 429: connectors.RateLimited, 503: connectors.Unavailable}
	for _, ec := range connectortest.ErrorCases {
		if want[ec.Status] != ec.Kind {
			t.Errorf("%d maps to %s", ec.Status, ec.Kind)
		}
		delete(want, ec.Status)
	}
	if len(want) > 0 {
		t.Errorf("missing cases: %v", want)
	}
}
