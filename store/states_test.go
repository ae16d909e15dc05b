package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStates(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		account := StateRef{AccountID: "acme", Scope: "account"}
		user := StateRef{AccountID: "acme", Scope: "user", Key: "sms:6591234567"}

		// Twenty concurrent increments: each reads the value the one
		// before wrote.
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.UpdateState(ctx, user, 0, func(cur map[string]any) (map[string]any, error) {
					n, _ := cur["count"].(float64)
					cur["count"] = n + 1
					return cur, nil
				})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.State(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		if got["count"] != float64(20) {
			t.Errorf("count %v after 20 concurrent increments, want 20", got["count"])
		}
		if acc, _ := s.State(ctx, account); len(acc) != 0 {
			t.Errorf("the account's state %v, want empty: scopes are apart", acc)
		}

		// An update that fails writes nothing.
		boom := errors.New("boom")
		if _, err := s.UpdateState(ctx, user, 0, func(map[string]any) (map[string]any, error) { return nil, boom }); !errors.Is(err, boom) {
			t.Errorf("a failing update: %v", err)
		}
		if got, _ := s.State(ctx, user); got["count"] != float64(20) {
			t.Errorf("after a failed update: %v", got)
		}

		// Expiry, on the store's clock.
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return now }
		if _, err := s.UpdateState(ctx, account, time.Hour, func(map[string]any) (map[string]any, error) {
			return map[string]any{"openTickets": 3}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.State(ctx, account); got["openTickets"] != float64(3) {
			t.Errorf("before expiry: %v", got)
		}
		now = now.Add(time.Hour)
		if got, _ := s.State(ctx, account); len(got) != 0 {
			t.Errorf("after expiry: %v, want empty", got)
		}

		if err := s.PutState(ctx, account, map[string]any{"plan": "pro"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.State(ctx, account); got["plan"] != "pro" || len(got) != 1 {
			t.Errorf("after PUT: %v", got)
		}
		if err := s.DeleteState(ctx, account); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.State(ctx, account); len(got) != 0 {
			t.Errorf("after DELETE: %v", got)
		}
		if err := s.PutState(ctx, account, map[string]any{"big": string(make([]byte, MaxStateBytes))}); !errors.Is(err, ErrInvalid) {
			t.Errorf("an oversized state: %v, want ErrInvalid", err)
		}
		// A conversation's state, apart from a user's with the same key.
		conversation := StateRef{AccountID: "acme", Scope: "conversation", Key: "conv_1"}
		if err := s.PutState(ctx, conversation, map[string]any{"step": "greeted"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.State(ctx, conversation); got["step"] != "greeted" || len(got) != 1 {
			t.Errorf("the conversation's state: %v", got)
		}
		if got, _ := s.State(ctx, StateRef{AccountID: "acme", Scope: "user", Key: "conv_1"}); len(got) != 0 {
			t.Errorf("a user's state with the conversation's key: %v, want empty: scopes are apart", got)
		}
		for _, bad := range []StateRef{
			{AccountID: "acme", Scope: "user"},
			{AccountID: "acme", Scope: "conversation"},
			{AccountID: "acme", Scope: "conversation", Key: strings.Repeat("x", 257)},
			{AccountID: "acme", Scope: "account", Key: "x"},
			{AccountID: "acme", Scope: "global"},
		} {
			if _, err := s.State(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("%+v: %v, want ErrInvalid", bad, err)
			}
		}
	})
}
