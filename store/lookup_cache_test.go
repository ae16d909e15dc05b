package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// lookupStores opens two stores on one database, as two processes (a
// gateway and the worker, or `junction admin`) would, each with the same
// manual clock.
func lookupStores(t *testing.T, url string) (here, elsewhere *Store, clock *manualClock) {
	t.Helper()
	clock = &manualClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	here, elsewhere = openStore(t, url), openStore(t, url)
	here.now, elsewhere.now = clock.Now, clock.Now
	return here, elsewhere, clock
}

// TestLookupCacheSeesWritesOfItsStoreAtOnce changes definitions,
// subscriptions and keys right after each lookup has been answered, and
// expects the next lookup to see the change: at the same instant, so a
// kept answer would be used if the write had not made it stale.
func TestLookupCacheSeesWritesOfItsStoreAtOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _, _ := lookupStores(t, url)
		mustCreateAccount(t, s, "acme")
		enabled := func() []string {
			t.Helper()
			ds, err := s.EnabledDefinitions(ctx, "acme", "http_request", "")
			if err != nil {
				t.Fatal(err)
			}
			return idsOf(ds)
		}
		def := func(id, status string) Definition {
			return Definition{AccountID: "acme", ID: id, Trigger: "http_request", Status: status, Name: id}
		}
		steps := []struct {
			name  string
			write func()
			want  []string
		}{
			{"none yet", func() {}, []string{}},
			{"created", func() { mustCreate(t, s, def("a", StatusEnabled)) }, []string{"a"}},
			{"another created", func() { mustCreate(t, s, def("b", StatusEnabled)) }, []string{"a", "b"}},
			{"disabled in a new version", func() { mustUpdate(t, s, def("b", StatusDisabled)) }, []string{"a"}},
			{"enabled with If-Match", func() {
				if _, err := s.UpdateDefinitionIfLatest(ctx, def("b", StatusEnabled), 2); err != nil {
					t.Fatal(err)
				}
			}, []string{"a", "b"}},
			{"a version deleted", func() {
				if err := s.DeleteDefinition(ctx, "acme", "b", 3); err != nil {
					t.Fatal(err)
				}
			}, []string{"a"}},
			{"deleted", func() {
				if err := s.DeleteDefinition(ctx, "acme", "a", 0); err != nil {
					t.Fatal(err)
				}
			}, []string{}},
		}
		for _, st := range steps {
			st.write()
			if got := enabled(); !slices.Equal(got, st.want) {
				t.Errorf("%s: enabled definitions %v, want %v", st.name, got, st.want)
			}
		}

		subscribed := func() ([]string, []string) {
			t.Helper()
			subs, err := s.SubscriptionsFor(ctx, "acme", "http_request", "")
			if err != nil {
				t.Fatal(err)
			}
			events, err := s.SubscribedEvents(ctx, "acme", "run.completed", "run.failed")
			if err != nil {
				t.Fatal(err)
			}
			return subscriptionNames(subs), events
		}
		subscribed()
		sub := mustCreateSubscription(t, s, testSubscription("acme", "hook", "http_request", "run.failed"))
		if names, events := subscribed(); !slices.Equal(names, []string{"hook"}) || !slices.Equal(events, []string{"run.failed"}) {
			t.Errorf("after creating a subscription: %v and %v, want [hook] and [run.failed]", names, events)
		}
		sub.Events = []string{"http_request", "run.completed"}
		sub.Status = SubscriptionEnabled
		if sub, err := s.UpdateSubscription(ctx, sub, sub.Version); err != nil {
			t.Fatal(err)
		} else if _, events := subscribed(); !slices.Equal(events, []string{"run.completed"}) {
			t.Errorf("after changing its events: %v, want [run.completed]", events)
		} else if _, err := s.DisableSubscription(ctx, "acme", sub.ID, "gone"); err != nil {
			t.Fatal(err)
		}
		if names, events := subscribed(); len(names) != 0 || len(events) != 0 {
			t.Errorf("after disabling it: %v and %v, want none", names, events)
		}
		if err := s.DeleteSubscription(ctx, "acme", sub.ID); err != nil {
			t.Fatal(err)
		}

		k, key := mustCreateKey(t, s, "acme", "ci", ScopeRuns)
		mustAuthenticate(t, s, key)
		if err := s.RevokeAPIKey(ctx, "acme", k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateAPIKey(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("a key revoked right after it authenticated: %v, want ErrNotFound", err)
		}
		k, key = mustCreateKey(t, s, "acme", "rotated", ScopeRuns)
		mustAuthenticate(t, s, key)
		if _, _, err := s.RotateAPIKey(ctx, "acme", k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateAPIKey(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("a key rotated right after it authenticated: %v, want ErrNotFound", err)
		}
	})
}

// TestLookupCacheSeesOtherProcessesWithinTTL changes definitions,
// subscriptions and keys through a second store and expects the first to
// see each change once lookupTTL has passed, and, until then, the answer
// it had: what a second process's write costs.
func TestLookupCacheSeesOtherProcessesWithinTTL(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, other, clock := lookupStores(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreate(t, other, Definition{AccountID: "acme", ID: "a", Trigger: "http_request", Status: StatusEnabled, Name: "a"})
		sub := mustCreateSubscription(t, other, testSubscription("acme", "hook", "http_request"))
		k, key := mustCreateKey(t, other, "acme", "ci", ScopeRuns)

		// Each lookup answered once, then changed elsewhere.
		look := func() (defs, subs int, keyErr error) {
			t.Helper()
			ds, err := s.EnabledDefinitions(ctx, "acme", "http_request", "")
			if err != nil {
				t.Fatal(err)
			}
			ss, err := s.SubscriptionsFor(ctx, "acme", "http_request", "")
			if err != nil {
				t.Fatal(err)
			}
			_, keyErr = s.AuthenticateAPIKey(ctx, key)
			return len(ds), len(ss), keyErr
		}
		if d, n, err := look(); d != 1 || n != 1 || err != nil {
			t.Fatalf("before the changes: %d definitions, %d subscriptions, key %v; want 1, 1, nil", d, n, err)
		}
		if err := other.DeleteDefinition(ctx, "acme", "a", 0); err != nil {
			t.Fatal(err)
		}
		if _, err := other.DisableSubscription(ctx, "acme", sub.ID, "gone"); err != nil {
			t.Fatal(err)
		}
		if err := other.RevokeAPIKey(ctx, "acme", k.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(lookupTTL - time.Millisecond)
		if d, n, err := look(); d != 1 || n != 1 || err != nil {
			t.Errorf("within lookupTTL: %d definitions, %d subscriptions, key %v; want the kept 1, 1, nil", d, n, err)
		}
		clock.Advance(time.Millisecond)
		if d, n, err := look(); d != 0 || n != 0 || !errors.Is(err, ErrNotFound) {
			t.Errorf("after lookupTTL: %d definitions, %d subscriptions, key %v; want 0, 0, ErrNotFound", d, n, err)
		}
	})
}

// TestLookupCacheKeepsNoFailure looks up a key before it exists, creates
// it elsewhere, and expects it to authenticate at once.
func TestLookupCacheKeepsNoFailure(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		s, other, _ := lookupStores(t, url)
		mustCreateAccount(t, s, "acme")
		k, key := mustCreateKey(t, other, "acme", "ci", ScopeRuns)
		if err := other.RevokeAPIKey(context.Background(), "acme", k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateAPIKey(context.Background(), key); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a revoked key: %v, want ErrNotFound", err)
		}
		_, key = mustCreateKey(t, other, "acme", "new", ScopeRuns)
		if _, err := s.AuthenticateAPIKey(context.Background(), key); err != nil {
			t.Errorf("a key created elsewhere right after a failed lookup: %v", err)
		}
	})
}
