package devstack_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/shopify"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/connectors/slack"
	"github.com/junction-run/junction/connectors/slack/slacktest"
	"github.com/junction-run/junction/connectors/twilio"
	"github.com/junction-run/junction/connectors/twilio/twiliotest"
	"github.com/junction-run/junction/connectors/woocommerce/woocommercetest"
)

// Twilio's answer is TwiML: the validator reads it as the string the
// document says it is.
func init() { openapi3filter.RegisterBodyDecoder("text/xml", openapi3filter.FileBodyDecoder) }

// webhookResult is the gateway's answer to a delivery.
type webhookResult struct {
	Trigger string `json:"trigger"`
	Events  []struct {
		EventID string   `json:"eventId"`
		Runs    []runRef `json:"runs"`
		Skipped []struct {
			DefinitionID string `json:"definitionId"`
			Reason       string `json:"reason"`
		} `json:"skipped"`
		Conversation *struct {
			ID        string `json:"id"`
			UserID    string `json:"userId"`
			MessageID string `json:"messageId"`
		} `json:"conversation"`
	} `json:"events"`
}

// deliver posts a signed delivery to the webhook route, as the third party
// would: no API key (call only sends one on /api/v1 paths).
func deliver(t *testing.T, hookURL string, d connectortest.SignedDelivery) apiResponse {
	t.Helper()
	header := map[string]string{}
	for k, v := range d.Header {
		header[k] = v[0]
	}
	return call(t, http.MethodPost, hookURL, d.Body, header)
}

func createConnection(t *testing.T, api, body string) string {
	t.Helper()
	resp := call(t, http.MethodPost, api+"/connections", []byte(body), nil)
	if resp.Status != http.StatusCreated {
		t.Fatalf("connection: %d %s", resp.Status, resp.Body)
	}
	var conn struct{ ID string }
	resp.decode(t, &conn)
	return conn.ID
}

// TestThirdPartyWebhooksStartRuns sends Shopify, Slack, Twilio and
// WooCommerce deliveries, signed as those third parties sign them, to
// POST /hooks/{accountId}/{connectionId}/{triggerId}: each starts the
// subscribed definition's run once, however often it is delivered, and a
// delivery that is not signed with the connection's secret starts nothing.
func TestThirdPartyWebhooksStartRuns(t *testing.T) {
	s, fake := startShopifyStack(t)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	hooks := s.GatewayURL + "/hooks/acme/"

	t.Run("shopify orders_create", func(t *testing.T) {
		const secret = "shpss_northwind_webhooks"
		connID := createConnection(t, api, `{"app":"shopify","name":"Northwind","authKind":"api_key",
		  "fields":{"key":"`+shopifytest.Token+`","webhook_secret":"`+secret+`"},"properties":{"shop":"northwind.myshopify.com"}}`)

		// Saving checks the trigger and the connection.
		for body, want := range map[string]string{
			`{"trigger":"shopify.orders_vanished","triggerConnection":"` + connID + `"`:   "trigger",
			`{"trigger":"shopify.orders_create","triggerConnection":"no-such-connection"`: "triggerConnection",
			`{"trigger":"slack.event","triggerConnection":"` + connID + `"`:               "triggerConnection",
			`{"trigger":"shopify.orders_create"`:                                          "triggerConnection",
		} {
			resp := call(t, http.MethodPost, api+"/definitions", []byte(body+`,"definition":{"name":"x","steps":[{"id":"a","stepType":"SetVariables","inputs":{"a":"1"}}]}}`), nil)
			var e struct{ Errors []struct{ Path string } }
			resp.decode(t, &e)
			if resp.Status != http.StatusBadRequest || len(e.Errors) == 0 || e.Errors[0].Path != want {
				t.Errorf("%s…: %d %s, want 400 naming %s", body, resp.Status, resp.Body, want)
			}
		}

		def := createDefinition(t, s, "acme", []byte(`{"trigger":"shopify.orders_create","triggerConnection":"`+connID+`","status":"enabled",
		  "definition":{"name":"Tag new orders","steps":[
		    {"id":"tag","stepType":"shopify.update_order","connection":"`+connID+`",
		     "inputs":{"id":"{{data.payload.id}}","add_tags":["{{'Webhook ' + data.payload.name}}"]}}]}}`))
		if def["triggerConnection"] != connID {
			t.Errorf("stored definition %v", def)
		}
		order := []byte(`{"id":` + strconv.Itoa(shopifytest.OrderID) + `,"name":"#1001","email":"bob@example.com","created_at":"2026-03-02T10:15:00-05:00"}`)
		hookURL := hooks + connID + "/orders_create"
		delivery := fake.SignWebhook("orders_create", order, secret, hookURL, time.Now())

		resp := deliver(t, hookURL, delivery)
		var first webhookResult
		resp.decode(t, &first)
		if resp.Status != http.StatusOK || first.Trigger != "shopify.orders_create" || len(first.Events) != 1 ||
			first.Events[0].EventID != strconv.Itoa(shopifytest.OrderID) || len(first.Events[0].Runs) != 1 {
			t.Fatalf("delivery: %d %s", resp.Status, resp.Body)
		}
		run := first.Events[0].Runs[0]
		waitRun(t, s, run.TemporalWorkflowID)
		got, _ := fake.Order(shopifytest.OrderID)
		if !slices.Contains(shopify.SplitTags(got.Tags), "Webhook #1001") {
			t.Errorf("order tags %q: the run did not tag the order", got.Tags)
		}

		// Shopify retries: the same delivery finds the same run.
		resp = deliver(t, hookURL, delivery)
		var again webhookResult
		resp.decode(t, &again)
		if resp.Status != http.StatusOK || len(again.Events) != 1 || len(again.Events[0].Runs) != 1 ||
			again.Events[0].Runs[0].RunID != run.RunID {
			t.Errorf("redelivery: %d %s, want the run %s again", resp.Status, resp.Body, run.RunID)
		}

		// Tampered, or signed with another secret: 401 naming the problem.
		tampered := delivery
		tampered.Body = []byte(strings.Replace(string(order), "bob@", "eve@", 1))
		other := fake.SignWebhook("orders_create", order, "shpss_someone_else", hookURL, time.Now())
		for name, d := range map[string]connectortest.SignedDelivery{"tampered": tampered, "other secret": other} {
			resp := deliver(t, hookURL, d)
			if resp.Status != http.StatusUnauthorized || !strings.Contains(string(resp.Body), "signature does not match") {
				t.Errorf("%s: %d %s, want 401 naming the signature", name, resp.Status, resp.Body)
			}
		}
		if n := countRuns(t, s, fmt.Sprintf("JunctionDefinitionId = '%s'", def["id"])); n != 1 {
			t.Errorf("%d runs of the definition, want 1", n)
		}

		// inventory_levels/update has no id of its own: the event id header
		// is the event; no definition subscribes, so nothing runs.
		level := []byte(`{"inventory_item_id":808950810,"location_id":655441491,"available":41,"updated_at":"2026-03-02T10:20:00-05:00","admin_graphql_api_id":"gid://shopify/InventoryLevel/655441491?inventory_item_id=808950810"}`)
		inv := fake.SignWebhook("inventory_levels_update", level, secret, "", time.Now())
		resp = deliver(t, hooks+connID+"/inventory_levels_update", inv)
		var lv webhookResult
		resp.decode(t, &lv)
		if resp.Status != http.StatusOK || len(lv.Events) != 1 || lv.Events[0].EventID != inv.Header.Get(shopify.HeaderEventID) || len(lv.Events[0].Runs) != 0 {
			t.Errorf("inventory level: %d %s", resp.Status, resp.Body)
		}

		huge := delivery
		huge.Body = []byte(`{"pad":"` + strings.Repeat("x", 2<<20) + `"}`)
		if resp := deliver(t, hookURL, huge); resp.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("a 2 MiB delivery: %d", resp.Status)
		}
		for path, want := range map[string]int{
			hooks + connID + "/event":                  http.StatusNotFound, // not a Shopify trigger
			hooks + connID + "/new_orders":             http.StatusNotFound, // polling, not a webhook
			hooks + "no-such-connection/orders_create": http.StatusNotFound,
		} {
			if resp := deliver(t, path, delivery); resp.Status != want {
				t.Errorf("%s: %d %s, want %d", path, resp.Status, resp.Body, want)
			}
		}
	})

	t.Run("slack event", func(t *testing.T) {
		const secret = "slack-signing-secret-2026"
		connID := createConnection(t, api, `{"app":"slack","authKind":"bearer","fields":{"token":"xoxb-test","webhook_secret":"`+secret+`"}}`)
		createDefinition(t, s, "acme", []byte(`{"trigger":"slack.event","triggerConnection":"`+connID+`","status":"enabled",
		  "definition":{"name":"Echo","steps":[{"id":"note","stepType":"SetVariables","inputs":{"heard":"{{data.payload.event.text}}"}}]}}`))
		hookURL := hooks + connID + "/event"
		signer := slacktest.New(t)

		challenge := signer.SignWebhook("event", []byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`), secret, hookURL, time.Now())
		resp := deliver(t, hookURL, challenge)
		if resp.Status != http.StatusOK || string(resp.Body) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("url_verification: %d %q", resp.Status, resp.Body)
		}

		event := []byte(`{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","type":"event_callback","event_id":"Ev08MFMKH6",
		  "event_time":1772445300,"event":{"type":"message","channel":"C123ABC456","user":"U123ABC456","text":"Is order #1001 packed?","ts":"1772445300.000100","event_ts":"1772445300.000100"}}`)
		start := time.Now()
		resp = deliver(t, hookURL, signer.SignWebhook("event", event, secret, hookURL, time.Now()))
		if took := time.Since(start); took > slack.AckDeadline {
			t.Errorf("answered after %s: Slack gives up after %s", took, slack.AckDeadline)
		}
		var first webhookResult
		resp.decode(t, &first)
		if resp.Status != http.StatusOK || len(first.Events) != 1 || first.Events[0].EventID != "Ev08MFMKH6" || len(first.Events[0].Runs) != 1 {
			t.Fatalf("event_callback: %d %s", resp.Status, resp.Body)
		}
		if data := waitRun(t, s, first.Events[0].Runs[0].TemporalWorkflowID); data["heard"] != "Is order #1001 packed?" {
			t.Errorf("run data %v", data)
		}

		// Slack's retry: signed anew, X-Slack-Retry-Num set, same event_id.
		retry := signer.SignWebhook("event", event, secret, hookURL, time.Now())
		retry.Header.Set(slack.HeaderRetryNum, "1")
		retry.Header.Set("X-Slack-Retry-Reason", "http_timeout")
		resp = deliver(t, hookURL, retry)
		var again webhookResult
		resp.decode(t, &again)
		if resp.Status != http.StatusOK || len(again.Events) != 1 || len(again.Events[0].Runs) != 1 ||
			again.Events[0].Runs[0].RunID != first.Events[0].Runs[0].RunID {
			t.Errorf("retry: %d %s, want the first run", resp.Status, resp.Body)
		}

		stale := signer.SignWebhook("event", event, secret, hookURL, time.Now().Add(-10*time.Minute))
		if resp := deliver(t, hookURL, stale); resp.Status != http.StatusUnauthorized || !strings.Contains(string(resp.Body), "timestamp") {
			t.Errorf("a delivery signed ten minutes ago: %d %s", resp.Status, resp.Body)
		}
	})

	t.Run("twilio incoming_sms", func(t *testing.T) {
		const authToken = "twilio-auth-token-0123456789abcdef"
		connID := createConnection(t, api, `{"app":"twilio","authKind":"basic","fields":{"username":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","password":"`+authToken+`"}}`)
		def := createDefinition(t, s, "acme", []byte(`{"trigger":"twilio.incoming_sms","triggerConnection":"`+connID+`","status":"enabled",
		  "conditions":["{{data.payload.Body != ''}}"],
		  "definition":{"name":"Log SMS","steps":[{"id":"note","stepType":"SetVariables","inputs":{"from":"{{data.payload.From}}"}}]}}`))
		// Twilio signs the URL it calls, query string included.
		hookURL := hooks + connID + "/incoming_sms?source=twilio"
		sms := []byte(`{"MessageSid":"SM1f0e8ae6ade43cb3c0ce4525424e404f","AccountSid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "From":"+14155552671","To":"+15017122661","Body":"Where is my order?","NumMedia":"0"}`)
		delivery := twiliotest.New(t).SignWebhook("incoming_sms", sms, authToken, hookURL, time.Now())
		delivery.Header.Set("Accept", "text/xml")

		resp := deliver(t, hookURL, delivery)
		if resp.Status != http.StatusOK || string(resp.Body) != twilio.EmptyTwiML || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") {
			t.Fatalf("incoming SMS: %d %s %s", resp.Status, resp.Header.Get("Content-Type"), resp.Body)
		}
		// The answer is TwiML, so the run is found by its id: (account,
		// definition, MessageSid).
		if data := waitRun(t, s, fmt.Sprintf("acme/%s/SM1f0e8ae6ade43cb3c0ce4525424e404f", def["id"])); data["from"] != "+14155552671" {
			t.Errorf("run data %v", data)
		}

		// Signed for another URL (a proxy rewrote it, or a replay elsewhere).
		moved := twiliotest.New(t).SignWebhook("incoming_sms", sms, authToken, hooks+connID+"/incoming_sms", time.Now())
		if resp := deliver(t, hookURL, moved); resp.Status != http.StatusUnauthorized {
			t.Errorf("signed for another URL: %d %s", resp.Status, resp.Body)
		}
	})

	t.Run("woocommerce ping and order_updated", func(t *testing.T) {
		const secret = "wc-webhook-secret-northwind"
		connID := createConnection(t, api, `{"app":"woocommerce","authKind":"basic","fields":{"username":"ck_1","password":"cs_1","webhook_secret":"`+secret+`"},
		  "properties":{"store_url":"https://store.example"}}`)
		createDefinition(t, s, "acme", []byte(`{"trigger":"woocommerce.order_updated","triggerConnection":"`+connID+`","status":"enabled",
		  "definition":{"name":"Order status","steps":[{"id":"note","stepType":"SetVariables","inputs":{"status":"{{data.payload.status}}"}}]}}`))
		hookURL := hooks + connID + "/order_updated"
		// WooCommerce pings a new webhook, unsigned.
		if resp := call(t, http.MethodPost, hookURL, []byte("webhook_id=12"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); resp.Status != http.StatusOK {
			t.Errorf("ping: %d %s", resp.Status, resp.Body)
		}
		signer := woocommercetest.New(t)
		var runIDs []string
		for _, status := range []string{"processing", "completed"} {
			d := signer.SignWebhook("order_updated", []byte(`{"id":727,"status":"`+status+`"}`), secret, hookURL, time.Now())
			resp := deliver(t, hookURL, d)
			var got webhookResult
			resp.decode(t, &got)
			if resp.Status != http.StatusOK || len(got.Events) != 1 || len(got.Events[0].Runs) != 1 {
				t.Fatalf("order %s: %d %s", status, resp.Status, resp.Body)
			}
			data := waitRun(t, s, got.Events[0].Runs[0].TemporalWorkflowID)
			if data["status"] != status {
				t.Errorf("run data %v, want status %s", data, status)
			}
			runIDs = append(runIDs, got.Events[0].Runs[0].RunID)
		}
		// Two updates of one order are two events (by delivery id), not one.
		if runIDs[0] == runIDs[1] {
			t.Errorf("two updates of order 727 made one run")
		}
	})
}
