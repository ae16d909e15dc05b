package httpconn_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
)

// The operator's maximum (connectors.Call.MaxResponseBytes) bounds what a
// definition's maxResponseBytes may ask for; within it the definition's
// value, or the default, holds.
func TestCallMaxResponseBytes(t *testing.T) {
	const size = 3000 // bytes of every answer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("a", size)))
	}))
	defer srv.Close()
	var call connectors.Action
	for _, a := range httpconn.Connector().Actions() {
		if a.Spec().ID == "call" {
			call = a
		}
	}
	tests := []struct {
		name     string
		asked    int64 // the step's maxResponseBytes
		operator int64 // the worker's maximum
		wantKind connectors.ErrorKind
	}{
		{"no maximum, the step asks for enough", size, 0, ""},
		{"the step asks for too little", size - 1, 0, connectors.BadRequest},
		{"the step asks for enough, within the maximum", size, size, ""},
		{"the step asks for more than the maximum, which is too small", 10 * size, size - 1, connectors.BadRequest},
		{"the step asks for nothing, the default is within the maximum", 0, 10 * size, ""},
		{"the step asks for nothing, the maximum is below the answer", 0, size - 1, connectors.BadRequest},
		{"a negative size is refused", -1, 0, connectors.BadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input, _ := json.Marshal(map[string]any{"method": "GET", "url": srv.URL, "maxResponseBytes": tt.asked})
			_, err := call.Run(context.Background(), connectors.Call{Input: input, HTTP: srv.Client(), MaxResponseBytes: tt.operator})
			var ce *connectors.Error
			switch {
			case tt.wantKind == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantKind != "" && (!errors.As(err, &ce) || ce.Kind != tt.wantKind):
				t.Fatalf("err = %v, want kind %s", err, tt.wantKind)
			case tt.wantKind != "" && tt.asked > 0 && tt.operator > 0 && !strings.Contains(err.Error(), strconv.FormatInt(tt.operator, 10)):
				t.Errorf("the error %q does not name the maximum", err)
			}
		})
	}
}
