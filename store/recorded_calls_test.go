package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func testCall(definitionID, workflowID, activityID string) RecordedCall {
	return RecordedCall{AccountID: "acme", DefinitionID: definitionID, WorkflowID: workflowID, ActivityID: activityID,
		StepID: "step_" + activityID, App: "acme_crm", Version: "1.0.0", Action: "create_contact",
		Record: []byte(`{"input": {"email": "grace@example.com"}, "activity": "` + activityID + `"}`)}
}

func mustRecord(t *testing.T, s *Store, c RecordedCall) {
	t.Helper()
	if err := s.RecordCall(context.Background(), c); err != nil {
		t.Fatalf("RecordCall(%s %s): %v", c.WorkflowID, c.ActivityID, err)
	}
}

func callKeys(cs []RecordedCall) []string {
	return pluck(cs, func(c RecordedCall) string { return c.WorkflowID + "#" + c.ActivityID })
}

func TestRecordCall(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustCreateAccount(t, s, "globex")

		mustRecord(t, s, testCall("def1", "acme/def1/e1", "5"))
		mustRecord(t, s, testCall("def1", "acme/def1/e1", "11"))
		mustRecord(t, s, testCall("def1", "acme/def1/e2", "5"))
		mustRecord(t, s, testCall("def2", "acme/def2/e1", "5"))
		other := testCall("def1", "globex/def1/e1", "5")
		other.AccountID = "globex"
		mustRecord(t, s, other)

		// A retried attempt replaces its record and keeps its place.
		retried := testCall("def1", "acme/def1/e1", "5")
		retried.Record, retried.Version = []byte(`{"attempt": 2}`), "1.0.1"
		mustRecord(t, s, retried)

		got, err := s.RecordedCalls(ctx, "acme", "def1", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"acme/def1/e2#5", "acme/def1/e1#5", "acme/def1/e1#11"}
		if keys := callKeys(got); !slices.Equal(keys, want) {
			t.Fatalf("RecordedCalls = %v, want the newest run first, calls in order: %v", keys, want)
		}
		first := got[1]
		if string(first.Record) != `{"attempt": 2}` || first.Version != "1.0.1" || first.StepID != "step_5" || first.App != "acme_crm" ||
			first.Action != "create_contact" || first.RecordedAt.IsZero() || first.RecordedAt.Location().String() != "UTC" {
			t.Errorf("the retried call reads %+v (record %s)", first, first.Record)
		}
		if !first.RecordedAt.Before(got[2].RecordedAt) {
			t.Errorf("the retried call's time %v moved past the run's next call's %v", first.RecordedAt, got[2].RecordedAt)
		}
		if got, err := s.RecordedCalls(ctx, "acme", "def1", 1); err != nil || !slices.Equal(callKeys(got), []string{"acme/def1/e2#5"}) {
			t.Errorf("the latest run alone: %v %v", callKeys(got), err)
		}
		if got, err := s.RecordedCalls(ctx, "globex", "def2", 10); err != nil || len(got) != 0 || got == nil {
			t.Errorf("another account's definition: %v %v, want an empty slice", got, err)
		}

		tests := []struct {
			name    string
			in      RecordedCall
			wantErr error
		}{
			{name: "no such account", in: func() RecordedCall { c := testCall("d", "w", "1"); c.AccountID = "nobody"; return c }(), wantErr: ErrNotFound},
			{name: "no workflow id", in: testCall("d", "", "1"), wantErr: ErrInvalid},
			{name: "no activity id", in: testCall("d", "w", ""), wantErr: ErrInvalid},
			{name: "no definition", in: testCall("", "w", "1"), wantErr: ErrInvalid},
			{name: "record not JSON", in: func() RecordedCall { c := testCall("d", "w", "1"); c.Record = []byte("{"); return c }(), wantErr: ErrInvalid},
			{name: "no record", in: func() RecordedCall { c := testCall("d", "w", "1"); c.Record = nil; return c }(), wantErr: ErrInvalid},
			{name: "record too large", in: func() RecordedCall {
				c := testCall("d", "w", "1")
				c.Record = []byte(`"` + string(make([]byte, maxRecordedBytes)) + `"`)
				return c
			}(), wantErr: ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := s.RecordCall(ctx, tt.in); !errors.Is(err, tt.wantErr) {
					t.Errorf("RecordCall = %v, want %v", err, tt.wantErr)
				}
			})
		}
		if _, err := s.RecordedCalls(ctx, "acme", "def1", 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("RecordedCalls of 0 runs = %v, want ErrInvalid", err)
		}

		if err := s.DeleteRecordedCalls(ctx, "acme", "def1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.RecordedCalls(ctx, "acme", "def1", 10); len(got) != 0 {
			t.Errorf("after DeleteRecordedCalls: %v", callKeys(got))
		}
		if got, _ := s.RecordedCalls(ctx, "acme", "def2", 10); len(got) != 1 {
			t.Errorf("another definition's calls went too: %v", callKeys(got))
		}
		if got, _ := s.RecordedCalls(ctx, "globex", "def1", 10); len(got) != 1 {
			t.Errorf("another account's calls went too: %v", callKeys(got))
		}
	})
}

// TestRecordedCallsKeepTheLatestRuns records calls of more runs than a definition keeps: the
// oldest runs go, all their calls with them, and other definitions keep theirs.
func TestRecordedCallsKeepTheLatestRuns(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, _ := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		mustRecord(t, s, testCall("other", "acme/other/e0", "5"))
		const runs = RecordedRunsKept + 3
		for i := range runs {
			wf := fmt.Sprintf("acme/def1/e%02d", i)
			mustRecord(t, s, testCall("def1", wf, "5"))
			mustRecord(t, s, testCall("def1", wf, "11"))
		}
		got, err := s.RecordedCalls(ctx, "acme", "def1", runs)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := runs - 1; i >= runs-RecordedRunsKept; i-- {
			wf := fmt.Sprintf("acme/def1/e%02d", i)
			want = append(want, wf+"#5", wf+"#11")
		}
		if keys := callKeys(got); !slices.Equal(keys, want) {
			t.Errorf("kept %v,\nwant the latest %d runs %v", keys, RecordedRunsKept, want)
		}
		if got, _ := s.RecordedCalls(ctx, "acme", "other", 10); len(got) != 1 {
			t.Errorf("another definition's calls: %v", callKeys(got))
		}
	})
}
