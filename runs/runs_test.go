package runs_test

import (
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/runs"
)

func TestQuery(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	for _, tc := range []struct {
		name  string
		query *runs.Query
		want  string
	}{
		{"account", runs.Runs("acme"), "JunctionAccountId = 'acme'"},
		{"quote in a value stays a value", runs.Runs("a' OR 'x' = 'x"), `JunctionAccountId = 'a\' OR \'x\' = \'x'`},
		{"backslash is escaped first", runs.Runs(`a\' OR 1=1 --`), `JunctionAccountId = 'a\\\' OR 1=1 --'`},
		{"definition, version and status",
			runs.Runs("acme").Is(runs.DefinitionIDKey, "d1").IsInt(runs.DefinitionVersionKey, 3).Status("Running"),
			"JunctionAccountId = 'acme' AND JunctionDefinitionId = 'd1' AND JunctionDefinitionVersion = 3 AND ExecutionStatus = 'Running'"},
		{"in", runs.Runs("acme").In(runs.AwaitingReplyKey, "sms:1", "whatsapp:'2"),
			`JunctionAccountId = 'acme' AND JunctionAwaitingReply IN ('sms:1', 'whatsapp:\'2')`},
		{"in nothing matches nothing", runs.Runs("acme").In(runs.AwaitingReplyKey), "JunctionAccountId = 'acme' AND 1 = 0"},
		{"unset and several statuses", new(runs.Query).Unset(runs.RunStatusKey).Status("Failed", "TimedOut"),
			"JunctionRunStatus IS NULL AND ExecutionStatus IN ('Failed', 'TimedOut')"},
		{"start times in UTC", new(runs.Query).StartedFrom(at).StartedBefore(at).StartedBy(at),
			"StartTime >= '2026-01-02T02:04:05Z' AND StartTime < '2026-01-02T02:04:05Z' AND StartTime <= '2026-01-02T02:04:05Z'"},
		{"zero value matches everything", new(runs.Query), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.query.String(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestStartOptionsAgree holds the two ways a run of an event starts (intake
// through the client, the poll workflow as a child) to the same id, queue,
// duplicate rule, search attributes, memo and summary.
func TestStartOptionsAgree(t *testing.T) {
	in := runs.RunInput{AccountID: "acme", SubAccountID: "sub", DefinitionID: "d1", Version: 2, Name: "Orders",
		Trigger: "shopify.new_orders", EventID: "1001", TriggeredAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	summary := runs.RunSummary(in, "item", "1001")
	if summary != "Orders (v2), shopify.new_orders item 1001" {
		t.Errorf("summary %q", summary)
	}
	c, w := runs.StartOptions(in, summary), runs.ChildStartOptions(in, summary)
	if c.ID != "acme/d1/1001" || w.WorkflowID != c.ID {
		t.Errorf("ids %q and %q", c.ID, w.WorkflowID)
	}
	if c.TaskQueue != runs.TaskQueue || w.TaskQueue != runs.TaskQueue {
		t.Errorf("task queues %q and %q", c.TaskQueue, w.TaskQueue)
	}
	if c.WorkflowIDReusePolicy != w.WorkflowIDReusePolicy || c.StaticSummary != w.StaticSummary {
		t.Errorf("reuse policy or summary differ")
	}
	if c.Memo[runs.MemoTriggeredAt] != "2026-01-02T03:04:05.000000006Z" || w.Memo[runs.MemoTriggeredAt] != c.Memo[runs.MemoTriggeredAt] {
		t.Errorf("memos %v and %v", c.Memo, w.Memo)
	}
	if c.TypedSearchAttributes.Size() != 6 || w.TypedSearchAttributes.Size() != 6 {
		t.Fatalf("search attributes %d and %d, want 6", c.TypedSearchAttributes.Size(), w.TypedSearchAttributes.Size())
	}
	for _, attrs := range []temporal.SearchAttributes{c.TypedSearchAttributes, w.TypedSearchAttributes} {
		account, _ := attrs.GetKeyword(runs.AccountIDKey)
		sub, _ := attrs.GetKeyword(runs.SubAccountIDKey)
		def, _ := attrs.GetKeyword(runs.DefinitionIDKey)
		version, _ := attrs.GetInt64(runs.DefinitionVersionKey)
		trigger, _ := attrs.GetKeyword(runs.TriggerKey)
		apps, _ := attrs.GetKeywordList(runs.AppKey)
		if account != "acme" || sub != "sub" || def != "d1" || version != 2 || trigger != "shopify.new_orders" || !slices.Equal(apps, []string{"shopify"}) {
			t.Errorf("search attributes %s %s %s %d %s %v", account, sub, def, version, trigger, apps)
		}
	}
}

func TestEventWorkflowKey(t *testing.T) {
	// A safe id is kept; any other is hashed to a safe, stable key.
	for _, id := range []string{"order-1001", "gid://shopify/Order/1", "a b", ""} {
		got := runs.EventWorkflowKey(id)
		if runs.ValidEventID(id) != (got == id) {
			t.Errorf("%q: key %q", id, got)
		}
		if !runs.ValidEventID(got) {
			t.Errorf("%q: key %q is not itself a valid event id", id, got)
		}
		if runs.EventWorkflowKey(id) != got {
			t.Errorf("%q: key is not stable", id)
		}
	}
}

func TestControlRequestValidate(t *testing.T) {
	for action, ok := range map[string]bool{"suspend": true, "resume": true, "": false, "stop": false} {
		if err := (runs.ControlRequest{Action: action}).Validate(); (err == nil) != ok {
			t.Errorf("%q: %v", action, err)
		}
	}
}

func TestConversationKey(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   string
	}{
		{[]string{"C123", "1355517523.000005"}, "C123/1355517523.000005"},
		{[]string{"+6591234567", "sms"}, "+6591234567/sms"},
		{[]string{"a/b", "c"}, "a%2Fb/c"},
		{[]string{"a", "b/c"}, "a/b%2Fc"},
		{[]string{"100%", "x"}, "100%25/x"},
	} {
		if got := runs.ConversationKey(tc.values...); got != tc.want {
			t.Errorf("ConversationKey(%q) = %q, want %q", tc.values, got, tc.want)
		}
	}
}
