package connectors

import (
	"encoding/json"
	"strings"
	"testing"
)

// benchOrderSchema is Shopify's order payload schema (connectors/shopify,
// orders_create), which every order event is checked against.
const benchOrderSchema = `{"description":"A Shopify order, as the REST Admin API represents it; only the fields most steps use are described, and Shopify sends many more.","type":"object","properties":{"admin_graphql_api_id":{"description":"The order's GraphQL id, gid://shopify/Order/\u003cid\u003e.","type":"string"},"created_at":{"description":"When the order was created.","type":"string","format":"date-time"},"currency":{"description":"The ISO 4217 code of the shop currency.","type":"string"},"email":{"description":"The customer's email address.","type":["string","null"]},"financial_status":{"description":"pending, authorized, partially_paid, paid, partially_refunded, refunded or voided.","type":["string","null"]},"fulfillment_status":{"description":"null (unfulfilled), partial, fulfilled or restocked.","type":["string","null"]},"id":{"description":"Shopify's id for the order.","type":"integer"},"line_items":{"description":"The ordered items.","type":"array","items":{"type":"object","properties":{"id":{"type":"integer"},"price":{"type":"string"},"product_id":{"type":["integer","null"]},"quantity":{"type":"integer"},"sku":{"type":["string","null"]},"title":{"type":"string"},"variant_id":{"type":["integer","null"]}}}},"name":{"description":"The order's name as the shop shows it, e.g. #1001.","type":"string"},"note":{"description":"The order's note.","type":["string","null"]},"note_attributes":{"description":"Extra name/value pairs on the order.","type":"array","items":{"type":"object"}},"order_number":{"description":"The order's number, e.g. 1001.","type":"integer"},"phone":{"description":"The customer's phone number.","type":["string","null"]},"tags":{"description":"The order's tags, comma-separated.","type":"string"},"total_price":{"description":"The total, as a decimal string.","type":"string"},"updated_at":{"description":"When the order was last changed.","type":"string","format":"date-time"}},"required":["id","created_at"]}`

// benchOrderPayload is that trigger's sample payload.
const benchOrderPayload = `{
	"id": 450789469,
	"admin_graphql_api_id": "gid://shopify/Order/450789469",
	"name": "#1001",
	"order_number": 1001,
	"email": "bob.norman@mail.example.com",
	"phone": null,
	"financial_status": "paid",
	"fulfillment_status": null,
	"currency": "USD",
	"total_price": "598.94",
	"tags": "imported",
	"note": null,
	"note_attributes": [{"name": "colour", "value": "red"}],
	"line_items": [{"id": 466157049, "variant_id": 39072856, "product_id": 632910392, "title": "IPod Nano - 8gb",
	                "sku": "IPOD2008GREEN", "quantity": 1, "price": "199.00"}],
	"created_at": "2026-03-02T10:15:00-05:00",
	"updated_at": "2026-03-02T10:20:00-05:00"
}`

// github.com/santhosh-tekuri/jsonschema/v6 v6.0.3 was tried for the
// validation half of schema.go (Schema, its strict parsing and Check stay
// Junction's), with compiled schemas cached per *Schema and its errors
// mapped back to Mismatch kinds, messages, pointers and order, and {{ }}
// values skipped by filtering its error tree. It passed the tests but was
// slower here (Validate of the valid payload 1.7x, of the invalid one
// 1.1-2.2x, Mismatches 3.8x, ParseSchema plus a first Validate 5.5x, about
// twice the allocations), so the hand-written walker stays.
//
// BenchmarkSchema measures schema checks where Junction makes them: Validate
// on every action input and trigger event (a valid one, and one with three
// mismatches), Mismatches when a definition is saved (with {{ }} values
// skipped), and ParseSchema plus a first Validate, as at registration.
func BenchmarkSchema(b *testing.B) {
	s := MustSchema(benchOrderSchema)
	valid := []byte(benchOrderPayload)
	invalid := []byte(strings.NewReplacer(`"id": 450789469`, `"id": "450789469"`, `"quantity": 1`, `"quantity": 1.5`, `"created_at"`, `"created"`).Replace(benchOrderPayload))
	if err := s.Validate(valid); err != nil {
		b.Fatal(err)
	}
	if err := s.Validate(invalid); err == nil || strings.Count(err.Error(), "\n") != 2 {
		b.Fatalf("want three mismatches, got %v", err)
	}
	var saved any
	if err := json.Unmarshal([]byte(strings.NewReplacer(`450789469,`, `"{{data.id}}",`, `"#1001"`, `"{{data.name}}"`).Replace(benchOrderPayload)), &saved); err != nil {
		b.Fatal(err)
	}
	template := func(v any) bool {
		str, ok := v.(string)
		return ok && strings.Contains(str, "{{")
	}
	b.Run("op=Validate/doc=valid", func(b *testing.B) {
		for b.Loop() {
			if err := s.Validate(valid); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=Validate/doc=invalid", func(b *testing.B) {
		for b.Loop() {
			if err := s.Validate(invalid); err == nil {
				b.Fatal("no error")
			}
		}
	})
	b.Run("op=Mismatches/doc=templates", func(b *testing.B) {
		for b.Loop() {
			if ms := s.Mismatches(saved, template); len(ms) != 0 {
				b.Fatal(ms)
			}
		}
	})
	b.Run("op=ParseSchema+Validate", func(b *testing.B) {
		for b.Loop() {
			s, err := ParseSchema([]byte(benchOrderSchema))
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Validate(valid); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// github.com/go-openapi/jsonpointer v0.23.1 was tried for Pointer and
// passed the tests, but its reflection-based Get made the lookup itself
// 4-5x slower and added 7 to 14 allocations a call, so Pointer keeps its own
// loop.
//
// BenchmarkPointer measures Pointer as a webhook trigger uses it: the
// event's id read from its payload through IDPointer.
func BenchmarkPointer(b *testing.B) {
	payload := []byte(benchOrderPayload)
	for _, p := range []string{"/id", "/line_items/0/sku"} {
		b.Run("pointer="+p, func(b *testing.B) {
			for b.Loop() {
				if _, err := Pointer(payload, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
