package workflows

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/junction-run/junction/runs"
)

// TestJSONSizeIsMarshalsLength: the bounds decide whether a run fails, so
// jsonSize must measure exactly what json.Marshal writes.
func TestJSONSizeIsMarshalsLength(t *testing.T) {
	values := []any{
		nil, true, 0, -1.5, 1e21, 123456789.125, math.MaxInt64, "", "<a & b>", "é\u2028\xff", json.Number("12"),
		[]any{1, "two", nil, map[string]any{"x": []any{}}},
		map[string]any{"z": 1, "a": "<script>", "m": map[string]any{"k": 3.25}},
		runs.StepLog{ID: "s#1", StepName: "s", StartedAt: time.Date(2026, 12, 7, 1, 2, 3, 4, time.UTC), Inputs: map[string]any{"u": "https://x/?a=1&b=2"}},
		json.RawMessage(` { "spaced" : [ 1 , 2 ] } `),
	}
	for _, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonSize(v); got != len(b) {
			t.Errorf("jsonSize(%#v) = %d, json.Marshal wrote %d bytes", v, got, len(b))
		}
	}
	if got := jsonSize(math.NaN()); got != 0 {
		t.Errorf("jsonSize(NaN) = %d, want 0 for a value that does not encode", got)
	}
}
