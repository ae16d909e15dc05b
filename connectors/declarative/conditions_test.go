package declarative_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/junction-run/junction/connectors"
)

// filteredApp is itemsApp with one unsigned trigger, item_changed, with
// the extra fields given (eventTypePath, eventTypes, conditions, ...).
func filteredApp(t *testing.T, extra string) connectors.Webhook {
	t.Helper()
	var doc, trigger, more map[string]any
	if err := json.Unmarshal([]byte(itemsApp), &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"id": "item_changed", "name": "Item changed", "kind": "webhook",
		"description": "An item changed.",
		"payload": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
		"samplePayload": {"id": 42, "type": "item.changed", "item": {"state": "open", "price": 10}},
		"eventIdPath": "/id", "signature": {"scheme": "none"}}`), &trigger); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(extra), &more); err != nil {
		t.Fatal(err)
	}
	for k, v := range more {
		trigger[k] = v
	}
	doc["triggers"] = []any{trigger}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return hookOf(t, itemsWith(t, string(b)))
}

// TestEventTypesAndConditions: a delivery about the trigger starts an
// event; one of another type, or that fails a condition, is acknowledged
// and makes none, even without an event id; a body that is not a JSON
// object is a payload error.
func TestEventTypesAndConditions(t *testing.T) {
	const (
		byType       = `{"eventTypePath": "/type", "eventTypes": ["item.changed", "item.created"]}`
		byTypeHeader = `{"eventTypeHeader": "X-Items-Event", "eventTypes": ["item.changed"]}`
		byNumberType = `{"eventTypePath": "/kind", "eventTypes": ["7"], "samplePayload": {"id": 1, "kind": 7}}`
		byConditions = `{"conditions": [{"path": "/item/state", "in": ["open", "reopened"]}, {"path": "/item/price", "equals": 10.0},
		                                 {"path": "/item/deleted_at", "exists": false}, {"header": "X-Items-Source", "equals": "api"}]}`
		byExistence = `{"conditions": [{"path": "/item", "exists": true}]}`
	)
	open := `{"id": 42, "type": "item.changed", "item": {"state": "open", "price": 10}}`
	for _, tc := range []struct {
		name, trigger, body string
		header              map[string]string
		events              int
		payloadError        bool
	}{
		{"a listed type", byType, open, nil, 1, false},
		{"the other listed type", byType, `{"id": 43, "type": "item.created"}`, nil, 1, false},
		{"another type", byType, `{"id": 44, "type": "item.deleted"}`, nil, 0, false},
		{"another type without an id", byType, `{"type": "ping"}`, nil, 0, false},
		{"no type", byType, `{"id": 45}`, nil, 0, false},
		{"a type that is not text", byType, `{"id": 46, "type": {"name": "item.changed"}}`, nil, 0, false},
		{"a listed type, no id", byType, `{"type": "item.changed"}`, nil, 0, true},
		{"not an object", byType, `["item.changed"]`, nil, 0, true},
		{"the type in a header", byTypeHeader, `{"id": 47}`, map[string]string{"X-Items-Event": "item.changed"}, 1, false},
		{"another type in the header", byTypeHeader, `{"id": 48}`, map[string]string{"X-Items-Event": "item.deleted"}, 0, false},
		{"no type header", byTypeHeader, `{"id": 49}`, nil, 0, false},
		{"a number as the type", byNumberType, `{"id": 50, "kind": 7}`, nil, 1, false},
		{"every condition holds", byConditions, open, map[string]string{"X-Items-Source": "api"}, 1, false},
		{"the other state", byConditions, `{"id": 51, "item": {"state": "reopened", "price": 10}}`, map[string]string{"X-Items-Source": "api"}, 1, false},
		{"another state", byConditions, `{"id": 52, "item": {"state": "closed", "price": 10}}`, map[string]string{"X-Items-Source": "api"}, 0, false},
		{"another price", byConditions, `{"id": 53, "item": {"state": "open", "price": 11}}`, map[string]string{"X-Items-Source": "api"}, 0, false},
		{"the price as text", byConditions, `{"id": 54, "item": {"state": "open", "price": "10"}}`, map[string]string{"X-Items-Source": "api"}, 0, false},
		{"deleted", byConditions, `{"id": 55, "item": {"state": "open", "price": 10, "deleted_at": "2026-03-02T10:15:00Z"}}`, map[string]string{"X-Items-Source": "api"}, 0, false},
		{"deleted_at null", byConditions, `{"id": 56, "item": {"state": "open", "price": 10, "deleted_at": null}}`, map[string]string{"X-Items-Source": "api"}, 1, false},
		{"another source", byConditions, open, map[string]string{"X-Items-Source": "ui"}, 0, false},
		{"no source", byConditions, open, nil, 0, false},
		{"an item", byExistence, open, nil, 1, false},
		{"no item", byExistence, `{"id": 57}`, nil, 0, false},
		{"a null item", byExistence, `{"id": 58, "item": null}`, nil, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			got, err := filteredApp(t, tc.trigger).Receive(connectors.Delivery{Header: h, Body: []byte(tc.body)})
			switch {
			case tc.payloadError:
				if !errors.Is(err, connectors.ErrWebhookPayload) {
					t.Errorf("error %v, want ErrWebhookPayload", err)
				}
			case err != nil:
				t.Errorf("error %v", err)
			case len(got.Events) != tc.events:
				t.Errorf("%d events, want %d", len(got.Events), tc.events)
			case got.Answer != nil:
				t.Errorf("answer %+v: a filtered delivery gets the gateway's usual answer", got.Answer)
			}
		})
	}
}

// A signature is checked before the filter: a forged delivery of another
// type is refused, not acknowledged.
func TestSignatureBeforeFilter(t *testing.T) {
	hook := filteredApp(t, `{"eventTypePath": "/type", "eventTypes": ["item.changed"], "signature": {"scheme": "token", "header": "X-Token"}}`)
	h := http.Header{}
	h.Set("X-Token", "guess")
	_, err := hook.Receive(connectors.Delivery{Header: h, Body: []byte(`{"id": 1, "type": "item.deleted"}`), Secrets: []string{"tok"}})
	if !errors.Is(err, connectors.ErrWebhookSignature) {
		t.Errorf("error %v, want ErrWebhookSignature", err)
	}
}
