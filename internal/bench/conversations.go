package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/definition"
)

// SystemConversations selects the conversations scenario: inbound SMS
// (issue 15) answered by a Reply step, on Junction as it ships.
const SystemConversations = "conversations"

// SMSAPIKey is the bearer key the SMS fake accepts, and the key the
// system under test's 8x8 client sends (serve -sms-api).
const SMSAPIKey = "bench-8x8-api-key"

// Numbers of the scenario: the number the senders write to (the reply's
// source), the 8x8 subaccount, and the reply template.
const (
	convOwnNumber  = "+6560000000"
	convSubAccount = "bench_sms"
	convReplyText  = "re: {{ data.payload.body }}"
	convReplyPre   = "re: "
)

// SMSAPIConfig points the worker's 8x8 client (the SMS and Reply steps) at
// the fake's loopback URL. The HTTP client is left to the worker: the
// egress client it ships with, which lets loopback through in dev.
func SMSAPIConfig(baseURL string) eightbyeight.Config {
	return eightbyeight.Config{SMSBaseURL: baseURL, APIKey: eightbyeight.Secret(SMSAPIKey)}
}

// ConversationsConfig is the conversations scenario. In one process: a
// baseline of N http_request events to the throughput scenario's
// definition (every event passing its condition), then N inbound SMS
// spread round-robin over Users senders (Users conversation workflows),
// each answered by a run of a one-step Reply definition through a
// loopback fake of 8x8's SMS API.
type ConversationsConfig struct {
	N           int
	Users       int
	Persistence string
	Concurrency int
	// MaxDuration caps each phase's load (both phases, so that the
	// baseline sends the same N).
	MaxDuration time.Duration
	// Timeout caps the whole scenario.
	Timeout time.Duration
}

// ConversationsResult is what the conversations scenario saw.
type ConversationsResult struct {
	Persistence string `json:"persistence"`
	N           int    `json:"n"`
	Users       int    `json:"users"`
	Concurrency int    `json:"concurrency"`
	// Baseline is the http_request load on the throughput scenario's
	// definition; Messages the inbound SMS, in the same process right
	// after it.
	Baseline PhaseResult  `json:"baseline"`
	Messages PhaseResult  `json:"messages"`
	Replies  ReplyVerdict `json:"replies"`
	// Intake is what the gateway's answers said: each message must start
	// exactly one run.
	Intake IntakeCount `json:"intake"`
	// RunsRatio is the messages' completed runs/s over the baseline's.
	RunsRatio float64  `json:"runsRatio"`
	SMSAPI    string   `json:"smsApi"`
	Notes     []string `json:"notes,omitempty"`
	Error     string   `json:"error,omitempty"`
}

// IntakeCount counts the gateway's 2xx answers to the messages by the runs
// they name.
type IntakeCount struct {
	// OneRun answers named exactly one started run; NoRun none (neither
	// started nor resumed); ManyRuns more than one; Resumed a resumed
	// run instead (no definition waits, so it must be 0).
	OneRun   int `json:"oneRun"`
	NoRun    int `json:"noRun"`
	ManyRuns int `json:"manyRuns"`
	Resumed  int `json:"resumed"`
	// DistinctRuns is the distinct run ids named; Conversations the
	// distinct conversation ids (one per sender).
	DistinctRuns  int `json:"distinctRuns"`
	Conversations int `json:"conversations"`
	Unreadable    int `json:"unreadable"`
}

// RunConversations runs the conversations scenario.
func (c Config) RunConversations(ctx context.Context, sink *Sink) (res ConversationsResult) {
	p := c.Conversations
	res = ConversationsResult{Persistence: p.Persistence, N: p.N, Users: p.Users, Concurrency: p.Concurrency}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	fake, err := StartSMSFake()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer fake.Close()
	res.SMSAPI = fake.URL + " (POST /api/v1/subaccounts/{subAccountId}/messages, 8x8's success answer)"

	measured := "one process: embedded Temporal server, Junction worker and gateway"
	if p.Persistence == PersistencePostgres {
		measured += " (PostgreSQL server not included)"
	}
	res.Baseline = PhaseResult{System: SystemConversations + " baseline (http_request)", Persistence: p.Persistence, N: p.N,
		Concurrency: p.Concurrency, Measured: measured}
	res.Messages = PhaseResult{System: SystemConversations + " (inbound_sms + Reply)", Persistence: p.Persistence, N: p.N,
		Concurrency: p.Concurrency, Measured: measured}
	fail := func(err error) ConversationsResult {
		res.Error = err.Error()
		return res
	}
	sut, err := c.startSUT(ctx, SystemConversations, p.Persistence, Setting{}, c.CPUProfile != "", "-sms-api", fake.URL)
	if err != nil && ctx.Err() == nil {
		// As startJunction: a free port can be taken in between.
		c.logf("%s on %s: %v; starting it again", SystemConversations, p.Persistence, err)
		sut, err = c.startSUT(ctx, SystemConversations, p.Persistence, Setting{}, c.CPUProfile != "", "-sms-api", fake.URL)
	}
	if err != nil {
		return fail(err)
	}
	defer sut.stop()
	api, err := sut.api(p.Concurrency)
	if err != nil {
		return fail(err)
	}

	// The baseline: the deliveries scenario's load, every event passing
	// the condition (each event starts a run, as each message does).
	if err := createDefinition(ctx, api.hc, api.gateway, api.apiKey, deliveriesAccount, throughputDefinition(sink.URL)); err != nil {
		return fail(err)
	}
	bc := c
	bc.USMod = 0
	bc.MaxDuration = p.MaxDuration
	bc.Deliveries = DeliveriesConfig{N: p.N, Concurrency: p.Concurrency, Persistence: p.Persistence}
	bc.deliveriesLoad(ctx, sut, api, sink, nil, &res.Baseline)
	// deliveriesLoad's note on the dev Vault: this process runs none.
	res.Baseline.Notes = slices.DeleteFunc(res.Baseline.Notes, func(n string) bool { return strings.Contains(n, "dev Vault") })
	res.Baseline.Notes = append(res.Baseline.Notes, "every event passes the condition (us-mod 0): each starts one run")
	locked := countInFile(sut.log, sqliteBusy)
	res.Baseline.Notes = append(res.Baseline.Notes, fmt.Sprintf("%q errors logged by the Temporal server: %d", sqliteBusy, locked))

	if ctx.Err() == nil {
		if err := createDefinition(ctx, api.hc, api.gateway, api.apiKey, deliveriesAccount, replyDefinition()); err != nil {
			res.Messages.Error = err.Error()
		} else {
			res.Replies, res.Intake = c.conversationsLoad(ctx, sut, api, fake, &res.Messages)
			res.Messages.Notes = append(res.Messages.Notes, fmt.Sprintf("%q errors logged by the Temporal server (warm-up included): %d",
				sqliteBusy, countInFile(sut.log, sqliteBusy)-locked))
		}
	}
	if b, m := res.Baseline.CompletedPerSec, res.Messages.CompletedPerSec; b > 0 && m > 0 {
		res.RunsRatio = m / b
	}
	if ctx.Err() != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("the scenario stopped at its cap of %s", p.Timeout))
	}
	c.logf("conversations: %.1f messages/s accepted, %.1f runs/s (baseline %.1f), reply p50 %.0f ms, lost %d, duplicated %d",
		res.Messages.AcceptedPerSec, res.Messages.CompletedPerSec, res.Baseline.CompletedPerSec, res.Replies.Latency.P50,
		res.Replies.Lost, res.Replies.Duplicated)
	return res
}

// sqliteBusy is what the embedded server logs when a write found SQLite
// locked (it retries): counted in the system under test's log.
const sqliteBusy = "database is locked"

// countInFile counts the lines of a file that contain s (-1: unreadable).
func countInFile(path, s string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// replyDefinition answers every inbound SMS with its own text prefixed.
func replyDefinition() map[string]any {
	return map[string]any{
		"trigger": definition.TriggerInboundSMS,
		"status":  "enabled",
		"definition": map[string]any{
			"name": "bench: reply to every SMS",
			"steps": []any{map[string]any{
				"id":       "answer",
				"stepType": "Reply",
				"inputs":   map[string]any{"text": convReplyText},
			}},
		},
	}
}

// convSender is the msisdn of sender u; warm-up senders are numbers of
// their own, so the measured phase starts its conversations itself.
func convSender(u int, warm bool) string {
	if warm {
		return fmt.Sprintf("+658%07d", u)
	}
	return fmt.Sprintf("+659%07d", u)
}

// convBody is the text of message id of a load: unique, and the umid too.
func convBody(prefix string, id int) string { return fmt.Sprintf("%s-%d", prefix, id) }

// inboundSMSBody is 8x8's inbound SMS webhook envelope.
func inboundSMSBody(umid, from, text string) ([]byte, error) {
	return json.Marshal(map[string]any{
		"namespace": "SMS", "eventType": "inbound_message_received", "description": "SMS inbound message",
		"payload": map[string]any{
			"umid": umid, "subAccountId": convSubAccount, "timestamp": time.Now().UTC().Format(time.RFC3339Nano),
			"source": from, "destination": convOwnNumber, "body": text, "encoding": "GSM7", "smsCount": 1,
		},
	})
}

// intakeAnswer is what the gateway answers a message with (intake.Result).
type intakeAnswer struct {
	Runs         []struct{ RunID string } `json:"runs"`
	Resumed      []json.RawMessage        `json:"resumed"`
	Conversation *struct{ ID string }     `json:"conversation"`
}

// intakeTally counts the gateway's answers (IntakeCount), safe for
// concurrent use.
type intakeTally struct {
	mu    sync.Mutex
	c     IntakeCount
	runs  map[string]bool
	convs map[string]bool
}

func newIntakeTally() *intakeTally {
	return &intakeTally{runs: map[string]bool{}, convs: map[string]bool{}}
}

func (t *intakeTally) add(body []byte) {
	var a intakeAnswer
	err := json.Unmarshal(body, &a)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.c.Unreadable++
		return
	}
	switch len(a.Runs) {
	case 0:
		t.c.NoRun++
	case 1:
		t.c.OneRun++
	default:
		t.c.ManyRuns++
	}
	if len(a.Resumed) > 0 {
		t.c.Resumed++
	}
	for _, r := range a.Runs {
		t.runs[r.RunID] = true
	}
	if a.Conversation != nil && a.Conversation.ID != "" {
		t.convs[a.Conversation.ID] = true
	}
}

func (t *intakeTally) count() IntakeCount {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.c
	c.DistinctRuns, c.Conversations = len(t.runs), len(t.convs)
	return c
}

// smsSender posts message ev.ID of a load as 8x8's inbound SMS webhook,
// from sender ev.ID mod users, with the body (and umid) convBody(prefix,
// ev.ID). The umid is the event id, as when 8x8 posts: no
// Idempotency-Key.
func (a junctionAPI) smsSender(prefix string, users int, warm bool, tally *intakeTally) (func(context.Context, Event) error, error) {
	target := a.account() + "/triggers/" + definition.TriggerInboundSMS
	if err := loopbackOnly(target); err != nil {
		return nil, err
	}
	return func(ctx context.Context, ev Event) error {
		text := convBody(prefix, ev.ID)
		body, err := inboundSMSBody(text, convSender(ev.ID%users, warm), text)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+a.apiKey)
		resp, err := a.hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if resp.StatusCode/100 != 2 {
			return &statusError{Status: resp.Status, Code: resp.StatusCode, Body: string(bytes.TrimSpace(b))}
		}
		if tally != nil {
			tally.add(b)
		}
		return nil
	}, nil
}

// expectedReplies are the replies the acknowledged messages of a load must
// get: text, destination (the sender) and send time.
func expectedReplies(prefix string, users int, lr LoadResult) []expectedReply {
	var out []expectedReply
	for i, ev := range lr.Events {
		if lr.Acked[i] {
			out = append(out, expectedReply{Text: convReplyPre + convBody(prefix, ev.ID), To: convSender(ev.ID%users, false),
				SentAt: time.UnixMicro(ev.SentAtMicros)})
		}
	}
	return out
}

type expectedReply struct {
	Text, To string
	SentAt   time.Time
}

func replyTexts(exp []expectedReply) []string {
	out := make([]string, len(exp))
	for i, e := range exp {
		out[i] = e.Text
	}
	return out
}

// conversationsLoad sends a warm-up (from senders of its own) and then N
// messages from Users senders round-robin, waits for every acknowledged
// message's reply at the fake, and fills res as the throughput scenario
// does: completed/s is replies over the time from the first send to the
// last reply, the end-to-end latency is message to reply.
func (c Config) conversationsLoad(ctx context.Context, sut *process, api junctionAPI, fake *SMSFake, res *PhaseResult) (ReplyVerdict, IntakeCount) {
	p := c.Conversations
	prefix := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	drain := max(c.DrainTimeout, 5*time.Minute)
	if c.Warmup > 0 {
		warmUsers := max(1, min(p.Users, c.Warmup/2))
		send, err := api.smsSender(prefix+"-warm", warmUsers, true, nil)
		if err != nil {
			res.Error = err.Error()
			return ReplyVerdict{}, IntakeCount{}
		}
		c.logf("%s on %s: warm-up, %d messages from %d senders", res.System, p.Persistence, c.Warmup, warmUsers)
		warm := Load{N: c.Warmup, Concurrency: min(p.Concurrency, 8), MaxDuration: p.MaxDuration, Send: send}.Run(ctx)
		wctx, cancel := context.WithTimeout(ctx, drain)
		var texts []string
		for i, ev := range warm.Events {
			if warm.Acked[i] {
				texts = append(texts, convReplyPre+convBody(prefix+"-warm", ev.ID))
			}
		}
		fake.WaitFor(wctx, texts)
		cancel()
		if warm.Errors > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("warm-up: %d of %d messages failed, first: %s", warm.Errors, warm.Sent, warm.FirstError))
		}
	}
	fake.Reset()
	tally := newIntakeTally()
	send, err := api.smsSender(prefix, p.Users, false, tally)
	if err != nil {
		res.Error = err.Error()
		return ReplyVerdict{}, IntakeCount{}
	}
	m, err := startMeter(sut.ready.PID)
	if err != nil {
		res.Error = err.Error()
		return ReplyVerdict{}, IntakeCount{}
	}
	profileDone := c.startProfile(ctx, sut, strings.Fields(res.System)[0], p.Persistence, min(p.MaxDuration, 30*time.Second))
	c.logf("%s on %s: %d messages from %d senders, %d at a time, at most %s", res.System, p.Persistence, p.N, p.Users, p.Concurrency, p.MaxDuration)
	lr := Load{N: p.N, Concurrency: p.Concurrency, MaxDuration: p.MaxDuration, Send: send}.Run(ctx)
	c.logf("%s on %s: %d accepted, %d errors in %.1fs; waiting for the replies (at most %s)", res.System, p.Persistence, lr.Accepted, lr.Errors, lr.Duration.Seconds(), drain)
	exp := expectedReplies(prefix, p.Users, lr)
	dctx, cancel := context.WithTimeout(ctx, drain)
	complete := fake.WaitFor(dctx, replyTexts(exp))
	cancel()
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	fake.quiet(qctx, time.Second) // late duplicates count too
	cancel()
	res.Usage = m.finish()
	res.Notes = append(res.Notes, profileDone()...)
	v := fake.Verdict(exp)
	res.Load, res.Ack, res.E2E = lr, lr.Ack, v.Latency
	res.LoadSeconds = lr.Duration.Seconds()
	if lr.Duration > 0 {
		res.AcceptedPerSec = float64(lr.Accepted) / lr.Duration.Seconds()
	}
	if replied := v.Replied + v.Duplicated; replied > 0 && v.LastReply.After(lr.Start) {
		res.CompletedPerSec = float64(replied) / v.LastReply.Sub(lr.Start).Seconds()
	}
	if lr.Accepted > 0 {
		res.CPUMsPerRun = res.Usage.CPUSeconds * 1000 / float64(lr.Accepted)
	}
	res.LoadAvg = loadAvg()
	res.Delivery = Delivery{Expected: v.Expected, Delivered: v.Replied, Duplicated: v.Duplicated, Missing: v.Lost,
		ExactlyOnce: v.ExactlyOnce() && complete, E2E: v.Latency, LastArrival: v.LastReply}
	if !complete {
		res.Notes = append(res.Notes, fmt.Sprintf("not every acknowledged message's reply arrived within %s", drain))
	}
	if lr.Errors > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d messages failed, first: %s", lr.Errors, lr.FirstError))
	}
	c.logf("%s on %s: %.1f accepted/s, %.1f runs/s", res.System, p.Persistence, res.AcceptedPerSec, res.CompletedPerSec)
	return v, tally.count()
}

// SMSFake is 8x8's SMS API as the Reply step calls it (eightbyeight's
// SendSMS): POST /api/v1/subaccounts/{subAccountId}/messages with a bearer
// key and a JSON SMS, answered 200 with 8x8's SmsResponse. It counts
// messages by text, so a reply is matched to its message. It listens on
// 127.0.0.1 only.
type SMSFake struct {
	URL string

	srv  *http.Server
	umid atomic.Int64

	mu     sync.Mutex
	byText map[string]*smsArrival
	// requests counts every request, rejected those answered other than
	// 200 (wrong key, path or body: must be 0).
	requests, rejected  int64
	lastReply, lastCall time.Time
}

type smsArrival struct {
	count int
	first time.Time
	// to and from are the first arrival's destination and source;
	// subAccount the path's.
	to, from, subAccount string
}

// StartSMSFake listens on a free loopback port.
func StartSMSFake() (*SMSFake, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := newSMSFake()
	f.URL = "http://" + ln.Addr().String()
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

func newSMSFake() *SMSFake { return &SMSFake{byText: map[string]*smsArrival{}} }

// Close stops the fake.
func (f *SMSFake) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = f.srv.Shutdown(ctx)
}

// smsError is 8x8's error body.
func smsError(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": message, "errorId": "bench", "timestamp": time.Now().UTC().Format(time.RFC3339)})
}

// ServeHTTP takes one SMS.
func (f *SMSFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	sub, ok := smsPath(r.URL.Path)
	var msg eightbyeight.SMSMessage
	switch {
	case !ok:
		f.reject(now)
		smsError(w, http.StatusNotFound, 1300, "Not found: "+r.URL.Path)
		return
	case r.Method != http.MethodPost:
		f.reject(now)
		smsError(w, http.StatusMethodNotAllowed, 1000, "Invalid parameter: method "+r.Method)
		return
	case r.Header.Get("Authorization") != "Bearer "+SMSAPIKey:
		f.reject(now)
		smsError(w, http.StatusUnauthorized, 1200, "Request was not authenticated properly")
		return
	case json.Unmarshal(raw, &msg) != nil || msg.Text == "" || msg.Destination == "":
		f.reject(now)
		smsError(w, http.StatusBadRequest, 1000, "Invalid parameter: destination and text are required")
		return
	}
	umid := fmt.Sprintf("bench-umid-%d", f.umid.Add(1))
	f.record(sub, msg, now)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"umid": umid, "clientMessageId": msg.ClientMessageID, "destination": msg.Destination, "encoding": "GSM7",
		"status": map[string]string{"code": "QUEUED", "description": "SMS is accepted and queued for processing"},
	})
}

// smsPath reads the subaccount of /api/v1/subaccounts/{id}/messages.
func smsPath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/api/v1/subaccounts/")
	if !ok {
		return "", false
	}
	sub, ok := strings.CutSuffix(rest, "/messages")
	return sub, ok && sub != "" && !strings.Contains(sub, "/")
}

func (f *SMSFake) reject(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	f.rejected++
	f.lastCall = now
}

func (f *SMSFake) record(sub string, msg eightbyeight.SMSMessage, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	f.lastCall, f.lastReply = now, now
	a := f.byText[msg.Text]
	if a == nil {
		a = &smsArrival{first: now, to: msg.Destination, from: msg.Source, subAccount: sub}
		f.byText[msg.Text] = a
	}
	a.count++
}

// Reset forgets everything received so far.
func (f *SMSFake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byText = map[string]*smsArrival{}
	f.requests, f.rejected = 0, 0
	f.lastReply, f.lastCall = time.Time{}, time.Time{}
}

// WaitFor waits until every text has arrived once, or ctx ends; it reports
// whether all did.
func (f *SMSFake) WaitFor(ctx context.Context, texts []string) bool {
	return waitFor(ctx, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, t := range texts {
			if f.byText[t] == nil {
				return false
			}
		}
		return true
	})
}

// quiet waits until no request has come for d (bounded by ctx).
func (f *SMSFake) quiet(ctx context.Context, d time.Duration) {
	waitFor(ctx, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return time.Since(f.lastCall) >= d
	})
}

// waitFor asks done every 100 ms until it says so, or ctx ends.
func waitFor(ctx context.Context, done func() bool) bool {
	return pollUntil(ctx, 100*time.Millisecond, done)
}

// pollUntil asks done every interval until it says so (true), or ctx
// ends (false).
func pollUntil(ctx context.Context, every time.Duration, done func() bool) bool {
	for {
		if done() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(every):
		}
	}
}

// ReplyVerdict is the fake's account of a load's replies.
type ReplyVerdict struct {
	// Expected is one reply per acknowledged message; Replied got exactly
	// one, Duplicated more than one, Lost none.
	Expected   int `json:"expected"`
	Replied    int `json:"replied"`
	Duplicated int `json:"duplicated"`
	Lost       int `json:"lost"`
	// Misrouted replies went to another number than the message's sender,
	// from another than the number written to, or through another
	// subaccount (must be 0).
	Misrouted int `json:"misrouted"`
	// Other are replies to no acknowledged message (a message whose post
	// failed may still have been taken).
	Other int `json:"other"`
	// Requests and Rejected count the fake's requests: all, and those it
	// refused (must be 0).
	Requests int64 `json:"requests"`
	Rejected int64 `json:"rejected"`
	// Latency runs from the message's send to its reply's first arrival.
	Latency   Percentiles `json:"latencyMs"`
	LastReply time.Time   `json:"lastReply"`
}

// ExactlyOnce says every message got one reply, to its sender, and the
// fake refused nothing.
func (v ReplyVerdict) ExactlyOnce() bool {
	return v.Lost == 0 && v.Duplicated == 0 && v.Misrouted == 0 && v.Rejected == 0
}

// Verdict checks the replies against the expected ones.
func (f *SMSFake) Verdict(exp []expectedReply) ReplyVerdict {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := ReplyVerdict{Expected: len(exp), Requests: f.requests, Rejected: f.rejected, LastReply: f.lastReply}
	want := make(map[string]bool, len(exp))
	var lat []time.Duration
	for _, e := range exp {
		want[e.Text] = true
		a := f.byText[e.Text]
		switch {
		case a == nil:
			v.Lost++
			continue
		case a.count > 1:
			v.Duplicated++
		default:
			v.Replied++
		}
		if a.to != e.To || a.from != convOwnNumber || a.subAccount != convSubAccount {
			v.Misrouted++
		}
		lat = append(lat, a.first.Sub(e.SentAt))
	}
	for t := range f.byText {
		if !want[t] {
			v.Other++
		}
	}
	v.Latency = percentiles(lat)
	return v
}

// Markdown renders the conversations scenario's table.
func (r ConversationsResult) Markdown() string {
	var b strings.Builder
	b.WriteString("\n### Conversations\n\n")
	if r.Error != "" {
		fmt.Fprintf(&b, "Not measured: %s\n", mdEscape(r.Error))
		return b.String()
	}
	b.WriteString("| load (one process, in this order) | persistence | events | conversations | accepted/s | runs completed/s | ack p50 / p99 ms | end-to-end p50 / p90 / p99 ms | CPU-ms per event | peak RSS MB | exactly once |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	row := func(name string, p PhaseResult, convs, once string) {
		if p.Error != "" {
			fmt.Fprintf(&b, "| %s | %s | not measured: %s |||||||||\n", name, p.Persistence, mdEscape(p.Error))
			return
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %.1f | %.1f | %.1f / %.1f | %.1f / %.1f / %.1f | %.2f | %.0f | %s |\n",
			name, p.Persistence, p.Load.Accepted, convs, p.AcceptedPerSec, p.CompletedPerSec, p.Ack.P50, p.Ack.P99,
			p.E2E.P50, p.E2E.P90, p.E2E.P99, p.CPUMsPerRun, p.Usage.PeakRSSMB, once)
	}
	row("http_request, one HttpRequest step (baseline)", r.Baseline, "–", exactlyOnce(r.Baseline.Delivery))
	v, in := r.Replies, r.Intake
	once := fmt.Sprintf("replies: %d once, lost %d, duplicated %d, misrouted %d of %d", v.Replied, v.Lost, v.Duplicated, v.Misrouted, v.Expected)
	if !r.Messages.Delivery.ExactlyOnce {
		once = "**" + once + "**"
	}
	row("inbound SMS, one Reply step (message to reply)", r.Messages, fmt.Sprintf("%d senders (%d in answers)", r.Users, in.Conversations), once)
	if r.Messages.Error == "" {
		fmt.Fprintf(&b, "\nGateway answers: %d named one run, %d none, %d several, %d a resumed run, %d unreadable; %d distinct runs. "+
			"Requests at the SMS fake: %d, refused %d, replies to no acknowledged message %d.\n",
			in.OneRun, in.NoRun, in.ManyRuns, in.Resumed, in.Unreadable, in.DistinctRuns, v.Requests, v.Rejected, v.Other)
	}
	if r.RunsRatio > 0 {
		fmt.Fprintf(&b, "\nRuns/s answering messages over plain http_request runs/s: **%.2f**.\n", r.RunsRatio)
	}
	var notes []string
	notes = append(notes, r.Notes...)
	for _, p := range []PhaseResult{r.Baseline, r.Messages} {
		for _, n := range p.Notes {
			notes = append(notes, p.System+": "+n)
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- conversations: %s\n", mdEscape(n))
		}
	}
	return b.String()
}
