// Package intake is the one path from an inbound event to runs and
// deliveries: whatever brought the event (an API trigger, an 8x8 inbound
// message, a third party's webhook, a test run, an event Junction raises
// itself), Dispatch finds the definitions that subscribe to it, hands a
// reply to the runs waiting for it, checks each definition's conditions
// and starts one run per (definition version, event) with the workflow id
// runs.RunWorkflowID derives from the event's own id, so a redelivered
// event never runs twice; and it enqueues one delivery per subscription
// that receives the event, whose id derives from the event's too.
//
// RunAction starts the one run a request to run a single connector action
// makes (runs.ActionStep): the same start options, workflow id rule and
// size check as any run of an event, so an action's run is retried,
// deduplicated and read like the others.
//
// Dispatch returns only once Temporal has accepted every start and signal
// it made, so a caller that answers 2xx after it never acknowledges an
// event that could be lost; on an error, what was started stays started,
// and a retry with the same event id starts only what is missing.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/metrics"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// Event is one inbound trigger event, whatever its source. It is encoded
// (as a conversation carries a message) with the names below.
type Event struct {
	AccountID string `json:"accountId"`
	// SubAccountID selects the definitions of that subaccount too; "" only
	// those of the account as a whole.
	SubAccountID string `json:"subAccountId,omitempty"`
	// Trigger is the definitions' trigger: "http_request", "inbound_sms",
	// or an app trigger such as "shopify.orders_create".
	Trigger string `json:"trigger"`
	// ID is the event's own id (runs.ValidEventID); runs started for it
	// have the workflow id runs.RunWorkflowID(account, definition, ID).
	ID string `json:"id"`
	// Payload is the run's data: its top-level fields become data.*.
	Payload map[string]any `json:"payload"`
	// Connection, for an app trigger's webhook, starts only the definitions
	// listening on that connection (their triggerConnection).
	Connection string `json:"connection,omitempty"`
	// Reply, for a message that may answer a WaitForReply step, names the
	// awaited senders it comes from and what the waiting run receives.
	Reply *Reply `json:"reply,omitempty"`
	// ReplyTo, for a message, is how the runs it starts answer it (their
	// Reply steps).
	ReplyTo *runs.ReplyTo `json:"replyTo,omitempty"`
	// Message, for a message of a channel, is who wrote it in which
	// conversation: the event goes through the conversation's workflow,
	// which logs it and hands it on one message at a time.
	Message *runs.Message `json:"message,omitempty"`

	// userID and conversationID are the message's user and conversation,
	// once Receive has logged it: the runs it starts read their states.
	userID, conversationID string
}

// Reply routes a message to the runs waiting for its sender.
type Reply struct {
	// Keys are runs.AwaitKey values of the sender's addresses: a run may
	// wait on any of them.
	Keys   []string   `json:"keys"`
	Signal runs.Reply `json:"signal"`
}

// Result is what one event did; its JSON is the trigger routes' answer.
type Result struct {
	EventID string    `json:"eventId"`
	Runs    []Run     `json:"runs"`
	Resumed []Run     `json:"resumed,omitempty"`
	Skipped []Skipped `json:"skipped,omitempty"`
	// Deliveries are the subscriptions' deliveries of the event.
	Deliveries []Delivery `json:"deliveries,omitempty"`
	// Conversation, for a message, is where it was logged.
	Conversation *Conversation `json:"conversation,omitempty"`
}

// Conversation is the user, the conversation and the log entry of a
// message.
type Conversation struct {
	ID        string `json:"id"`
	UserID    string `json:"userId"`
	MessageID string `json:"messageId"`
}

// Run is one run an event started, found already started, or resumed.
type Run struct {
	DefinitionID string `json:"definitionId"`
	Version      int    `json:"version"`
	// WorkflowID is the event part of the run's id, the id 8x8's API
	// names runs by.
	WorkflowID         string `json:"workflowId"`
	TemporalWorkflowID string `json:"temporalWorkflowId"`
	RunID              string `json:"runId"`
	// HistoryURL is the run's history in the Temporal UI; the gateway
	// fills it in for the API's answers when it knows the UI.
	HistoryURL string `json:"historyUrl,omitempty"`
	// Answers says that the run's definition has a Respond step, whose
	// answer a caller who waits may get (runs.RespondUpdate).
	Answers bool `json:"-"`
}

// Skipped is a definition whose trigger conditions turned the event down.
type Skipped struct {
	DefinitionID string `json:"definitionId"`
	Version      int    `json:"version"`
	Reason       string `json:"reason"`
}

// Error is a failure of Dispatch: What says, for the caller's answer, what
// could not be done. Retry is set when a dependency (the store, Temporal)
// failed and the same event may succeed when sent again; runs already
// started stay started, so the retry starts only what is missing.
type Error struct {
	What  string
	Retry bool
	Err   error
}

func (e *Error) Error() string { return e.What + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func unavailable(err error, format string, args ...any) error {
	if ie, ok := errors.AsType[*Error](err); ok {
		return ie // already says whether a retry can help
	}
	return &Error{What: fmt.Sprintf(format, args...), Retry: true, Err: err}
}

// Errors of events that can never start a run, whatever is retried: an
// Error wraps one of them, with Retry unset.
var (
	// ErrTooLarge: the run's input (the event's payload with the
	// definition) is larger than Temporal accepts in one payload
	// (Options.MaxInputBytes), or a reply larger than a signal may be.
	ErrTooLarge = errors.New("event too large for a run")
	// ErrRejected: Temporal refused the start or the signal as invalid
	// (InvalidArgument), which the same request will meet again.
	ErrRejected = errors.New("refused by Temporal as invalid")
)

// DefaultMaxInputBytes is the largest encoded run input, or reply, that
// intake hands to Temporal: its default blob size limit (2 MiB), less
// room for the rest of the request.
const DefaultMaxInputBytes = 2<<20 - 16<<10

// checkSize refuses a value whose JSON encoding (what the data converter
// writes, before any encryption) is larger than max.
func checkSize(v any, max int, what string) error {
	_, err := encodeChecked(v, max, what)
	return err
}

// encodeChecked is checkSize that keeps the encoding.
func encodeChecked(v any, max int, what string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &Error{What: "Could not encode " + what, Err: err}
	}
	if len(b) > max {
		return nil, &Error{What: fmt.Sprintf("The event is too large: %s is %d bytes encoded, over the %d a run takes", what, len(b), max),
			Err: ErrTooLarge}
	}
	return b, nil
}

// rejected turns Temporal's InvalidArgument (a payload over the cluster's
// own limit, say) into an error no retry gets past; other errors are left
// to the caller.
func rejected(err error, what string) error {
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) {
		return &Error{What: what, Err: fmt.Errorf("%w: %s", ErrRejected, invalid.Message)}
	}
	return err
}

// Options say how runs start. The zero value is what Junction ships.
type Options struct {
	// EagerStart asks Temporal to hand a run's first workflow task back
	// with the start call, to a worker in this process on the same client
	// (client.StartWorkflowOptions.EnableEagerStart). It saves the task's
	// trip through the matching service, and only helps when intake and a
	// worker share a client, as in `junction dev`.
	EagerStart bool
	// NoLocalHTTPSteps runs every HttpRequest step as a regular activity.
	// By default short ones (timeout up to runs.LocalHTTPMaxTimeout) run as
	// local activities: in the worker that runs the workflow task, with no
	// activity task round trip and 6 history events instead of 11
	// (docs/benchmarks.md). The choice is recorded in each run's input, so
	// replays never depend on the setting.
	NoLocalHTTPSteps bool
	// MaxInputBytes bounds a run's encoded input and a reply (default
	// DefaultMaxInputBytes): a larger event is refused with ErrTooLarge
	// before Temporal sees it.
	MaxInputBytes int
	// MessagesPerConversationRun and ConversationIdle are a conversation
	// workflow's runs.ConversationInput (0: its defaults).
	MessagesPerConversationRun int
	ConversationIdle           time.Duration
	// Metrics counts the events Dispatch acknowledges and rejects (nil:
	// none).
	Metrics *metrics.Metrics
}

// LocalHTTPSteps is what a run started under these options records in its
// input (runs.RunInput.LocalHTTPSteps), and what a poll schedule passes on
// to the runs it starts.
func (o Options) LocalHTTPSteps() bool { return !o.NoLocalHTTPSteps }

// eventStore finds the definitions and the subscriptions an event goes to,
// and keeps deliveries; *store.Store implements it.
type eventStore interface {
	EnabledDefinitions(ctx context.Context, accountID, trigger, subAccountID string) ([]store.Definition, error)
	// Awaiting finds the runs that registered the replies they wait for.
	Awaiting(ctx context.Context, accountID string, keys ...string) ([]store.Await, error)
	subscriptionStore
	conversationStore
}

// temporalClient is what intake needs of Temporal; client.Client
// implements it.
type temporalClient interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
	conversationClient
}

// Intake starts and signals runs for events.
type Intake struct {
	legacy    legacyWaiters
	store     eventStore
	temporal  temporalClient
	namespace string
	options   Options
	now       func() time.Time
}

// New returns an Intake over the metadata store and a Temporal client of
// namespace. now is the clock of triggeredAt (nil: time.Now).
func New(events eventStore, temporal temporalClient, namespace string, options Options, now func() time.Time) *Intake {
	if now == nil {
		now = time.Now
	}
	return &Intake{store: events, temporal: temporal, namespace: namespace, options: options, now: now}
}

// Dispatch routes one event to every enabled definition of the account with
// its trigger: a run of the definition waiting for this reply is resumed;
// otherwise a new run starts, if the definition's conditions accept the
// event. It returns once Temporal has accepted every start and signal. A
// message goes through its conversation first (toConversation), which
// hands it back to dispatch in order.
func (i *Intake) Dispatch(ctx context.Context, ev Event) (_ Result, err error) {
	defer func() { i.observe(err) }()
	if ev.Message != nil {
		return i.toConversation(ctx, ev)
	}
	return i.dispatch(ctx, ev)
}

func (i *Intake) dispatch(ctx context.Context, ev Event) (Result, error) {
	defs, err := i.store.EnabledDefinitions(ctx, ev.AccountID, ev.Trigger, ev.SubAccountID)
	if err != nil {
		return Result{}, unavailable(err, "Could not look up definitions for this trigger")
	}
	res := Result{EventID: ev.ID, Runs: make([]Run, 0, len(defs))}
	waiting, err := i.waitingRuns(ctx, ev)
	if err != nil {
		return Result{}, unavailable(err, "Could not look up runs waiting for this reply")
	}
	triggeredAt := i.now().UTC()
	var runEvents []string // looked up once, when a run is about to start
	for _, d := range defs {
		if w := waiting[d.ID]; len(w) > 0 {
			resumed, err := i.resume(ctx, d, w, ev)
			if err != nil {
				return res, unavailable(err, "Could not deliver the reply to runs of definition %s", d.ID)
			}
			if len(resumed) > 0 {
				res.Resumed = append(res.Resumed, resumed...)
				continue
			}
		}
		in, doc, err := runInput(d, ev, triggeredAt)
		if err != nil {
			return res, &Error{What: fmt.Sprintf("Could not read definition %s", d.ID), Err: err}
		}
		if ev.Connection != "" && doc.TriggerConnection != ev.Connection {
			continue
		}
		if reason := runs.ConditionsFail(doc.Conditions, in, triggeredAt); reason != "" {
			res.Skipped = append(res.Skipped, Skipped{DefinitionID: d.ID, Version: d.Version, Reason: reason})
			continue
		}
		if runEvents == nil {
			if runEvents, err = i.runEvents(ctx, ev.AccountID); err != nil {
				return res, err
			}
		}
		in.RunEvents = runEvents
		run, err := i.start(ctx, in)
		if err != nil {
			return res, unavailable(err, "Could not start a run of definition %s", d.ID)
		}
		res.Runs = append(res.Runs, run)
	}
	if res.Deliveries, err = i.deliver(ctx, ev, triggeredAt); err != nil {
		return res, err
	}
	return res, nil
}

// StartTest starts one run of definition version d with the event, whatever
// the definition's status and conditions: 8x8's "test workflow
// definition". The event's Trigger is the definition's own.
func (i *Intake) StartTest(ctx context.Context, d store.Definition, ev Event) (Run, error) {
	ev.Trigger = d.Trigger
	in, _, err := runInput(d, ev, i.now().UTC())
	if err != nil {
		return Run{}, &Error{What: fmt.Sprintf("Could not read definition %s", d.ID), Err: err}
	}
	if in.RunEvents, err = i.runEvents(ctx, d.AccountID); err != nil {
		return Run{}, err
	}
	run, err := i.start(ctx, in)
	if err != nil {
		return Run{}, unavailable(err, "Could not start a run of definition %s", d.ID)
	}
	return run, nil
}

// start starts one run with the options every run of an event has.
func (i *Intake) start(ctx context.Context, in runs.RunInput) (Run, error) {
	return i.startWithSummary(ctx, in, runs.RunSummary(in, "event", in.EventID))
}

// startWithSummary is start with what the Temporal UI says started the run.
func (i *Intake) startWithSummary(ctx context.Context, in runs.RunInput, summary string) (Run, error) {
	in.LocalHTTPSteps = i.options.LocalHTTPSteps()
	if err := checkSize(in, i.maxInputBytes(), "the run's input (the event with definition "+in.DefinitionID+")"); err != nil {
		return Run{}, err
	}
	opts := runs.StartOptions(in, summary)
	opts.EnableEagerStart = i.options.EagerStart
	started, err := i.temporal.ExecuteWorkflow(ctx, opts, runs.RunDefinitionWorkflow, in)
	if err != nil {
		return Run{}, rejected(err, "Temporal refused to start a run of definition "+in.DefinitionID)
	}
	return Run{DefinitionID: in.DefinitionID, Version: in.Version, WorkflowID: in.EventID,
		TemporalWorkflowID: started.GetID(), RunID: started.GetRunID(),
		Answers: definition.HasStepType(in.Steps, definition.StepRespond)}, nil
}

func (i *Intake) maxInputBytes() int {
	if i.options.MaxInputBytes > 0 {
		return i.options.MaxInputBytes
	}
	return DefaultMaxInputBytes
}

// waitingRuns finds the open runs of the account that wait for this
// event's sender, by definition id: those that registered the reply in the
// metadata store (every run that waits since the registry exists, found
// the instant it says it waits), and, in one visibility query, those that
// started waiting before it existed (found once Temporal's visibility
// store shows them), as long as there may be any (legacyWaiters). Events
// that are never replies find none without a query.
func (i *Intake) waitingRuns(ctx context.Context, ev Event) (map[string][]Run, error) {
	if ev.Reply == nil || len(ev.Reply.Keys) == 0 {
		return nil, nil
	}
	byDefinition := map[string][]Run{}
	seen := map[string]bool{}
	registered, err := i.store.Awaiting(ctx, ev.AccountID, ev.Reply.Keys...)
	if err != nil {
		return nil, err
	}
	legacy, err := i.legacy.waiting(ctx, i)
	if err != nil {
		return nil, err
	}
	for _, a := range registered {
		if seen[a.WorkflowID] {
			continue // one run waiting on two of the sender's addresses
		}
		seen[a.WorkflowID] = true
		byDefinition[a.DefinitionID] = append(byDefinition[a.DefinitionID], Run{DefinitionID: a.DefinitionID, Version: a.Version,
			WorkflowID: runs.RunEventID(a.WorkflowID), TemporalWorkflowID: a.WorkflowID, RunID: a.RunID})
	}
	if !legacy {
		return byDefinition, nil
	}
	query := runs.Runs(ev.AccountID).In(runs.AwaitingReplyKey, ev.Reply.Keys...).Status("Running")
	resp, err := i.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: i.namespace, PageSize: maxWaitingRuns, Query: query.String(),
	})
	if err != nil {
		return nil, err
	}
	for _, e := range resp.GetExecutions() {
		run := waitingRun(e)
		if seen[run.TemporalWorkflowID] {
			continue
		}
		seen[run.TemporalWorkflowID] = true
		byDefinition[run.DefinitionID] = append(byDefinition[run.DefinitionID], run)
	}
	return byDefinition, nil
}

// maxWaitingRuns bounds the runs one reply resumes: one sender rarely has
// more than a few waiting.
const maxWaitingRuns = 500

func waitingRun(e *workflowpb.WorkflowExecutionInfo) Run {
	attrs := e.GetSearchAttributes().GetIndexedFields()
	id := e.GetExecution().GetWorkflowId()
	var definitionID string
	var version int64
	if p := attrs[runs.DefinitionIDKey.GetName()]; p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &definitionID)
	}
	if p := attrs[runs.DefinitionVersionKey.GetName()]; p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &version)
	}
	return Run{DefinitionID: definitionID, Version: int(version), WorkflowID: runs.RunEventID(id),
		TemporalWorkflowID: id, RunID: e.GetExecution().GetRunId()}
}

// resume signals a definition's waiting runs (any version) with the reply.
func (i *Intake) resume(ctx context.Context, d store.Definition, waiting []Run, ev Event) ([]Run, error) {
	var out []Run
	for _, run := range waiting {
		if run.WorkflowID == ev.ID {
			// A redelivery of the message that started this very run is
			// not its reply.
			continue
		}
		if err := checkSize(ev.Reply.Signal, i.maxInputBytes(), "the reply"); err != nil {
			return nil, err
		}
		err := i.temporal.SignalWorkflow(ctx, run.TemporalWorkflowID, run.RunID, runs.ReplySignal, ev.Reply.Signal)
		var gone *serviceerror.NotFound
		if errors.As(err, &gone) {
			// A registered run that ended without releasing its reply (it
			// was terminated): it waits for nothing.
			continue
		}
		if err != nil {
			return nil, rejected(fmt.Errorf("signalling %s: %w", run.TemporalWorkflowID, err), "Temporal refused the reply to "+run.TemporalWorkflowID)
		}
		run.DefinitionID = d.ID
		out = append(out, run)
	}
	return out, nil
}

// runInput is the input of the run of definition version d for the event.
func runInput(d store.Definition, ev Event, triggeredAt time.Time) (runs.RunInput, *definition.Document, error) {
	var doc definition.Document
	if err := json.Unmarshal(d.Body, &doc); err != nil {
		return runs.RunInput{}, nil, fmt.Errorf("decoding stored definition %s v%d: %w", d.ID, d.Version, err)
	}
	return runs.RunInput{
		AccountID:      d.AccountID,
		SubAccountID:   ev.SubAccountID,
		DefinitionID:   d.ID,
		Version:        d.Version,
		Name:           doc.Definition.Name,
		Trigger:        ev.Trigger,
		EventID:        ev.ID,
		TriggeredAt:    triggeredAt,
		Steps:          doc.Definition.Steps,
		Apps:           doc.Apps,
		Payload:        ev.Payload,
		UserKey:        ev.userKey(),
		UserID:         ev.userID,
		ConversationID: ev.conversationID,
		ReplyTo:        ev.ReplyTo,
		States:         doc.States,
	}, &doc, nil
}

// IsRetryable reports whether err is an Error a retry of the same event may
// get past.
func IsRetryable(err error) bool {
	var ie *Error
	return errors.As(err, &ie) && ie.Retry
}

// Answering is the first run of res that may answer a caller who waits
// for it (its definition has a Respond step); false when none may.
func (res Result) Answering() (Run, bool) {
	for _, r := range res.Runs {
		if r.Answers {
			return r, true
		}
	}
	return Run{}, false
}

// userKey is the user an event comes from: the message's sender, or the
// first address of the sender a reply would be routed by; "" for events
// without a sender.
func (ev Event) userKey() string {
	if ev.Message != nil {
		return ev.Message.UserKey
	}
	if ev.Reply == nil || len(ev.Reply.Keys) == 0 {
		return ""
	}
	return ev.Reply.Keys[0]
}

// legacyWaiters knows whether runs may wait for a reply they did not
// register: those that started waiting before the reply registry existed,
// whose replies only a visibility query finds. It asks Temporal once, and
// again every legacyRecheck while it finds some, so that once they are all
// gone (answered, timed out) a reply costs no visibility query: a run that
// starts waiting now registers first.
type legacyWaiters struct {
	mu      sync.Mutex
	checked time.Time
	found   bool
}

// legacyRecheck is how long a finding of legacy waiters stands.
const legacyRecheck = 10 * time.Minute

func (l *legacyWaiters) waiting(ctx context.Context, i *Intake) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := i.now()
	if !l.checked.IsZero() && (!l.found || now.Sub(l.checked) < legacyRecheck) {
		return l.found, nil
	}
	found, err := i.findLegacyWaiters(ctx)
	if err != nil {
		return false, err
	}
	l.checked, l.found = now, found
	return found, nil
}

// findLegacyWaiters looks for an open run, of any account, that says it
// waits (AwaitingReplyKey) without having registered the wait. A run that
// has just stopped waiting may still show the key: it counts, and the
// next check finds it gone.
func (i *Intake) findLegacyWaiters(ctx context.Context) (bool, error) {
	query := new(runs.Query).Set(runs.AwaitingReplyKey).Status("Running").String()
	var token []byte
	for {
		resp, err := i.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: i.namespace, PageSize: maxWaitingRuns, Query: query, NextPageToken: token,
		})
		if err != nil {
			return false, fmt.Errorf("looking for runs waiting without registering: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			attrs := e.GetSearchAttributes().GetIndexedFields()
			var account, key string
			_ = converter.GetDefaultDataConverter().FromPayload(attrs[runs.AccountIDKey.GetName()], &account)
			_ = converter.GetDefaultDataConverter().FromPayload(attrs[runs.AwaitingReplyKey.GetName()], &key)
			registered, err := i.store.Awaiting(ctx, account, key)
			if err != nil {
				return false, err
			}
			if !slices.ContainsFunc(registered, func(a store.Await) bool { return a.WorkflowID == e.GetExecution().GetWorkflowId() }) {
				return true, nil
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return false, nil
		}
	}
}
