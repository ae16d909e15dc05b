package httpconn_test

import (
	"maps"
	"testing"

	"github.com/junction-run/junction/connectors/httpconn"
)

func TestWithIdempotencyKey(t *testing.T) {
	renamed, none := "X-Request-Key", ""
	for _, tc := range []struct {
		name    string
		headers map[string]string
		header  *string
		key     string
		want    map[string]string
	}{
		{"default header", nil, nil, "k1", map[string]string{"Idempotency-Key": "k1"}},
		{"kept beside the step's headers", map[string]string{"Accept": "a"}, nil, "k1", map[string]string{"Accept": "a", "Idempotency-Key": "k1"}},
		{"renamed", nil, &renamed, "k1", map[string]string{"X-Request-Key": "k1"}},
		{"turned off", map[string]string{"Accept": "a"}, &none, "k1", map[string]string{"Accept": "a"}},
		{"the step's own value wins, any case", map[string]string{"idempotency-key": "mine"}, nil, "k1", map[string]string{"idempotency-key": "mine"}},
		{"no key outside an activity", nil, nil, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(tc.headers)
			got := httpconn.WithIdempotencyKey(tc.headers, tc.header, tc.key)
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if !maps.Equal(tc.headers, before) {
				t.Error("the step's headers were changed in place")
			}
		})
	}
}
