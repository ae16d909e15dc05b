package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAppSubscriptions(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")
		if _, err := s.AppSubscription(ctx, "acme", "d1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("none yet: %v", err)
		}
		pending := AppSubscription{AccountID: "acme", DefinitionID: "d1", Status: "pending", App: "acme_crm", AppVersion: "1.0.0",
			Trigger: "contact_created", ConnectionID: "c1", WebhookURL: "https://junction.example/hooks/acme/c1/contact_created"}
		if err := s.AddAppSubscription(ctx, pending); err != nil {
			t.Fatal(err)
		}
		expires := time.Date(2026, 3, 3, 10, 15, 0, 0, time.UTC)
		subscribed := pending
		subscribed.Status, subscribed.SubscriptionID, subscribed.ExpiresAt = "subscribed", "wh_1", expires
		if err := s.SetAppSubscription(ctx, subscribed); err != nil {
			t.Fatal(err)
		}
		// Adding keeps what is there.
		if err := s.AddAppSubscription(ctx, pending); err != nil {
			t.Fatal(err)
		}
		got, err := s.AppSubscription(ctx, "acme", "d1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != "subscribed" || got.SubscriptionID != "wh_1" || !got.ExpiresAt.Equal(expires) || got.WebhookURL != pending.WebhookURL ||
			got.UpdatedAt.IsZero() {
			t.Errorf("read back %+v", got)
		}
		failed := AppSubscription{AccountID: "acme", DefinitionID: "d2", Status: "failed", Error: strings.Repeat("é", 2000)}
		if err := s.SetAppSubscription(ctx, failed); err != nil {
			t.Fatal(err)
		}
		other := AppSubscription{AccountID: "globex", DefinitionID: "d1", Status: "pending"}
		if err := s.SetAppSubscription(ctx, other); err != nil {
			t.Fatal(err)
		}
		all, err := s.AppSubscriptions(ctx, "acme", "d1", "d2", "d3")
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all["d1"].Status != "subscribed" || all["d2"].Status != "failed" || !all["d2"].ExpiresAt.IsZero() {
			t.Errorf("acme's: %+v", all)
		}
		if e := all["d2"].Error; len(e) > maxAppSubscriptionText+len("…") || !strings.HasSuffix(e, "…") || !strings.HasPrefix(e, "éé") {
			t.Errorf("a long error is cut at %d bytes: %d bytes stored", maxAppSubscriptionText, len(e))
		}
		if err := s.DeleteAppSubscription(ctx, "acme", "d1"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAppSubscription(ctx, "acme", "d1"); err != nil {
			t.Errorf("deleting again: %v", err)
		}
		if _, err := s.AppSubscription(ctx, "acme", "d1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted: %v", err)
		}
		if _, err := s.AppSubscription(ctx, "globex", "d1"); err != nil {
			t.Errorf("globex's d1 went with acme's: %v", err)
		}
		for _, bad := range []AppSubscription{
			{AccountID: "acme", DefinitionID: "", Status: "pending"},
			{AccountID: "acme", DefinitionID: "d4"},
			{AccountID: "acme", DefinitionID: "d4", Status: "pending", SubscriptionID: "a\x00b"},
		} {
			if err := s.SetAppSubscription(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("%+v: %v, want ErrInvalid", bad, err)
			}
		}
	})
}
