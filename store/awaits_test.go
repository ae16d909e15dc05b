package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestAwaits(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		for _, a := range []Await{
			{"acme", "sms:+6511", "acme/d1/e1", "r1", "d1", 2},
			{"acme", "sms:+6511", "acme/d2/e2", "r1", "d2", 2},
			{"acme", "whatsapp:+6511", "acme/d1/e3", "r1", "d1", 2},
			{"globex", "sms:+6511", "globex/d9/e1", "r1", "d9", 2},
		} {
			if err := s.RegisterAwait(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		// Registering again (a replayed or retried step) changes nothing.
		if err := s.RegisterAwait(ctx, Await{"acme", "sms:+6511", "acme/d1/e1", "r1", "d1", 1}); err != nil {
			t.Fatal(err)
		}
		ids := func(account string, keys ...string) []string {
			t.Helper()
			got, err := s.Awaiting(ctx, account, keys...)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, a := range got {
				out = append(out, a.WorkflowID+"@"+a.Key)
			}
			return out
		}
		tests := []struct {
			account string
			keys    []string
			want    []string
		}{
			{"acme", []string{"sms:+6511"}, []string{"acme/d1/e1@sms:+6511", "acme/d2/e2@sms:+6511"}},
			{"acme", []string{"sms:+6511", "whatsapp:+6511"}, []string{"acme/d1/e1@sms:+6511", "acme/d1/e3@whatsapp:+6511", "acme/d2/e2@sms:+6511"}},
			{"acme", []string{"sms:+6599"}, nil},
			{"globex", []string{"sms:+6511"}, []string{"globex/d9/e1@sms:+6511"}},
			{"acme", nil, nil},
		}
		for _, tt := range tests {
			if got := ids(tt.account, tt.keys...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Awaiting(%s, %v) = %v, want %v", tt.account, tt.keys, got, tt.want)
			}
		}
		if err := s.ReleaseAwait(ctx, "acme", "sms:+6511", "acme/d1/e1"); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseAwait(ctx, "acme", "sms:+6511", "acme/d1/e1"); err != nil {
			t.Errorf("releasing twice: %v", err)
		}
		if got := ids("acme", "sms:+6511"); !reflect.DeepEqual(got, []string{"acme/d2/e2@sms:+6511"}) {
			t.Errorf("after release: %v", got)
		}
		if err := s.RegisterAwait(ctx, Await{"acme", "", "w", "r1", "d", 1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("an empty key: %v, want ErrInvalid", err)
		}
	})
}
