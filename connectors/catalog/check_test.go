package catalog_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/connectors/slack/slacktest"
	"github.com/junction-run/junction/connectors/telegram/telegramtest"
	"github.com/junction-run/junction/connectors/twilio/twiliotest"
	"github.com/junction-run/junction/connectors/woocommerce"
	"github.com/junction-run/junction/connectors/woocommerce/woocommercetest"
)

// TestConnectionChecks runs every built-in connector's check against its
// fake, with the right credentials (it passes) and wrong ones (it fails
// with the third party's words).
func TestConnectionChecks(t *testing.T) {
	reg := catalog.New()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer good" {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer api.Close()
	type conn struct {
		conn  connectors.Connection
		creds auth.Credentials
	}
	tests := []struct {
		app      string
		base     string // the fake's address; "" calls directly
		good     conn
		bad      conn
		wantWord string // in the bad check's error
	}{
		{"shopify", shopifytest.New(t).BaseURL(),
			conn{connectors.Connection{Properties: map[string]string{shopify.PropShop: "northwind.myshopify.com"}}, auth.APIKey(auth.InHeader, shopify.AccessTokenHeader, shopifytest.Token)},
			conn{connectors.Connection{Properties: map[string]string{shopify.PropShop: "northwind.myshopify.com"}}, auth.APIKey(auth.InHeader, shopify.AccessTokenHeader, "shpat_wrong")},
			"Invalid API key or access token"},
		{"slack", slacktest.New(t).BaseURL(),
			conn{connectors.Connection{}, auth.Bearer(slacktest.Token)},
			conn{connectors.Connection{}, auth.Bearer(slacktest.RevokedToken)},
			"token_revoked"},
		{"telegram", telegramtest.New(t).BaseURL(),
			conn{connectors.Connection{AuthKind: connectors.AuthBearer, Secrets: connectors.SecretValues{"token": telegramtest.Token}}, auth.None()},
			conn{connectors.Connection{AuthKind: connectors.AuthBearer, Secrets: connectors.SecretValues{"token": "1:wrong"}}, auth.None()},
			"Unauthorized"},
		{"twilio", twiliotest.New(t).BaseURL(),
			conn{connectors.Connection{Fields: map[string]string{"username": twiliotest.AccountSid}}, auth.Basic(twiliotest.AccountSid, twiliotest.AuthToken)},
			conn{connectors.Connection{Fields: map[string]string{"username": twiliotest.AccountSid}}, auth.Basic(twiliotest.AccountSid, "wrong")},
			"Authenticate"},
		{"woocommerce", woocommercetest.New(t).BaseURL(),
			conn{connectors.Connection{Properties: map[string]string{woocommerce.PropertyStoreURL: woocommercetest.StoreURL}}, auth.Basic(woocommercetest.ConsumerKey, woocommercetest.ConsumerSecret)},
			conn{connectors.Connection{Properties: map[string]string{woocommerce.PropertyStoreURL: woocommercetest.StoreURL}}, auth.Basic(woocommercetest.ConsumerKey, "cs_wrong")},
			"401"},
		{httpconn.ConnectorID, "",
			conn{connectors.Connection{Properties: map[string]string{httpconn.PropertyCheckURL: api.URL + "/me"}}, auth.Bearer("good")},
			conn{connectors.Connection{Properties: map[string]string{httpconn.PropertyCheckURL: api.URL + "/me"}}, auth.Bearer("bad")},
			"bad token"},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			c, err := reg.Lookup(tt.app, "")
			if err != nil {
				t.Fatal(err)
			}
			checker, ok := c.(connectors.Checker)
			if !ok {
				t.Fatalf("%s has no check", tt.app)
			}
			base := http.DefaultTransport
			if tt.base != "" {
				u, _ := url.Parse(tt.base)
				base = connectortest.Redirect(u, http.DefaultTransport)
			}
			run := func(cn conn) error {
				return checker.Check(context.Background(), connectors.Call{Connection: cn.conn, HTTP: &http.Client{Transport: cn.creds.Transport(base)}})
			}
			if err := run(tt.good); err != nil {
				t.Errorf("check with good credentials: %v", err)
			}
			err = run(tt.bad)
			if err == nil || !strings.Contains(err.Error(), tt.wantWord) {
				t.Errorf("check with bad credentials: %v, want an error saying %q", err, tt.wantWord)
			}
		})
	}

	// A connector without a check says so.
	if err := connectors.New(connectors.Spec{ID: "x"}).Check(context.Background(), connectors.Call{}); err != connectors.ErrNoCheck {
		t.Errorf("no check: %v", err)
	}
}
