package egress_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/junction-run/junction/egress"
)

// BenchmarkRoundTrip compares one JSON call made the way connectors made
// them before egress (their own `do`: marshal, NewRequest, Do, ReadAll of
// a LimitReader, Unmarshal) with egress.JSON and egress.Do, against an
// httptest server on loopback, over the same pooled transport.
func BenchmarkRoundTrip(b *testing.B) {
	answer := []byte(`{"id": 1001, "name": "#1001", "line_items": [{"sku": "X1", "quantity": 2}]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	defer srv.Close()
	c := egress.NewClient(egress.Options{Allow: loopback})
	hc := &http.Client{Transport: c.Transport()}
	in := map[string]any{"order": map[string]any{"note": "gift"}}
	type order struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}

	b.Run("before: a connector's own do", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw, err := json.Marshal(in)
			if err != nil {
				b.Fatal(err)
			}
			req, err := http.NewRequestWithContext(b.Context(), http.MethodPost, srv.URL+"/orders.json", bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(io.LimitReader(resp.Body, egress.DefaultMaxBodyBytes))
			_ = resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			var out order
			if err := json.Unmarshal(body, &out); err != nil || out.ID != 1001 {
				b.Fatal(out, err)
			}
		}
	})
	b.Run("egress.JSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out order
			if _, err := c.JSON(b.Context(), hc, egress.Request{Method: http.MethodPost, URL: srv.URL + "/orders.json", JSON: in}, &out); err != nil || out.ID != 1001 {
				b.Fatal(out, err)
			}
		}
	})
	b.Run("egress.Do", func(b *testing.B) {
		b.ReportAllocs()
		body := []byte(`{"order":{"note":"gift"}}`)
		for b.Loop() {
			if _, err := c.Do(b.Context(), nil, egress.Request{Method: http.MethodPost, URL: srv.URL + "/orders.json", Body: body}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
