package bench

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/definition"
)

func TestReplyDefinitionIsValidAndQuotesTheMessage(t *testing.T) {
	b, err := json.Marshal(replyDefinition())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := definition.Parse(b); err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	raw, err := inboundSMSBody("bench-1-7", convSender(7, false), "bench-1-7")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	v, err := definition.RenderString(convReplyText, definition.Env{Data: env})
	if err != nil {
		t.Fatal(err)
	}
	if v != convReplyPre+"bench-1-7" {
		t.Errorf("reply text %q", v)
	}
}

// The fake answers 8x8's own client as 8x8 does, and its verdict tells a
// lost, a duplicated and a misrouted reply apart.
func TestSMSFakeServesTheClientAndCounts(t *testing.T) {
	f, err := StartSMSFake()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	send := func(c *eightbyeight.Client, to, text string) {
		t.Helper()
		res, err := c.SendSMS(ctx, convSubAccount, eightbyeight.SMSMessage{Destination: to, Source: convOwnNumber, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if res.UMID == "" || res.Status != "QUEUED" {
			t.Errorf("answer %+v", res)
		}
	}
	c := eightbyeight.NewClient(SMSAPIConfig(f.URL))
	sent := time.Now()
	send(c, convSender(1, false), "re: a")
	send(c, convSender(2, false), "re: b")
	send(c, convSender(2, false), "re: b")
	send(c, convSender(9, false), "re: c") // to the wrong sender
	send(c, convSender(4, false), "re: other")
	bad := eightbyeight.NewClient(eightbyeight.Config{SMSBaseURL: f.URL, APIKey: "wrong"})
	if _, err := bad.SendSMS(ctx, convSubAccount, eightbyeight.SMSMessage{Destination: convSender(1, false), Text: "re: x"}); err == nil {
		t.Error("a wrong key was accepted")
	}
	exp := []expectedReply{
		{Text: "re: a", To: convSender(1, false), SentAt: sent},
		{Text: "re: b", To: convSender(2, false), SentAt: sent},
		{Text: "re: c", To: convSender(3, false), SentAt: sent},
		{Text: "re: d", To: convSender(4, false), SentAt: sent},
	}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if f.WaitFor(wctx, replyTexts(exp)) {
		t.Error("WaitFor saw a reply that never came")
	}
	v := f.Verdict(exp)
	want := ReplyVerdict{Expected: 4, Replied: 2, Duplicated: 1, Lost: 1, Misrouted: 1, Other: 1, Requests: 6, Rejected: 1}
	if v.Expected != want.Expected || v.Replied != want.Replied || v.Duplicated != want.Duplicated || v.Lost != want.Lost ||
		v.Misrouted != want.Misrouted || v.Other != want.Other || v.Requests != want.Requests || v.Rejected != want.Rejected {
		t.Errorf("verdict %+v, want %+v", v, want)
	}
	if v.ExactlyOnce() || v.Latency.Count != 3 {
		t.Errorf("exactly once %v, latencies %d", v.ExactlyOnce(), v.Latency.Count)
	}
}

func TestIntakeTally(t *testing.T) {
	tally := newIntakeTally()
	tally.add([]byte(`{"eventId":"a","runs":[{"runId":"r1"}],"conversation":{"id":"c1"}}`))
	tally.add([]byte(`{"eventId":"b","runs":[{"runId":"r2"}],"conversation":{"id":"c1"}}`))
	tally.add([]byte(`{"eventId":"c","runs":[]}`))
	tally.add([]byte(`not json`))
	c := tally.count()
	if c.OneRun != 2 || c.NoRun != 1 || c.Unreadable != 1 || c.DistinctRuns != 2 || c.Conversations != 1 {
		t.Errorf("count %+v", c)
	}
}
