package connectors

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// greetedPoller implements testSpec's polling trigger: one greeting, then
// nothing new.
func greetedPoller() Poller {
	return PollFunc{ID: "greeted", Fn: func(_ context.Context, _ Call, cursor string) (PollResult, error) {
		if cursor != "" {
			return PollResult{Cursor: cursor}, nil
		}
		item, err := PollItemOf(testSpec("1.0.0", StatusStable).Triggers[0], []byte(`{"id": 1}`), "1")
		return PollResult{Items: []PollItem{item}, Cursor: "1"}, err
	}}
}

func TestRegisterHoldsPollersToTheirTriggers(t *testing.T) {
	r := NewRegistry()
	if err := r.Register(hello("1.0.0", StatusStable)); err != nil {
		t.Fatalf("a declared and implemented polling trigger: %v", err)
	}
	pl, spec, err := r.Poller("hello", "", "greeted")
	if err != nil || pl.Trigger() != "greeted" || spec.Kind != TriggerPolling {
		t.Fatalf("Poller: %v %v %v", pl, spec, err)
	}
	got, err := pl.Poll(t.Context(), Call{}, "")
	if err != nil || len(got.Items) != 1 || got.Items[0].ID != "1" || got.Cursor != "1" {
		t.Errorf("poll: %+v %v", got, err)
	}
	if _, _, err := r.Poller("hello", "", "waved"); !errors.Is(err, ErrUnknownTrigger) {
		t.Errorf("an unknown trigger: %v", err)
	}
	acts := r.PollActivities()
	if len(acts) != 1 || acts[0].Name != "hello.greeted" || !slices.Equal(acts[0].Versions, []string{"1.0.0"}) {
		t.Errorf("poll activities %+v", acts)
	}

	clash := greet().Spec()
	clash.ID = "greeted"
	for name, tc := range map[string]struct {
		c    Connector
		want string
	}{
		"declared, no code":  {New(helloWith(), greet()), "triggers[greeted]: is a declared polling trigger without an implementation"},
		"code, not declared": {New(helloWith(), greet()).WithPollers(greetedPoller(), PollFunc{ID: "waved"}), "triggers[waved]: has a polling implementation but is not a declared polling trigger"},
		"code for a webhook": {New(helloWith(hookTrigger()), greet()).WithWebhooks(acceptAll{"waved"}).WithPollers(greetedPoller(), PollFunc{ID: "waved"}), "triggers[waved]: has a polling implementation but is not"},
		"twice":              {New(helloWith(), greet()).WithPollers(greetedPoller(), greetedPoller()), "has two polling implementations"},
		"nil":                {New(helloWith(), greet()).WithPollers(greetedPoller(), nil), "Pollers()[1]: is nil"},
		"an action's id":     {New(withActions(helloWith(), greet().Spec(), clash), greet(), plainAction{clash}).WithPollers(greetedPoller()), "triggers[greeted]: has the id of an action"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := registers(tc.c); !hasProblem(err, tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestPollItemOf(t *testing.T) {
	tr := testSpec("1.0.0", StatusStable).Triggers[0]
	for _, tc := range []struct {
		payload, id string
		ok          bool
	}{
		{`{"id": 42}`, "42", true},
		{`{"id": "ord_42"}`, "ord_42", true},
		{`{"name": "no id"}`, "", false},
		{`[1, 2]`, "", false},
		{`{"id": 4.5}`, "", false},
	} {
		item, err := PollItemOf(tr, []byte(tc.payload), "c")
		if tc.ok != (err == nil) || item.ID != tc.id {
			t.Errorf("%s: item %+v, error %v", tc.payload, item, err)
		}
		if err != nil && !errors.Is(err, ErrPollPayload) {
			t.Errorf("%s: error %v is not ErrPollPayload", tc.payload, err)
		}
	}
}

// accountApp serves account acme's app "hello" from a registry of its own.
type accountApp struct{ reg *Registry }

func (s accountApp) AppRegistry(_ context.Context, accountID, key string, _ bool) (*Registry, error) {
	if accountID != "acme" || key != "hello" {
		return nil, ErrUnknownConnector
	}
	return s.reg, nil
}

// TestPollerForAnAccountsApp: the poller of an app an account keeps as
// data is found on that account's behalf only.
func TestPollerForAnAccountsApp(t *testing.T) {
	apps := NewRegistry()
	apps.MustRegister(hello("1.0.0", StatusStable))
	r := NewRegistry().WithAccountApps(accountApp{apps})
	pl, spec, err := r.PollerFor(t.Context(), "acme", "hello", "", "greeted")
	if err != nil || pl.Trigger() != "greeted" || spec.Kind != TriggerPolling {
		t.Fatalf("PollerFor: %v %+v %v", pl, spec, err)
	}
	if _, _, err := r.PollerFor(t.Context(), "globex", "hello", "", "greeted"); !errors.Is(err, ErrUnknownConnector) {
		t.Errorf("another account: %v", err)
	}
	if _, _, err := r.PollerFor(t.Context(), "acme", "hello", "", "waved"); !errors.Is(err, ErrUnknownTrigger) {
		t.Errorf("an unknown trigger: %v", err)
	}
}
