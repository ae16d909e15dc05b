package runs_test

import (
	"slices"
	"testing"

	"github.com/junction-run/junction/runs"
)

func TestStepSummaryHeads(t *testing.T) {
	for _, tc := range []struct {
		summary string
		want    []string
	}{
		{runs.StepSummary("notify#3", "HttpRequest"), []string{"notify#3"}},
		{runs.StepSummary("notify#3", "HttpRequest") + ", item 2 of each", []string{"notify#3"}},
		// Step ids are free text: the reader tries every head.
		{runs.StepSummary("call (backup)#7", "shopify.update_order"), []string{"call", "call (backup)#7"}},
		{runs.StepSummary("post#12", "http.call") + ", item 0 of split (by region)", []string{"post#12", "post#12 (http.call), item 0 of split"}},
		// Written before summaries named log entries: the step id.
		{"post (http.call), item 0 of each", []string{"post"}},
		{"no type at all", nil},
		{"", nil},
	} {
		if got := slices.Collect(runs.StepSummaryHeads(tc.summary)); !slices.Equal(got, tc.want) {
			t.Errorf("StepSummaryHeads(%q) = %q, want %q", tc.summary, got, tc.want)
		}
	}
}
