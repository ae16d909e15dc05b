package devstack_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/runs"
)

// The reply race, 100 times in a row: a reply sent the instant a run
// reports that it waits for it resumes that run and starts none. Before
// the reply registry, intake found waiting runs through Temporal's
// visibility store only, which may not show a run that has just begun to
// wait: the reply then started a new run (issue 15).
func TestReplyRightAfterTheRunWaits(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	createDefinition(t, s, "acme", []byte(`{"trigger": "inbound_sms", "status": "enabled", "definition": {"name": "asks and waits", "steps": [
		{"id": "ask", "stepType": "WaitForReply", "inputs": {"from": "{{ data.payload.source }}", "channel": "sms", "timeout": "1h"},
		 "outputs": {"answer": "{{ step.reply.payload.body }}"}}]}}`))
	for i := range 100 {
		from := fmt.Sprintf("+659%07d", i)
		started := raise(t, s, "inbound_sms", inboundSMS(fmt.Sprintf("race-start-%d", i), from, "order status?"))
		if len(started.Runs) != 1 {
			t.Fatalf("round %d: the first message started %+v", i, started.Runs)
		}
		run := started.Runs[0]
		waitFor(t, "the run to report it waits", 10*time.Second, func() bool {
			v, err := s.Client.QueryWorkflow(t.Context(), run.TemporalWorkflowID, "", runs.StateQuery)
			if err != nil {
				return false
			}
			var st runs.RunState
			if err := v.Get(&st); err != nil || len(st.Log) == 0 {
				return false
			}
			return st.Log[len(st.Log)-1].Status == runs.StepWaitingForEvent
		})
		reply := raise(t, s, "inbound_sms", inboundSMS(fmt.Sprintf("race-reply-%d", i), from, "yes"))
		if len(reply.Runs) != 0 || len(reply.Resumed) != 1 || reply.Resumed[0].TemporalWorkflowID != run.TemporalWorkflowID || reply.Resumed[0].RunID != run.RunID {
			t.Fatalf("round %d: the reply started %d runs and resumed %+v, want the waiting run %s resumed",
				i, len(reply.Runs), reply.Resumed, run.TemporalWorkflowID)
		}
		if data := waitRun(t, s, run.TemporalWorkflowID); data["answer"] != "yes" {
			t.Fatalf("round %d: the run's answer %v", i, data["answer"])
		}
		if i == 0 {
			recordHistory(t, s, "wait_for_reply_registered", run.TemporalWorkflowID, run.RunID)
		}
	}
}
