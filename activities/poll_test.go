package activities

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/runs"
)

// shopifyConnection resolves every connection to a Shopify connection with
// the fake's token, as VaultConnections would from Vault.
type shopifyConnection struct{}

func (shopifyConnection) Resolve(_ context.Context, _, id string) (connectors.Connection, auth.Credentials, error) {
	return connectors.Connection{ID: id, AuthKind: connectors.AuthAPIKey, Properties: map[string]string{shopify.PropShop: "northwind.myshopify.com"}},
		auth.APIKey(auth.InHeader, shopify.AccessTokenHeader, auth.Secret(shopifytest.Token)), nil
}

func TestPollActivity(t *testing.T) {
	fake := shopifytest.New(t)
	base, err := url.Parse(fake.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	c := &Connectors{Registry: catalog.New(), Connections: shopifyConnection{}, Transport: connectortest.Redirect(base, http.DefaultTransport)}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(c.Poll, activity.RegisterOptions{Name: "shopify.new_orders"})
	env.RegisterActivityWithOptions(c.Poll, activity.RegisterOptions{Name: "shopify.orders_create"})
	poll := func(name, cursor string) (runs.PollOutput, error) {
		v, err := env.ExecuteActivity(name, runs.PollCall{AccountID: "acme", Connector: "shopify", Trigger: "new_orders", ConnectionID: "conn-1", Cursor: cursor})
		if err != nil {
			return runs.PollOutput{}, err
		}
		var out runs.PollOutput
		return out, v.Get(&out)
	}

	first, err := poll("shopify.new_orders", "")
	if err != nil || len(first.Items) != 1 || first.Items[0].ID != strconv.Itoa(shopifytest.OrderID) || first.Cursor != first.Items[0].ID {
		t.Fatalf("first poll: %+v %v", first, err)
	}
	// The payload is the order as Shopify sent it, fields the connector's
	// Order type does not know included.
	if !strings.Contains(string(first.Items[0].Payload), `"fulfillment_status":null`) {
		t.Errorf("payload %s", first.Items[0].Payload)
	}
	if again, err := poll("shopify.new_orders", first.Cursor); err != nil || len(again.Items) != 0 || again.Cursor != first.Cursor {
		t.Errorf("polling again: %+v %v", again, err)
	}

	for _, tc := range []struct {
		status     int
		retryAfter time.Duration
		retryable  bool
	}{
		{http.StatusTooManyRequests, 7 * time.Second, true},
		{http.StatusServiceUnavailable, 0, true},
		{http.StatusUnauthorized, 0, false},
	} {
		fake.FailNext(tc.status, tc.retryAfter)
		_, err := poll("shopify.new_orders", first.Cursor)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.NonRetryable() == tc.retryable || appErr.NextRetryDelay() != tc.retryAfter {
			t.Errorf("%d: error %v, want retryable %v after %s", tc.status, err, tc.retryable, tc.retryAfter)
		}
		if err != nil && strings.Contains(err.Error(), shopifytest.Token) {
			t.Errorf("%d: the error quotes the token", tc.status)
		}
	}
	if _, err := poll("shopify.orders_create", ""); err == nil || !strings.Contains(err.Error(), "was called for shopify.new_orders") {
		t.Errorf("a misrouted poll: %v", err)
	}
	if _, err := poll("shopify.new_orders", "not-a-number"); err == nil || !strings.Contains(err.Error(), "is not a since_id") {
		t.Errorf("a bad cursor: %v", err)
	}
}

func TestCutBatch(t *testing.T) {
	item := func(id string, size int, cursor string) connectors.PollItem {
		return connectors.PollItem{ID: id, Payload: []byte(strings.Repeat("x", size)), Cursor: cursor}
	}
	for _, tc := range []struct {
		name   string
		items  []connectors.PollItem
		ids    string
		cursor string
		more   bool
	}{
		{"all fit", []connectors.PollItem{item("1", 10, "1"), item("2", 10, "2")}, "1,2", "end", false},
		{"cut after the last cursor that fits", []connectors.PollItem{item("1", 40, "1"), item("2", 40, "2"), item("3", 40, "3")}, "1,2", "2", true},
		{"cut before items without a cursor", []connectors.PollItem{item("1", 40, "1"), item("2", 40, ""), item("3", 40, "3")}, "1", "1", true},
		{"one item over the bound", []connectors.PollItem{item("1", 500, "1"), item("2", 10, "2")}, "1", "1", true},
		{"no cursors at all", []connectors.PollItem{item("1", 80, ""), item("2", 80, "")}, "1,2", "end", false},
		{"nothing new", nil, "", "end", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cutBatch(connectors.PollResult{Items: tc.items, Cursor: "end"}, 100)
			var ids []string
			for _, it := range got.Items {
				ids = append(ids, it.ID)
			}
			if strings.Join(ids, ",") != tc.ids || got.Cursor != tc.cursor || got.More != tc.more {
				t.Errorf("items %v, cursor %q, more %v; want %s, %q, %v", ids, got.Cursor, got.More, tc.ids, tc.cursor, tc.more)
			}
		})
	}
}
