package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// testSubscription returns a valid subscription of the account, with only what is required set.
func testSubscription(accountID, name string, events ...string) Subscription {
	return Subscription{
		AccountID: accountID, Name: name, Events: events,
		URL: "https://hooks.example.com/junction", Method: "POST", Format: "json", AuthKind: "none",
		TimeoutSeconds: 10,
	}
}

func mustCreateSubscription(t *testing.T, s *Store, sub Subscription) Subscription {
	t.Helper()
	got, err := s.CreateSubscription(context.Background(), sub)
	if err != nil {
		t.Fatalf("CreateSubscription(%s): %v", sub.Name, err)
	}
	return got
}

func subscriptionNames(subs []Subscription) []string {
	return pluck(subs, func(sub Subscription) string { return sub.Name })
}

// countRows counts the rows of table that match where, a condition with one parameter, arg: what
// is in the tables, whatever the reading methods show.
func countRows(t *testing.T, s *Store, table, where string, arg any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRowContext(context.Background(), s.q(`SELECT COUNT(*) FROM `+table+` WHERE `+where), arg).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

func TestCreateSubscription(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")

		t.Run("stores and returns every field", func(t *testing.T) {
			want := clock.t.Add(time.Second + time.Nanosecond) // the next tick
			zone := time.FixedZone("UTC-3", -3*3600)
			in := Subscription{
				AccountID: "acme", Name: "EddyDesk ✓",
				Events:            []string{"shopify.orders_create", "http_request", "shopify.orders_create", "run.completed"},
				TriggerConnection: "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10",
				URL:               "https://{{env.HOST}}/hooks?id={{event.id}}", Method: "PUT", Format: "xml",
				Headers:  map[string]string{"X-Tenant": "{{account.id}}", "X-Note": "ünïcode"},
				Body:     `{"order": "{{event.data.id}}", "n": [1, 2]}`,
				AuthKind: "basic", AuthUsername: "ann",
				SecretFields:   []string{"signing", "password", "signing"},
				Retry:          []time.Duration{5 * time.Second, 90 * time.Minute, 1500 * time.Millisecond},
				TimeoutSeconds: 30, DisableAfter: 5 * 24 * time.Hour,
				FailingSince:        time.Unix(100, 0), // the store's, ignored
				PreviousSecretUntil: time.Date(2030, 2, 3, 4, 5, 6, 789, zone),
				CreatedAt:           time.Unix(1, 0), UpdatedAt: time.Unix(2, 0), Version: 7,
			}
			got, err := s.CreateSubscription(ctx, in)
			if err != nil {
				t.Fatalf("CreateSubscription: %v", err)
			}
			if len(got.ID) != 36 {
				t.Errorf("ID = %q, want a generated UUID", got.ID)
			}
			if got.Version != 1 || !got.CreatedAt.Equal(want) || !got.UpdatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
				t.Errorf("Version, CreatedAt, UpdatedAt = %d, %v, %v; want 1, %v (UTC) twice", got.Version, got.CreatedAt, got.UpdatedAt, want)
			}
			if got.Status != SubscriptionEnabled || !got.FailingSince.IsZero() {
				t.Errorf("Status %q, FailingSince %v; want enabled by default and zero", got.Status, got.FailingSince)
			}
			if want := []string{"http_request", "run.completed", "shopify.orders_create"}; !reflect.DeepEqual(got.Events, want) {
				t.Errorf("Events = %q, want %q", got.Events, want)
			}
			if want := []string{"password", "signing"}; !reflect.DeepEqual(got.SecretFields, want) {
				t.Errorf("SecretFields = %q, want %q", got.SecretFields, want)
			}
			read, err := s.Subscription(ctx, "acme", got.ID)
			if err != nil {
				t.Fatalf("Subscription: %v", err)
			}
			if !reflect.DeepEqual(read, got) {
				t.Errorf("Subscription =\n%+v\nwant what CreateSubscription returned\n%+v", read, got)
			}
			// What the caller set must come back as set, not merely as CreateSubscription echoed it.
			if read.URL != in.URL || read.Body != in.Body || read.Method != "PUT" || read.Format != "xml" ||
				read.AuthKind != "basic" || read.AuthUsername != "ann" || read.TriggerConnection != in.TriggerConnection ||
				!reflect.DeepEqual(read.Headers, in.Headers) || !reflect.DeepEqual(read.Retry, in.Retry) ||
				read.TimeoutSeconds != 30 || read.DisableAfter != in.DisableAfter ||
				!read.PreviousSecretUntil.Equal(in.PreviousSecretUntil) || read.PreviousSecretUntil.Location() != time.UTC {
				t.Errorf("Subscription = %+v, want the values given in %+v", read, in)
			}
		})

		t.Run("keeps a given ID, and nil and empty retry schedules apart", func(t *testing.T) {
			const id = "6f1d2c3b-4a59-4e8d-9c7b-0a1b2c3d4e5f"
			in := testSubscription("acme", "no retries", "http_request")
			in.ID, in.Retry, in.Status = id, []time.Duration{}, SubscriptionDisabled
			in.DisabledReason = "paused by the owner"
			got := mustCreateSubscription(t, s, in)
			read, err := s.Subscription(ctx, "acme", id)
			if err != nil {
				t.Fatalf("Subscription: %v", err)
			}
			if !reflect.DeepEqual(read, got) {
				t.Errorf("Subscription = %+v, want %+v", read, got)
			}
			if read.ID != id || read.Retry == nil || len(read.Retry) != 0 || read.Headers == nil || read.SecretFields == nil {
				t.Errorf("ID %q, Retry %#v, Headers %#v, SecretFields %#v; want %s, an empty non-nil schedule, empty map and slice",
					read.ID, read.Retry, read.Headers, read.SecretFields, id)
			}
			if read.Status != SubscriptionDisabled || read.DisabledReason != "paused by the owner" {
				t.Errorf("Status %q, DisabledReason %q; want disabled with the reason given", read.Status, read.DisabledReason)
			}
			def := mustCreateSubscription(t, s, testSubscription("acme", "default retries", "http_request"))
			if read, _ := s.Subscription(ctx, "acme", def.ID); read.Retry != nil || !read.PreviousSecretUntil.IsZero() {
				t.Errorf("Retry %#v, PreviousSecretUntil %v; want nil (the default schedule) and zero", read.Retry, read.PreviousSecretUntil)
			}
			if _, err := s.CreateSubscription(ctx, in); !errors.Is(err, ErrConflict) {
				t.Errorf("creating it again: %v, want ErrConflict", err)
			}
		})

		t.Run("an unknown account", func(t *testing.T) {
			_, err := s.CreateSubscription(ctx, testSubscription("nobody", "x", "http_request"))
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})

		t.Run("an enabled subscription keeps no disabled reason", func(t *testing.T) {
			in := testSubscription("acme", "enabled", "http_request")
			in.DisabledReason = "stale"
			if got := mustCreateSubscription(t, s, in); got.DisabledReason != "" {
				t.Errorf("DisabledReason = %q, want none", got.DisabledReason)
			}
		})
	})
}

func TestSubscriptionInvalid(t *testing.T) {
	s := openStore(t, "sqlite::memory:")
	ctx := context.Background()
	mustCreateAccount(t, s, "acme")
	valid := testSubscription("acme", "valid", "http_request")
	tooManyEvents := make([]string, maxSubscriptionEvents+1)
	for i := range tooManyEvents {
		tooManyEvents[i] = "event." + strings.Repeat("e", i+1)
	}
	tests := []struct {
		name   string
		change func(*Subscription)
	}{
		{"no account", func(sub *Subscription) { sub.AccountID = "" }},
		{"ID not a UUID", func(sub *Subscription) { sub.ID = "sub-1" }},
		{"name too long", func(sub *Subscription) { sub.Name = strings.Repeat("n", maxNameLen+1) }},
		{"no events", func(sub *Subscription) { sub.Events = nil }},
		{"an empty event", func(sub *Subscription) { sub.Events = []string{"http_request", ""} }},
		{"an event too long", func(sub *Subscription) { sub.Events = []string{strings.Repeat("e", maxEventTypeLen+1)} }},
		{"an event not UTF-8", func(sub *Subscription) { sub.Events = []string{"run.\xff"} }},
		{"too many events", func(sub *Subscription) { sub.Events = tooManyEvents }},
		{"no URL", func(sub *Subscription) { sub.URL = "" }},
		{"URL with NUL", func(sub *Subscription) { sub.URL = "https://a\x00b" }},
		{"URL too long", func(sub *Subscription) { sub.URL = "https://x/" + strings.Repeat("p", maxSubscriptionTextLen) }},
		{"method in lower case", func(sub *Subscription) { sub.Method = "post" }},
		{"method HEAD", func(sub *Subscription) { sub.Method = "HEAD" }},
		{"no method", func(sub *Subscription) { sub.Method = "" }},
		{"format yaml", func(sub *Subscription) { sub.Format = "yaml" }},
		{"no auth kind", func(sub *Subscription) { sub.AuthKind = "" }},
		{"auth kind oauth2", func(sub *Subscription) { sub.AuthKind = "oauth2" }},
		{"a user name without basic", func(sub *Subscription) { sub.AuthKind, sub.AuthUsername = "bearer", "ann" }},
		{"auth kind connection without one", func(sub *Subscription) { sub.AuthKind = "connection" }},
		{"an auth connection of another kind", func(sub *Subscription) { sub.AuthConnection = "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10" }},
		{"status paused", func(sub *Subscription) { sub.Status = "paused" }},
		{"timeout 0", func(sub *Subscription) { sub.TimeoutSeconds = 0 }},
		{"timeout 31", func(sub *Subscription) { sub.TimeoutSeconds = 31 }},
		{"negative disable after", func(sub *Subscription) { sub.DisableAfter = -time.Hour }},
		{"disable after in microseconds", func(sub *Subscription) { sub.DisableAfter = time.Hour + time.Microsecond }},
		{"a zero retry delay", func(sub *Subscription) { sub.Retry = []time.Duration{time.Second, 0} }},
		{"a negative retry delay", func(sub *Subscription) { sub.Retry = []time.Duration{-time.Second} }},
		{"a retry delay in nanoseconds", func(sub *Subscription) { sub.Retry = []time.Duration{time.Second + 1} }},
		{"an empty header name", func(sub *Subscription) { sub.Headers = map[string]string{"": "x"} }},
		{"a header value not UTF-8", func(sub *Subscription) { sub.Headers = map[string]string{"X-A": "\xfe"} }},
		{"headers too long", func(sub *Subscription) {
			sub.Headers = map[string]string{"X-Big": strings.Repeat("h", maxSubscriptionTextLen)}
		}},
		{"body not JSON", func(sub *Subscription) { sub.Body = "{hunter2" }},
		{"body too long", func(sub *Subscription) { sub.Body = `"` + strings.Repeat("b", maxSubscriptionBodyLen) + `"` }},
		{"body with NUL", func(sub *Subscription) { sub.Body = "\"a\x00\"" }},
		{"an empty secret field name", func(sub *Subscription) { sub.SecretFields = []string{""} }},
		{"a disabled reason not UTF-8", func(sub *Subscription) { sub.Status, sub.DisabledReason = SubscriptionDisabled, "\xff" }},
	}
	existing := mustCreateSubscription(t, s, valid)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := valid
			tt.change(&sub)
			_, err := s.CreateSubscription(ctx, sub)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("CreateSubscription: err = %v, want ErrInvalid", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q quotes the body", err)
			}
			if tt.name == "ID not a UUID" {
				return // UpdateSubscription is given the ID of an existing subscription
			}
			upd := existing
			tt.change(&upd)
			if _, err := s.UpdateSubscription(ctx, upd, existing.Version); !errors.Is(err, ErrInvalid) {
				t.Errorf("UpdateSubscription: err = %v, want ErrInvalid", err)
			}
		})
	}
	if subs, err := s.ListSubscriptions(ctx, "acme", Page{}); err != nil || len(subs) != 1 || subs[0].Version != 1 {
		t.Errorf("after the invalid writes, ListSubscriptions = %+v, %v; want only the valid one, unchanged", subs, err)
	}
	t.Run("update without a status", func(t *testing.T) {
		upd := existing
		upd.Status = ""
		if _, err := s.UpdateSubscription(ctx, upd, existing.Version); !errors.Is(err, ErrInvalid) {
			t.Errorf("err = %v, want ErrInvalid, not enabled by default", err)
		}
	})
	t.Run("update with expected version 0", func(t *testing.T) {
		if _, err := s.UpdateSubscription(ctx, existing, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("err = %v, want ErrInvalid", err)
		}
	})
}

func TestListSubscriptions(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		for _, sub := range []Subscription{
			testSubscription("acme", "a1", "http_request"),
			testSubscription("globex", "g1", "http_request"),
			testSubscription("acme", "a2", "run.completed"),
			testSubscription("acme", "a3", "http_request"),
		} {
			mustCreateSubscription(t, s, sub)
		}
		tests := []struct {
			account string
			page    Page
			want    []string
		}{
			{"acme", Page{}, []string{"a1", "a2", "a3"}},
			{"acme", Page{Limit: 2}, []string{"a1", "a2"}},
			{"acme", Page{Limit: 2, Offset: 2}, []string{"a3"}},
			{"globex", Page{}, []string{"g1"}},
			{"initech", Page{}, []string{}},
		}
		for _, tt := range tests {
			got, err := s.ListSubscriptions(ctx, tt.account, tt.page)
			if err != nil {
				t.Fatalf("ListSubscriptions(%s, %+v): %v", tt.account, tt.page, err)
			}
			if names := subscriptionNames(got); !reflect.DeepEqual(names, tt.want) {
				t.Errorf("ListSubscriptions(%s, %+v) = %q, want %q", tt.account, tt.page, names, tt.want)
			}
		}
		if _, err := s.ListSubscriptions(ctx, "acme", Page{Offset: -1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("negative offset: %v, want ErrInvalid", err)
		}
	})
}

func TestUpdateSubscription(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		orig := testSubscription("acme", "v1", "http_request", "run.completed")
		orig.AuthKind, orig.SecretFields = "bearer", []string{"token"}
		orig.Retry = []time.Duration{time.Minute}
		sub := mustCreateSubscription(t, s, orig)

		change := sub
		change.Name = "v2"
		change.Events = []string{"shopify.orders_create", "run.failed"}
		change.TriggerConnection = "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10"
		change.URL, change.Method, change.Format = "https://other.example.com/in", "PATCH", "form"
		change.Headers = map[string]string{"X-A": "{{event.type}}"}
		change.Body = `{"a": 1}`
		change.AuthKind, change.AuthConnection = "connection", "7d3c0d0e-1111-4c59-9d6e-2f1c7a4b8e10"
		change.SecretFields = []string{"signing"}
		change.Retry = nil
		change.TimeoutSeconds, change.DisableAfter = 3, 36*time.Hour
		change.Status, change.DisabledReason = SubscriptionDisabled, "moving"
		change.PreviousSecretUntil = time.Date(2031, 1, 1, 0, 0, 0, 1, time.UTC)
		change.CreatedAt, change.Version = time.Unix(1, 0), 42 // ignored
		got, err := s.UpdateSubscription(ctx, change, 1)
		if err != nil {
			t.Fatalf("UpdateSubscription: %v", err)
		}
		if got.Version != 2 || !got.CreatedAt.Equal(sub.CreatedAt) || !got.UpdatedAt.After(sub.UpdatedAt) {
			t.Errorf("Version %d, CreatedAt %v, UpdatedAt %v; want 2, %v, after %v", got.Version, got.CreatedAt, got.UpdatedAt, sub.CreatedAt, sub.UpdatedAt)
		}
		read, err := s.Subscription(ctx, "acme", sub.ID)
		if err != nil {
			t.Fatalf("Subscription: %v", err)
		}
		if !reflect.DeepEqual(read, got) {
			t.Errorf("Subscription =\n%+v\nwant what UpdateSubscription returned\n%+v", read, got)
		}
		wantRead := change
		wantRead.Events = []string{"run.failed", "shopify.orders_create"}
		wantRead.CreatedAt, wantRead.UpdatedAt, wantRead.Version = sub.CreatedAt, got.UpdatedAt, 2
		if !reflect.DeepEqual(read, wantRead) {
			t.Errorf("Subscription =\n%+v\nwant the update's values\n%+v", read, wantRead)
		}
		// The routing rows follow the events.
		for event, want := range map[string]int{"http_request": 0, "run.completed": 0, "run.failed": 1, "shopify.orders_create": 1} {
			if n := countRows(t, s, "subscription_events", "event = ?", event); n != want {
				t.Errorf("%d subscription_events rows for %s, want %d", n, event, want)
			}
		}

		t.Run("a stale version is a conflict and changes nothing", func(t *testing.T) {
			stale := change
			stale.Name = "lost update"
			stale.Events = []string{"lost.event"}
			if _, err := s.UpdateSubscription(ctx, stale, 1); !errors.Is(err, ErrConflict) {
				t.Errorf("err = %v, want ErrConflict", err)
			}
			if now, _ := s.Subscription(ctx, "acme", sub.ID); now.Name != "v2" || now.Version != 2 {
				t.Errorf("after the conflict: name %q version %d, want unchanged", now.Name, now.Version)
			}
			if n := countRows(t, s, "subscription_events", "event = ?", "lost.event"); n != 0 {
				t.Errorf("the conflicting update wrote %d routing rows", n)
			}
		})
		t.Run("an unknown subscription", func(t *testing.T) {
			missing := change
			missing.ID = "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10"
			if _, err := s.UpdateSubscription(ctx, missing, 1); !errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
		t.Run("another account's", func(t *testing.T) {
			other := change
			other.AccountID, other.Name = "globex", "stolen"
			if _, err := s.UpdateSubscription(ctx, other, 2); !errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
			if _, err := s.Subscription(ctx, "globex", sub.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("Subscription from another account: %v, want ErrNotFound", err)
			}
		})
	})
}

func TestUpdateSubscriptionFailingSince(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "v1", "http_request"))
		failedAt := time.Date(2030, 5, 6, 7, 8, 9, 10, time.UTC)
		if _, err := s.SubscriptionFailing(ctx, "acme", sub.ID, failedAt); err != nil {
			t.Fatalf("SubscriptionFailing: %v", err)
		}

		// Deliveries' bookkeeping bumps no version: an editor who read version 1 still may write.
		edit := sub
		edit.Name = "edited while failing"
		got, err := s.UpdateSubscription(ctx, edit, 1)
		if err != nil {
			t.Fatalf("UpdateSubscription after SubscriptionFailing: %v", err)
		}
		if !got.FailingSince.Equal(failedAt) {
			t.Errorf("editing an enabled subscription: FailingSince = %v, want it kept at %v", got.FailingSince, failedAt)
		}

		disabled, err := s.DisableSubscription(ctx, "acme", sub.ID, "failing for 5 days")
		if err != nil || !disabled {
			t.Fatalf("DisableSubscription = %v, %v; want true", disabled, err)
		}
		cur, _ := s.Subscription(ctx, "acme", sub.ID)
		if !cur.FailingSince.Equal(failedAt) {
			t.Errorf("after disabling: FailingSince = %v, want %v", cur.FailingSince, failedAt)
		}
		// An edit that keeps it disabled keeps FailingSince; re-enabling clears it and the reason.
		cur.Name = "still disabled"
		if cur, err = s.UpdateSubscription(ctx, cur, cur.Version); err != nil {
			t.Fatalf("UpdateSubscription: %v", err)
		}
		if !cur.FailingSince.Equal(failedAt) || cur.DisabledReason != "failing for 5 days" {
			t.Errorf("editing a disabled subscription: FailingSince %v, reason %q; want both kept", cur.FailingSince, cur.DisabledReason)
		}
		cur.Status = SubscriptionEnabled
		got, err = s.UpdateSubscription(ctx, cur, cur.Version)
		if err != nil {
			t.Fatalf("re-enabling: %v", err)
		}
		read, _ := s.Subscription(ctx, "acme", sub.ID)
		if !got.FailingSince.IsZero() || !read.FailingSince.IsZero() || read.DisabledReason != "" || read.Status != SubscriptionEnabled {
			t.Errorf("after re-enabling: returned FailingSince %v; stored %+v; want enabled, no reason, FailingSince zero", got.FailingSince, read)
		}
	})
}

func TestDeleteSubscription(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		doomed := mustCreateSubscription(t, s, testSubscription("acme", "doomed", "http_request", "run.completed"))
		kept := mustCreateSubscription(t, s, testSubscription("acme", "kept", "http_request"))
		for _, sub := range []Subscription{doomed, kept} {
			d := mustEnqueue(t, s, testDelivery(sub, "d-"+sub.Name))
			if _, err := s.RecordAttempt(ctx, "acme", d.ID, DeliveryAttempt{StatusCode: 500}, DeliveryPending, time.Time{}); err != nil {
				t.Fatalf("RecordAttempt: %v", err)
			}
		}

		if err := s.DeleteSubscription(ctx, "globex", doomed.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleting from another account: %v, want ErrNotFound", err)
		}
		if err := s.DeleteSubscription(ctx, "acme", doomed.ID); err != nil {
			t.Fatalf("DeleteSubscription: %v", err)
		}
		if _, err := s.Subscription(ctx, "acme", doomed.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Subscription after delete: %v, want ErrNotFound", err)
		}
		if _, err := s.Delivery(ctx, "acme", "d-doomed"); !errors.Is(err, ErrNotFound) {
			t.Errorf("its delivery after delete: %v, want ErrNotFound", err)
		}
		for _, c := range []struct {
			table, where string
			arg          any
			want         int
		}{
			{"subscription_events", "subscription_id = ?", doomed.ID, 0},
			{"deliveries", "subscription_id = ?", doomed.ID, 0},
			{"delivery_attempts", "delivery_id = ?", "d-doomed", 0},
			{"subscription_events", "subscription_id = ?", kept.ID, 1},
			{"deliveries", "subscription_id = ?", kept.ID, 1},
			{"delivery_attempts", "delivery_id = ?", "d-kept", 1},
		} {
			if n := countRows(t, s, c.table, c.where, c.arg); n != c.want {
				t.Errorf("%s where %s %v: %d rows, want %d", c.table, c.where, c.arg, n, c.want)
			}
		}
		if err := s.DeleteSubscription(ctx, "acme", doomed.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleting again: %v, want ErrNotFound", err)
		}
	})
}

func TestSubscriptionsFor(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		const conn1, conn2 = "11111111-8a3d-4c59-9d6e-2f1c7a4b8e10", "22222222-8a3d-4c59-9d6e-2f1c7a4b8e10"
		byName := map[string]Subscription{}
		for _, c := range []struct {
			account, name, connection, status string
			events                            []string
		}{
			{"acme", "any", "", "", []string{"shopify.orders_create", "http_request"}},
			{"acme", "conn1", conn1, "", []string{"shopify.orders_create"}},
			{"acme", "conn2", conn2, "", []string{"shopify.orders_create", "run.completed"}},
			{"acme", "disabled", "", SubscriptionDisabled, []string{"shopify.orders_create", "http_request"}},
			{"globex", "globex", "", "", []string{"shopify.orders_create", "http_request"}},
		} {
			sub := testSubscription(c.account, c.name, c.events...)
			sub.TriggerConnection, sub.Status = c.connection, c.status
			byName[c.name] = mustCreateSubscription(t, s, sub)
		}
		tests := []struct {
			account, event, connection string
			want                       []string
		}{
			{"acme", "shopify.orders_create", conn1, []string{"any", "conn1"}},
			{"acme", "shopify.orders_create", conn2, []string{"any", "conn2"}},
			{"acme", "shopify.orders_create", "", []string{"any"}},
			{"acme", "shopify.orders_create", "33333333-8a3d-4c59-9d6e-2f1c7a4b8e10", []string{"any"}},
			{"acme", "http_request", "", []string{"any"}},
			{"acme", "run.completed", "", []string{}},
			{"acme", "run.completed", conn2, []string{"conn2"}},
			{"acme", "shopify.orders", conn1, []string{}},
			{"globex", "http_request", "", []string{"globex"}},
			{"initech", "http_request", "", []string{}},
		}
		for _, tt := range tests {
			got, err := s.SubscriptionsFor(ctx, tt.account, tt.event, tt.connection)
			if err != nil {
				t.Fatalf("SubscriptionsFor(%s, %s, %q): %v", tt.account, tt.event, tt.connection, err)
			}
			// Ordered by ID: sort the expected names by their subscriptions' IDs.
			want := pluck(tt.want, func(name string) Subscription { return byName[name] })
			slices.SortFunc(want, func(a, b Subscription) int { return strings.Compare(a.ID, b.ID) })
			if names := subscriptionNames(got); !reflect.DeepEqual(names, subscriptionNames(want)) {
				t.Errorf("SubscriptionsFor(%s, %s, %q) = %q, want %q", tt.account, tt.event, tt.connection, names, subscriptionNames(want))
			}
			for _, sub := range got {
				if !reflect.DeepEqual(sub, byName[sub.Name]) {
					t.Errorf("SubscriptionsFor returned\n%+v\nwant the whole subscription as stored\n%+v", sub, byName[sub.Name])
				}
			}
		}

		t.Run("follows disabling and re-enabling", func(t *testing.T) {
			anyConn := byName["any"]
			if _, err := s.DisableSubscription(ctx, "acme", anyConn.ID, "410 Gone"); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.SubscriptionsFor(ctx, "acme", "http_request", ""); len(got) != 0 {
				t.Errorf("after disabling: %q, want none", subscriptionNames(got))
			}
			cur, _ := s.Subscription(ctx, "acme", anyConn.ID)
			cur.Status = SubscriptionEnabled
			if _, err := s.UpdateSubscription(ctx, cur, cur.Version); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.SubscriptionsFor(ctx, "acme", "http_request", ""); !reflect.DeepEqual(subscriptionNames(got), []string{"any"}) {
				t.Errorf("after re-enabling: %q, want [any]", subscriptionNames(got))
			}
		})
	})
}

// TestSubscriptionsForUsesIndexes checks, on SQLite, that routing an event reads no table whole: it
// runs on every inbound event.
func TestSubscriptionsForUsesIndexes(t *testing.T) {
	s := openStore(t, "sqlite::memory:")
	rows, err := s.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+subscriptionsForQuery, "acme", "http_request", SubscriptionEnabled, "")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, step := range plan {
		if strings.HasPrefix(step, "SCAN") || strings.Contains(step, "TEMP B-TREE") {
			t.Errorf("query plan step %q reads a table whole or sorts; plan: %q", step, plan)
		}
	}
	// Each table is searched by its whole key: the account's rows of one event, then each
	// subscription by its primary key; not, say, every routing row of the account.
	for _, want := range []string{"SEARCH e USING COVERING INDEX", "(account_id=? AND event=?)", "SEARCH s USING", "(account_id=? AND id=?)"} {
		if !slices.ContainsFunc(plan, func(step string) bool { return strings.Contains(step, want) }) {
			t.Errorf("no query plan step has %q; plan: %q", want, plan)
		}
	}
}

func TestDisableSubscription(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))

		changed, err := s.DisableSubscription(ctx, "acme", sub.ID, "410 Gone")
		if err != nil || !changed {
			t.Fatalf("DisableSubscription = %v, %v; want true, nil", changed, err)
		}
		first, _ := s.Subscription(ctx, "acme", sub.ID)
		if first.Status != SubscriptionDisabled || first.DisabledReason != "410 Gone" || first.Version != 2 || !first.UpdatedAt.After(sub.UpdatedAt) {
			t.Errorf("after disabling: %+v; want disabled for 410 Gone at version 2, updated", first)
		}

		changed, err = s.DisableSubscription(ctx, "acme", sub.ID, "failing for 5 days")
		if err != nil || changed {
			t.Fatalf("disabling again = %v, %v; want false, nil", changed, err)
		}
		if again, _ := s.Subscription(ctx, "acme", sub.ID); !reflect.DeepEqual(again, first) {
			t.Errorf("disabling again changed it:\n%+v\nwant\n%+v", again, first)
		}

		if _, err := s.DisableSubscription(ctx, "globex", sub.ID, "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("another account's: %v, want ErrNotFound", err)
		}
		if _, err := s.DisableSubscription(ctx, "acme", "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10", "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unknown subscription: %v, want ErrNotFound", err)
		}
		if _, err := s.DisableSubscription(ctx, "acme", sub.ID, "bad \x00 reason"); !errors.Is(err, ErrInvalid) {
			t.Errorf("a reason with NUL: %v, want ErrInvalid", err)
		}
	})
}

func TestSubscriptionFailing(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))
		zone := time.FixedZone("UTC+2", 2*3600)
		t1 := time.Date(2030, 3, 1, 12, 0, 0, 123, zone)
		t2, t3 := t1.Add(time.Hour), t1.Add(48*time.Hour)

		steps := []struct {
			name string
			at   time.Time // zero: SubscriptionSucceeded
			want time.Time // FailingSince afterwards
		}{
			{"first failure", t1, t1},
			{"a later failure keeps the first time", t2, t1},
			{"success clears it", time.Time{}, time.Time{}},
			{"a failure after the success starts again", t3, t3},
		}
		for _, st := range steps {
			if st.at.IsZero() {
				if err := s.SubscriptionSucceeded(ctx, "acme", sub.ID); err != nil {
					t.Fatalf("%s: SubscriptionSucceeded: %v", st.name, err)
				}
			} else {
				got, err := s.SubscriptionFailing(ctx, "acme", sub.ID, st.at)
				if err != nil {
					t.Fatalf("%s: SubscriptionFailing: %v", st.name, err)
				}
				if !got.Equal(st.want) || got.Location() != time.UTC {
					t.Errorf("%s: SubscriptionFailing = %v, want %v in UTC", st.name, got, st.want)
				}
			}
			read, err := s.Subscription(ctx, "acme", sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !read.FailingSince.Equal(st.want) || read.FailingSince.IsZero() != st.want.IsZero() {
				t.Errorf("%s: stored FailingSince = %v, want %v", st.name, read.FailingSince, st.want)
			}
			if read.Version != 1 || !read.UpdatedAt.Equal(sub.UpdatedAt) {
				t.Errorf("%s: Version %d, UpdatedAt %v; want 1 and %v: bookkeeping is not an edit", st.name, read.Version, read.UpdatedAt, sub.UpdatedAt)
			}
		}

		const unknown = "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10"
		if _, err := s.SubscriptionFailing(ctx, "acme", unknown, t1); !errors.Is(err, ErrNotFound) {
			t.Errorf("SubscriptionFailing of an unknown subscription: %v, want ErrNotFound", err)
		}
		if _, err := s.SubscriptionFailing(ctx, "globex", sub.ID, t1); !errors.Is(err, ErrNotFound) {
			t.Errorf("SubscriptionFailing from another account: %v, want ErrNotFound", err)
		}
		if err := s.SubscriptionSucceeded(ctx, "acme", unknown); !errors.Is(err, ErrNotFound) {
			t.Errorf("SubscriptionSucceeded of an unknown subscription: %v, want ErrNotFound", err)
		}
		if _, err := s.SubscriptionFailing(ctx, "acme", sub.ID, time.Time{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("SubscriptionFailing at the zero time: %v, want ErrInvalid", err)
		}
	})
}

func TestSubscribedEvents(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		mustCreateSubscription(t, s, testSubscription("acme", "runs", "run.failed", "http_request"))
		off := testSubscription("acme", "off", "run.completed")
		off.Status = SubscriptionDisabled
		mustCreateSubscription(t, s, off)
		mustCreateSubscription(t, s, testSubscription("globex", "other", "run.completed"))
		tests := []struct {
			account string
			events  []string
			want    []string
		}{
			{"acme", []string{"run.completed", "run.failed"}, []string{"run.failed"}},
			{"acme", []string{"http_request", "run.failed"}, []string{"http_request", "run.failed"}},
			{"acme", []string{"run.completed"}, nil},
			{"globex", []string{"run.completed", "run.failed"}, []string{"run.completed"}},
			{"initech", []string{"run.completed"}, nil},
			{"acme", nil, nil},
		}
		for _, tt := range tests {
			got, err := s.SubscribedEvents(ctx, tt.account, tt.events...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SubscribedEvents(%s, %v) = %v, want %v", tt.account, tt.events, got, tt.want)
			}
		}
	})
}
