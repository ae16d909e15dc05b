package connectors

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func hookTrigger() TriggerSpec {
	return TriggerSpec{
		ID: "waved", Name: "Waved", Kind: TriggerWebhook, Description: "Someone waved.",
		Payload:       MustSchema(`{"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}`),
		SamplePayload: []byte(`{"id": 7}`), IDPointer: "/id", Signature: "hello_hmac", SecretField: FieldToken,
	}
}

// acceptAll is a webhook that checks nothing, enough for Register.
type acceptAll struct{ id string }

func (a acceptAll) Trigger() string                    { return a.id }
func (a acceptAll) Receive(Delivery) (Received, error) { return Received{}, nil }

func hasProblem(err error, want string) bool {
	return err != nil && strings.Contains(err.Error(), want)
}
func registers(c Connector) error { return NewRegistry().Register(c) }

func helloWith(t ...TriggerSpec) Spec {
	s := testSpec("1.0.0", StatusStable)
	s.Triggers = append(s.Triggers, t...)
	return s
}

func TestRegisterHoldsWebhooksToTheirTriggers(t *testing.T) {
	if err := registers(New(helloWith(hookTrigger()), greet()).WithWebhooks(acceptAll{"waved"}).WithPollers(greetedPoller())); err != nil {
		t.Fatalf("a declared and implemented webhook: %v", err)
	}
	for name, tc := range map[string]struct {
		c    Connector
		want string
	}{
		"declared, no code":  {New(helloWith(hookTrigger()), greet()), "triggers[waved]: is a declared webhook trigger without an implementation"},
		"code, not declared": {New(helloWith(), greet()).WithWebhooks(acceptAll{"waved"}), "triggers[waved]: has a webhook implementation but is not a declared webhook trigger"},
		"code for a poller":  {New(helloWith(), greet()).WithWebhooks(acceptAll{"greeted"}), "triggers[greeted]: has a webhook implementation but is not"},
		"twice":              {New(helloWith(hookTrigger()), greet()).WithWebhooks(acceptAll{"waved"}, acceptAll{"waved"}), "has two webhook implementations"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := registers(tc.c); !hasProblem(err, tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestValidateWebhookIdentity(t *testing.T) {
	byHeader := hookTrigger()
	byHeader.IDPointer, byHeader.IDHeader = "", "X-Hello-Delivery"
	if err := helloWith(byHeader).Validate(); err != nil {
		t.Errorf("an id from a header: %v", err)
	}
	both := hookTrigger()
	both.IDHeader = "X-Hello-Delivery"
	noSecret := hookTrigger()
	noSecret.SecretField = ""
	plain := hookTrigger()
	plain.SecretField = FieldUsername
	unknown := hookTrigger()
	unknown.SecretField = "signing_key"
	pollHeader := testSpec("1.0.0", StatusStable).Triggers[0]
	pollHeader.IDPointer, pollHeader.IDHeader = "", "X-Hello"
	err := helloWith(both, noSecret, plain, unknown).Validate()
	for _, want := range []string{
		"idHeader: goes only with an empty idPointer",
		"secretField: is empty",
		"secretField: username is a field of basic but not a secret one",
		"secretField: signing_key is a field of no auth kind",
	} {
		if !hasProblem(err, want) {
			t.Errorf("no problem says %q: %v", want, err)
		}
	}
	s := testSpec("1.0.0", StatusStable)
	s.Triggers = []TriggerSpec{pollHeader}
	if err := s.Validate(); !hasProblem(err, "idHeader: is only for webhooks") || !hasProblem(err, "idPointer: is empty") {
		t.Errorf("a poller identified by a header: %v", err)
	}
}

func TestEventOf(t *testing.T) {
	byHeader := hookTrigger()
	byHeader.IDPointer, byHeader.IDHeader = "", "X-Hello-Delivery"
	h := http.Header{}
	h.Set("X-Hello-Delivery", "d-1")
	h.Set("X-Old-Delivery", "old-1")
	for name, tc := range map[string]struct {
		spec    TriggerSpec
		header  http.Header
		body    string
		more    []string
		want    string
		wantErr bool
	}{
		"integer id":      {spec: hookTrigger(), body: `{"id": 7}`, want: "7"},
		"string id":       {spec: hookTrigger(), body: ` {"id": "ab-7"} `, want: "ab-7"},
		"header id":       {spec: byHeader, header: h, body: `{"n": 1}`, want: "d-1"},
		"fallback header": {spec: byHeader, header: http.Header{"X-Old-Delivery": {"old-1"}}, body: `{}`, more: []string{"X-Old-Delivery"}, want: "old-1"},
		"no header":       {spec: byHeader, header: http.Header{}, body: `{}`, wantErr: true},
		"no id":           {spec: hookTrigger(), body: `{"n": 1}`, wantErr: true},
		"fractional id":   {spec: hookTrigger(), body: `{"id": 7.5}`, wantErr: true},
		"empty id":        {spec: hookTrigger(), body: `{"id": ""}`, wantErr: true},
		"an array":        {spec: hookTrigger(), body: `[{"id": 7}]`, wantErr: true},
		"not JSON":        {spec: hookTrigger(), body: `{"id": 7`, wantErr: true},
	} {
		t.Run(name, func(t *testing.T) {
			ev, err := EventOf(tc.spec, tc.header, []byte(tc.body), tc.more...)
			if tc.wantErr {
				if !errors.Is(err, ErrWebhookPayload) {
					t.Errorf("error %v, want ErrWebhookPayload", err)
				}
				return
			}
			if err != nil || ev.ID != tc.want || !slices.Equal(ev.Payload, []byte(strings.TrimSpace(tc.body))) {
				t.Errorf("EventOf = %q %s, %v; want %q", ev.ID, ev.Payload, err, tc.want)
			}
		})
	}
}

func TestJSONWebhookOrder(t *testing.T) {
	var calls []string
	w := &JSONWebhook{
		Spec: hookTrigger(),
		Unsigned: func(d Delivery) (*WebhookAnswer, bool) {
			calls = append(calls, "unsigned")
			return &WebhookAnswer{Status: 200}, string(d.Body) == "ping"
		},
		Verify: func(d Delivery) error {
			calls = append(calls, "verify")
			if d.Header.Get("Sig") != "ok" {
				return errors.New("bad")
			}
			return nil
		},
		Handshake: func(d Delivery) (*WebhookAnswer, bool) {
			calls = append(calls, "handshake")
			return &WebhookAnswer{Status: 200, Body: []byte("hi")}, string(d.Body) == `{"hello": 1}`
		},
	}
	if r, err := w.Receive(Delivery{Body: []byte("ping")}); err != nil || r.Answer == nil || len(r.Events) != 0 {
		t.Errorf("ping: %+v %v", r, err)
	}
	if _, err := w.Receive(Delivery{Body: []byte(`{"hello": 1}`)}); !errors.Is(err, ErrWebhookSignature) {
		t.Errorf("an unsigned handshake: %v, want a signature error", err)
	}
	signed := http.Header{"Sig": {"ok"}}
	if r, err := w.Receive(Delivery{Header: signed, Body: []byte(`{"hello": 1}`)}); err != nil || string(r.Answer.Body) != "hi" || len(r.Events) != 0 {
		t.Errorf("handshake: %+v %v", r, err)
	}
	if r, err := w.Receive(Delivery{Header: signed, Body: []byte(`{"id": 9}`)}); err != nil || len(r.Events) != 1 || r.Events[0].ID != "9" {
		t.Errorf("event: %+v %v", r, err)
	}
	if !slices.Equal(calls[:2], []string{"unsigned", "unsigned"}) || slices.Index(calls, "verify") > slices.Index(calls, "handshake") {
		t.Errorf("calls %v: unsigned first, then verify, then handshake", calls)
	}
}
