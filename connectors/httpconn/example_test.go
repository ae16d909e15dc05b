package httpconn_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/junction-run/junction/connectors/httpconn"
)

// A ticket comment sent the way an EddyDesk webhook is configured: POST,
// a URL with the rendered ticket id, a JSON body, and the answer written
// into fields.
func ExampleDo() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"data": {"id": 5521, "ticket_id": 42, "tags": ["sms", "vip"]}}`)
	}))
	defer srv.Close()

	resp, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{
		Method: "POST",
		URL:    srv.URL + "/api/v2/tickets/42/comments/",
		Body:   map[string]any{"text": "Клієнт відповів у підзаявці", "user_id": 7},
		Extract: map[string]string{
			"commentId": "$.data.id",
			"tags":      "$.data.tags[*]",
			"missing":   "$.data.author",
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status, resp.Extracted["commentId"], resp.Extracted["tags"], resp.Extracted["missing"])
	// Output: 201 5521 [sms vip] <nil>
}

// A failed call gives a *StatusError that says whether a retry may help.
func ExampleStatusError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"ok": false, "description": "Too Many Requests"}`)
	}))
	defer srv.Close()

	_, err := httpconn.Do(context.Background(), srv.Client(), httpconn.Request{Method: "GET", URL: srv.URL})
	var se *httpconn.StatusError
	if errors.As(err, &se) {
		fmt.Println(se.Status, se.Retryable(), se.RetryAfter, se.Body)
	}
	// Output: 429 true 30s {"ok": false, "description": "Too Many Requests"}
}
