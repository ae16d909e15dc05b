package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// testDelivery returns a valid delivery of an event to sub.
func testDelivery(sub Subscription, id string) Delivery {
	return Delivery{
		AccountID: sub.AccountID, ID: id, SubscriptionID: sub.ID, MessageID: "msg_" + id,
		EventType: "http_request", EventID: "evt-" + id, Payload: []byte(`{"id": "` + id + `", "data": {"n": 1}}`),
	}
}

func mustEnqueue(t *testing.T, s *Store, d Delivery) Delivery {
	t.Helper()
	got, created, err := s.EnqueueDelivery(context.Background(), d)
	if err != nil || !created {
		t.Fatalf("EnqueueDelivery(%s) = created %v, %v; want a new delivery", d.ID, created, err)
	}
	return got
}

func deliveryIDs(ds []Delivery) []string { return pluck(ds, func(d Delivery) string { return d.ID }) }

func TestEnqueueDelivery(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))
		other := mustCreateSubscription(t, s, testSubscription("globex", "y", "http_request"))

		want := clock.t.Add(time.Second + time.Nanosecond) // the next tick
		next := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("UTC+1", 3600))
		in := testDelivery(sub, "sub1.msg_2Xy~-_")
		in.Status, in.Generation, in.Attempts, in.LastStatusCode = DeliveryDelivered, 3, 4, 200 // the store's, ignored
		in.NextAttemptAt = next
		got, created, err := s.EnqueueDelivery(ctx, in)
		if err != nil || !created {
			t.Fatalf("EnqueueDelivery = created %v, %v; want a new delivery", created, err)
		}
		if got.Status != DeliveryPending || got.Generation != 0 || got.Attempts != 0 || got.LastStatusCode != 0 ||
			!got.CreatedAt.Equal(want) || !got.UpdatedAt.Equal(want) || !got.NextAttemptAt.Equal(next) || got.NextAttemptAt.Location() != time.UTC {
			t.Errorf("EnqueueDelivery = %+v; want pending, generation 0, no attempts, created %v, next attempt %v in UTC", got, want, next)
		}
		read, err := s.Delivery(ctx, "acme", in.ID)
		if err != nil {
			t.Fatalf("Delivery: %v", err)
		}
		if !reflect.DeepEqual(read, got) {
			t.Errorf("Delivery =\n%+v\nwant what EnqueueDelivery returned\n%+v", read, got)
		}
		if string(read.Payload) != string(in.Payload) || read.MessageID != in.MessageID || read.EventType != "http_request" ||
			read.EventID != in.EventID || read.SubscriptionID != sub.ID {
			t.Errorf("Delivery = %+v, want the values given in %+v", read, in)
		}

		t.Run("the same ID again stores nothing and returns the first", func(t *testing.T) {
			again := in
			again.Payload = []byte(`{"id": "changed"}`)
			again.MessageID = "msg_other"
			stored, created, err := s.EnqueueDelivery(ctx, again)
			if err != nil || created {
				t.Fatalf("EnqueueDelivery again = created %v, %v; want false, nil", created, err)
			}
			if !reflect.DeepEqual(stored, got) {
				t.Errorf("EnqueueDelivery again returned\n%+v\nwant the stored delivery\n%+v", stored, got)
			}
			if n := countRows(t, s, "deliveries", "id = ?", in.ID); n != 1 {
				t.Errorf("%d rows with the ID, want 1", n)
			}
		})
		t.Run("another account may use the same ID", func(t *testing.T) {
			d := testDelivery(other, in.ID)
			if got := mustEnqueue(t, s, d); got.AccountID != "globex" {
				t.Errorf("AccountID = %q, want globex", got.AccountID)
			}
		})
		t.Run("the subscription must exist in the account", func(t *testing.T) {
			d := testDelivery(sub, "no-such-subscription")
			d.SubscriptionID = "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10"
			if _, _, err := s.EnqueueDelivery(ctx, d); !errors.Is(err, ErrNotFound) {
				t.Errorf("an unknown subscription: %v, want ErrNotFound", err)
			}
			d = testDelivery(other, "other-accounts-subscription")
			d.AccountID = "acme"
			if _, _, err := s.EnqueueDelivery(ctx, d); !errors.Is(err, ErrNotFound) {
				t.Errorf("another account's subscription: %v, want ErrNotFound", err)
			}
		})
		t.Run("no next attempt", func(t *testing.T) {
			d := testDelivery(sub, "unplanned")
			mustEnqueue(t, s, d)
			if read, _ := s.Delivery(ctx, "acme", d.ID); !read.NextAttemptAt.IsZero() {
				t.Errorf("NextAttemptAt = %v, want zero", read.NextAttemptAt)
			}
		})
	})
}

func TestEnqueueDeliveryConcurrently(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))

		const writers = 8
		type result struct {
			d       Delivery
			created bool
			err     error
		}
		results := make(chan result, writers)
		for range writers {
			go func() {
				d, created, err := s.EnqueueDelivery(ctx, testDelivery(sub, "once"))
				results <- result{d, created, err}
			}()
		}
		created := 0
		for range writers {
			r := <-results
			if r.err != nil {
				t.Errorf("EnqueueDelivery: %v", r.err)
				continue
			}
			if r.created {
				created++
			}
			if r.d.ID != "once" || r.d.Status != DeliveryPending {
				t.Errorf("EnqueueDelivery returned %+v", r.d)
			}
		}
		if created != 1 {
			t.Errorf("%d enqueues created the delivery, want 1", created)
		}
		if n := countRows(t, s, "deliveries", "id = ?", "once"); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}
	})
}

func TestEnqueueDeliveryInvalid(t *testing.T) {
	s := openStore(t, "sqlite::memory:")
	mustCreateAccount(t, s, "acme")
	sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))
	valid := testDelivery(sub, "d1")
	tests := []struct {
		name   string
		change func(*Delivery)
	}{
		{"no account", func(d *Delivery) { d.AccountID = "" }},
		{"no ID", func(d *Delivery) { d.ID = "" }},
		{"ID too long", func(d *Delivery) { d.ID = strings.Repeat("d", maxIDLen+1) }},
		{"ID with a slash", func(d *Delivery) { d.ID = "a/b" }},
		{"ID with a space", func(d *Delivery) { d.ID = "a b" }},
		{"ID with a colon", func(d *Delivery) { d.ID = "sub:msg" }},
		{"no subscription", func(d *Delivery) { d.SubscriptionID = "" }},
		{"no message ID", func(d *Delivery) { d.MessageID = "" }},
		{"message ID too long", func(d *Delivery) { d.MessageID = strings.Repeat("m", maxIDLen+1) }},
		{"no event type", func(d *Delivery) { d.EventType = "" }},
		{"event type too long", func(d *Delivery) { d.EventType = strings.Repeat("e", maxEventTypeLen+1) }},
		{"event ID with NUL", func(d *Delivery) { d.EventID = "e\x00" }},
		{"event ID too long", func(d *Delivery) { d.EventID = strings.Repeat("i", maxEventIDLen+1) }},
		{"no payload", func(d *Delivery) { d.Payload = nil }},
		{"payload not JSON", func(d *Delivery) { d.Payload = []byte(`{"secret": hunter2`) }},
		{"payload with invalid UTF-8 in a string", func(d *Delivery) { d.Payload = []byte("\"\xff\"") }},
		{"payload over 2 MiB", func(d *Delivery) {
			d.Payload = []byte(`"` + strings.Repeat("p", maxDeliveryPayloadLen) + `"`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := valid
			tt.change(&d)
			_, _, err := s.EnqueueDelivery(context.Background(), d)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q quotes the payload", err)
			}
		})
	}
	if n := countRows(t, s, "deliveries", "1 = ?", 1); n != 0 {
		t.Errorf("%d deliveries stored, want none", n)
	}
	// The largest payload allowed is stored.
	d := valid
	d.Payload = []byte(`"` + strings.Repeat("p", maxDeliveryPayloadLen-2) + `"`)
	if got := mustEnqueue(t, s, d); len(got.Payload) != maxDeliveryPayloadLen {
		t.Errorf("payload of %d bytes, want %d", len(got.Payload), maxDeliveryPayloadLen)
	}
}

func TestRecordAttempt(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))
		d := mustEnqueue(t, s, testDelivery(sub, "d1"))
		if as, err := s.DeliveryAttempts(ctx, "acme", d.ID); err != nil || as == nil || len(as) != 0 {
			t.Errorf("DeliveryAttempts before any = %v, %v; want an empty slice", as, err)
		}

		at := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("UTC-5", -5*3600))
		retryAt := at.Add(30 * time.Minute)
		steps := []struct {
			attempt DeliveryAttempt
			status  string
			next    time.Time
		}{
			{DeliveryAttempt{At: at, DurationMs: 10_000, Error: "timeout after 10 s"}, DeliveryPending, retryAt},
			{DeliveryAttempt{At: retryAt, StatusCode: 503, DurationMs: 12, ResponseHeaders: map[string]string{"Retry-After": "60"},
				ResponseBody: "busy ✗", Generation: 9 /* the store's */}, DeliveryPending, retryAt.Add(time.Minute)},
			{DeliveryAttempt{At: retryAt.Add(time.Minute), StatusCode: 204, DurationMs: 5}, DeliveryDelivered, time.Time{}},
		}
		var want []DeliveryAttempt
		for i, st := range steps {
			got, err := s.RecordAttempt(ctx, "acme", d.ID, st.attempt, st.status, st.next)
			if err != nil {
				t.Fatalf("RecordAttempt %d: %v", i+1, err)
			}
			w := st.attempt
			w.N, w.Generation, w.At = i+1, 0, st.attempt.At.UTC()
			if w.ResponseHeaders == nil {
				w.ResponseHeaders = map[string]string{}
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("RecordAttempt %d =\n%+v\nwant\n%+v", i+1, got, w)
			}
			want = append(want, w)
			read, err := s.Delivery(ctx, "acme", d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if read.Status != st.status || read.Attempts != i+1 || read.LastStatusCode != st.attempt.StatusCode ||
				!read.NextAttemptAt.Equal(st.next) || read.NextAttemptAt.IsZero() != st.next.IsZero() || !read.UpdatedAt.After(d.UpdatedAt) {
				t.Errorf("after attempt %d: %+v; want status %s, %d attempts, last status code %d, next attempt %v, updated",
					i+1, read, st.status, i+1, st.attempt.StatusCode, st.next)
			}
			d = read
		}
		as, err := s.DeliveryAttempts(ctx, "acme", d.ID)
		if err != nil {
			t.Fatalf("DeliveryAttempts: %v", err)
		}
		if !reflect.DeepEqual(as, want) {
			t.Errorf("DeliveryAttempts =\n%+v\nwant\n%+v", as, want)
		}

		t.Run("an attempt without a time was made now", func(t *testing.T) {
			d2 := mustEnqueue(t, s, testDelivery(sub, "d2"))
			got, err := s.RecordAttempt(ctx, "acme", d2.ID, DeliveryAttempt{StatusCode: 200}, DeliveryDelivered, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if !got.At.After(d2.CreatedAt) || got.At.Location() != time.UTC {
				t.Errorf("At = %v, want the store's clock after %v", got.At, d2.CreatedAt)
			}
		})
		t.Run("unknown delivery", func(t *testing.T) {
			if _, err := s.RecordAttempt(ctx, "acme", "nope", DeliveryAttempt{}, DeliveryFailed, time.Time{}); !errors.Is(err, ErrNotFound) {
				t.Errorf("RecordAttempt: %v, want ErrNotFound", err)
			}
			if _, err := s.RecordAttempt(ctx, "globex", d.ID, DeliveryAttempt{}, DeliveryFailed, time.Time{}); !errors.Is(err, ErrNotFound) {
				t.Errorf("RecordAttempt from another account: %v, want ErrNotFound", err)
			}
			if _, err := s.DeliveryAttempts(ctx, "acme", "nope"); !errors.Is(err, ErrNotFound) {
				t.Errorf("DeliveryAttempts: %v, want ErrNotFound", err)
			}
			if _, err := s.DeliveryAttempts(ctx, "globex", d.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("DeliveryAttempts from another account: %v, want ErrNotFound", err)
			}
		})
		t.Run("invalid", func(t *testing.T) {
			tests := []struct {
				name    string
				attempt DeliveryAttempt
				status  string
			}{
				{"no status", DeliveryAttempt{}, ""},
				{"status retrying", DeliveryAttempt{}, "retrying"},
				{"status code 42", DeliveryAttempt{StatusCode: 42}, DeliveryFailed},
				{"status code 600", DeliveryAttempt{StatusCode: 600}, DeliveryFailed},
				{"negative duration", DeliveryAttempt{DurationMs: -1}, DeliveryFailed},
				{"body over 64 KiB", DeliveryAttempt{StatusCode: 500, ResponseBody: strings.Repeat("b", maxAttemptTextLen+1)}, DeliveryFailed},
				{"body not UTF-8", DeliveryAttempt{StatusCode: 500, ResponseBody: "\xff"}, DeliveryFailed},
				{"error with NUL", DeliveryAttempt{Error: "a\x00"}, DeliveryFailed},
				{"empty header name", DeliveryAttempt{ResponseHeaders: map[string]string{"": "x"}}, DeliveryFailed},
				{"headers over 64 KiB", DeliveryAttempt{ResponseHeaders: map[string]string{"X": strings.Repeat("h", maxAttemptTextLen)}}, DeliveryFailed},
			}
			for _, tt := range tests {
				if _, err := s.RecordAttempt(ctx, "acme", d.ID, tt.attempt, tt.status, time.Time{}); !errors.Is(err, ErrInvalid) {
					t.Errorf("%s: %v, want ErrInvalid", tt.name, err)
				}
			}
			if read, _ := s.Delivery(ctx, "acme", d.ID); !reflect.DeepEqual(read, d) {
				t.Errorf("after the invalid attempts:\n%+v\nwant unchanged\n%+v", read, d)
			}
			// Exactly 64 KiB is allowed.
			a, err := s.RecordAttempt(ctx, "acme", d.ID, DeliveryAttempt{StatusCode: 500, ResponseBody: strings.Repeat("b", maxAttemptTextLen)}, DeliveryFailed, time.Time{})
			if err != nil || a.N != 4 {
				t.Errorf("a 64 KiB body: attempt %d, %v; want attempt 4", a.N, err)
			}
		})
	})
}

func TestRecordAttemptConcurrently(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))
		d := mustEnqueue(t, s, testDelivery(sub, "d1"))

		const writers = 8
		errs := make(chan error, writers)
		for i := range writers {
			go func() {
				_, err := s.RecordAttempt(ctx, "acme", d.ID, DeliveryAttempt{StatusCode: 500 + i}, DeliveryPending, time.Time{})
				errs <- err
			}()
		}
		for range writers {
			if err := <-errs; err != nil {
				t.Errorf("RecordAttempt: %v", err)
			}
		}
		as, err := s.DeliveryAttempts(ctx, "acme", d.ID)
		if err != nil {
			t.Fatal(err)
		}
		ns := pluck(as, func(a DeliveryAttempt) int { return a.N })
		if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(ns, want) {
			t.Errorf("attempt numbers %v, want %v", ns, want)
		}
		if read, _ := s.Delivery(ctx, "acme", d.ID); read.Attempts != writers {
			t.Errorf("Attempts = %d, want %d", read.Attempts, writers)
		}
	})
}

func TestListDeliveries(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))
		otherSub := mustCreateSubscription(t, s, testSubscription("acme", "y", "http_request"))
		globex := mustCreateSubscription(t, s, testSubscription("globex", "z", "http_request"))

		// d1 to d5 are created one clock tick apart, in order; their statuses after the loop:
		statuses := []string{DeliveryDelivered, DeliveryFailed, DeliveryPending, DeliveryDelivered, DeliveryPending}
		var created []time.Time
		for i, st := range statuses {
			d := mustEnqueue(t, s, testDelivery(sub, fmt.Sprintf("d%d", i+1)))
			created = append(created, d.CreatedAt)
			if st != DeliveryPending {
				if err := s.SetDeliveryStatus(ctx, "acme", d.ID, st, time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		mustEnqueue(t, s, testDelivery(otherSub, "other-subscription"))
		globexD := testDelivery(globex, "d3")
		mustEnqueue(t, s, globexD)

		tests := []struct {
			name   string
			filter DeliveryFilter
			page   Page
			want   []string
		}{
			{"all, newest first", DeliveryFilter{}, Page{}, []string{"d5", "d4", "d3", "d2", "d1"}},
			{"pending", DeliveryFilter{Status: DeliveryPending}, Page{}, []string{"d5", "d3"}},
			{"delivered", DeliveryFilter{Status: DeliveryDelivered}, Page{}, []string{"d4", "d1"}},
			{"failed", DeliveryFilter{Status: DeliveryFailed}, Page{}, []string{"d2"}},
			{"since d2, inclusive", DeliveryFilter{Since: created[1]}, Page{}, []string{"d5", "d4", "d3", "d2"}},
			{"until d4, exclusive", DeliveryFilter{Until: created[3]}, Page{}, []string{"d3", "d2", "d1"}},
			{"a window", DeliveryFilter{Since: created[1], Until: created[3]}, Page{}, []string{"d3", "d2"}},
			{"a window in another zone", DeliveryFilter{
				Since: created[1].In(time.FixedZone("UTC-8", -8*3600)), Until: created[3].In(time.FixedZone("UTC+9", 9*3600)),
			}, Page{}, []string{"d3", "d2"}},
			{"a window by a nanosecond", DeliveryFilter{Since: created[1].Add(time.Nanosecond), Until: created[3].Add(time.Nanosecond)}, Page{}, []string{"d4", "d3"}},
			{"delivered in a window", DeliveryFilter{Status: DeliveryDelivered, Since: created[1]}, Page{}, []string{"d4"}},
			{"an empty window", DeliveryFilter{Since: created[3], Until: created[3]}, Page{}, []string{}},
			{"paged", DeliveryFilter{}, Page{Limit: 2, Offset: 1}, []string{"d4", "d3"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.ListDeliveries(ctx, "acme", sub.ID, tt.filter, tt.page)
				if err != nil {
					t.Fatalf("ListDeliveries: %v", err)
				}
				if ids := deliveryIDs(got); !reflect.DeepEqual(ids, tt.want) {
					t.Errorf("ListDeliveries(%+v, %+v) = %q, want %q", tt.filter, tt.page, ids, tt.want)
				}
				for _, d := range got {
					if d.AccountID != "acme" || d.SubscriptionID != sub.ID {
						t.Errorf("listed %+v, not of the subscription", d)
					}
				}
			})
		}
		if got, err := s.ListDeliveries(ctx, "globex", sub.ID, DeliveryFilter{}, Page{}); err != nil || len(got) != 0 {
			t.Errorf("another account's subscription = %q, %v; want none", deliveryIDs(got), err)
		}
		if _, err := s.ListDeliveries(ctx, "acme", sub.ID, DeliveryFilter{Status: "lost"}, Page{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("unknown status: %v, want ErrInvalid", err)
		}
		if _, err := s.ListDeliveries(ctx, "acme", sub.ID, DeliveryFilter{}, Page{Limit: -1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("negative limit: %v, want ErrInvalid", err)
		}
	})
}

func TestSetDeliveryStatus(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))
		d := mustEnqueue(t, s, testDelivery(sub, "d1"))
		next := time.Date(2030, 6, 1, 0, 0, 0, 5, time.UTC)

		for _, st := range []struct {
			status string
			next   time.Time
		}{{DeliveryPending, next}, {DeliveryFailed, time.Time{}}} {
			if err := s.SetDeliveryStatus(ctx, "acme", d.ID, st.status, st.next); err != nil {
				t.Fatalf("SetDeliveryStatus(%s): %v", st.status, err)
			}
			read, _ := s.Delivery(ctx, "acme", d.ID)
			if read.Status != st.status || !read.NextAttemptAt.Equal(st.next) || read.NextAttemptAt.IsZero() != st.next.IsZero() ||
				read.Attempts != 0 || !read.UpdatedAt.After(d.UpdatedAt) {
				t.Errorf("after SetDeliveryStatus(%s, %v): %+v", st.status, st.next, read)
			}
			d = read
		}
		if n := countRows(t, s, "delivery_attempts", "delivery_id = ?", d.ID); n != 0 {
			t.Errorf("%d attempts recorded, want none", n)
		}
		if err := s.SetDeliveryStatus(ctx, "acme", "nope", DeliveryFailed, time.Time{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown delivery: %v, want ErrNotFound", err)
		}
		if err := s.SetDeliveryStatus(ctx, "globex", d.ID, DeliveryFailed, time.Time{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("another account's: %v, want ErrNotFound", err)
		}
		if err := s.SetDeliveryStatus(ctx, "acme", d.ID, "gone", time.Time{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("unknown status: %v, want ErrInvalid", err)
		}
	})
}

func TestRedeliver(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))
		d := mustEnqueue(t, s, testDelivery(sub, "d1"))

		if _, err := s.Redeliver(ctx, "acme", d.ID); !errors.Is(err, ErrConflict) {
			t.Fatalf("Redeliver while pending: %v, want ErrConflict", err)
		}
		if _, err := s.RecordAttempt(ctx, "acme", d.ID, DeliveryAttempt{StatusCode: 500}, DeliveryFailed, time.Time{}); err != nil {
			t.Fatal(err)
		}
		want := clock.t.Add(time.Second + time.Nanosecond) // the next tick
		got, err := s.Redeliver(ctx, "acme", d.ID)
		if err != nil {
			t.Fatalf("Redeliver after failing: %v", err)
		}
		if got.Generation != 1 || got.Status != DeliveryPending || !got.NextAttemptAt.Equal(want) || !got.UpdatedAt.Equal(want) ||
			got.Attempts != 1 || got.LastStatusCode != 500 || got.MessageID != d.MessageID || string(got.Payload) != string(d.Payload) {
			t.Errorf("Redeliver = %+v; want generation 1, pending, next attempt and updated %v, the attempt and message kept", got, want)
		}
		if read, _ := s.Delivery(ctx, "acme", d.ID); !reflect.DeepEqual(read, got) {
			t.Errorf("Delivery =\n%+v\nwant what Redeliver returned\n%+v", read, got)
		}
		if _, err := s.Redeliver(ctx, "acme", d.ID); !errors.Is(err, ErrConflict) {
			t.Errorf("Redeliver while the redelivery is pending: %v, want ErrConflict", err)
		}

		// The next attempt belongs to generation 1 and carries on the numbering.
		a, err := s.RecordAttempt(ctx, "acme", d.ID, DeliveryAttempt{StatusCode: 200}, DeliveryDelivered, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if a.N != 2 || a.Generation != 1 {
			t.Errorf("attempt N %d, generation %d; want 2, 1", a.N, a.Generation)
		}
		// A delivered delivery may be sent again too.
		if got, err := s.Redeliver(ctx, "acme", d.ID); err != nil || got.Generation != 2 || got.Attempts != 2 {
			t.Errorf("Redeliver after delivered = %+v, %v; want generation 2 with 2 attempts", got, err)
		}
		as, _ := s.DeliveryAttempts(ctx, "acme", d.ID)
		if gens := pluck(as, func(a DeliveryAttempt) int { return a.Generation }); !slices.Equal(gens, []int{0, 1}) {
			t.Errorf("attempt generations %v, want [0 1]", gens)
		}

		if _, err := s.Redeliver(ctx, "acme", "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown delivery: %v, want ErrNotFound", err)
		}
		if _, err := s.Redeliver(ctx, "globex", d.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("another account's: %v, want ErrNotFound", err)
		}
	})
}

// TestIsForeignKeyViolation checks that both drivers' errors are recognised, which EnqueueDelivery
// relies on when a subscription is deleted while its delivery is being enqueued.
func TestIsForeignKeyViolation(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		sub := mustCreateSubscription(t, s, testSubscription("acme", "x", "http_request"))
		insert := s.q(`INSERT INTO deliveries (` + deliveryColumns + `) VALUES (?, ?, ?, 'm', 'e', '', '{}', 'pending', 0, 0, NULL, 0, '', '')`)
		_, err := s.db.ExecContext(ctx, insert, "acme", "orphan", "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10")
		if err == nil || !isForeignKeyViolation(err) {
			t.Errorf("a delivery of no subscription: err = %v, want a foreign-key violation", err)
		}
		if _, err := s.db.ExecContext(ctx, insert, "acme", "ok", sub.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.db.ExecContext(ctx, insert, "acme", "ok", sub.ID)
		if err == nil || isForeignKeyViolation(err) || !isUniqueViolation(err) {
			t.Errorf("a duplicate: err = %v, want a unique violation only", err)
		}
	})
}
