package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/runs"
)

// appSubscriptionCalls are the options of the requests to the app: each
// attempt is one request; what the app refuses for good is not retried
// (the activity says so), the rest is retried for AppSubscriptionPatience,
// after which the workflow tries again AppSubscriptionRetryLater later.
var appSubscriptionCalls = workflow.ActivityOptions{
	StartToCloseTimeout:    time.Minute,
	ScheduleToCloseTimeout: AppSubscriptionPatience,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

// appSubscriptionRecords are the options of writing the state to the
// metadata store: retried until the store is back.
var appSubscriptionRecords = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

const (
	// AppSubscriptionPatience is how long one request to the app is
	// retried (an app that is down, 429s, 5xx) before the workflow waits
	// AppSubscriptionRetryLater and tries again.
	AppSubscriptionPatience = 10 * time.Minute
	// AppSubscriptionRetryLater is the wait between two rounds of retries.
	AppSubscriptionRetryLater = 10 * time.Minute
	// appSubscriptionMaxUnsubscribeRounds bounds the rounds of retries of
	// an unsubscribe, about a day of them: then the workflow gives the
	// subscription up (the app keeps calling a definition that does not
	// listen, which starts nothing).
	appSubscriptionMaxUnsubscribeRounds = 144
	// appSubscriptionMaxSteps bounds one run's history; then it continues
	// as new.
	appSubscriptionMaxSteps = 200
)

// AppSubscription keeps a definition's app subscription as its latest
// version wants it (workflow id runs.AppSubscriptionWorkflowID; see package
// runs). It subscribes the wanted target, renews the subscription at its
// RenewAt, unsubscribes what is no longer wanted, and records every change
// for the definitions API. Signals (runs.AppSubscriptionSignal) say what is
// wanted; a request in flight finishes before the next signal is acted on,
// so a subscription is never made without the workflow knowing it. It
// ends once nothing is wanted or held.
func AppSubscription(ctx workflow.Context, in runs.AppSubscriptionInput) error {
	s := &appSubscriber{in: in, log: workflow.GetLogger(ctx)}
	signals := workflow.GetSignalChannel(ctx, runs.AppSubscriptionSignal)
	calls := workflow.WithActivityOptions(ctx, appSubscriptionCalls)
	records := workflow.WithActivityOptions(ctx, appSubscriptionRecords)
	for step := 0; ; step++ {
		for {
			var want runs.AppSubscriptionWant
			if !signals.ReceiveAsync(&want) {
				break
			}
			s.receive(want)
		}
		if step >= appSubscriptionMaxSteps || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return workflow.NewContinueAsNewError(ctx, runs.AppSubscriptionWorkflow, s.in)
		}
		now := workflow.Now(ctx)
		want, cur := s.in.Want.Target, s.in.Current
		var err error
		switch {
		case s.in.Stuck:
			err = workflow.Await(ctx, func() bool { return signals.Len() > 0 })
		case !s.retryAt.IsZero() && now.Before(s.retryAt):
			_, err = workflow.AwaitWithTimeout(ctx, s.retryAt.Sub(now), func() bool { return signals.Len() > 0 })
		case cur != nil && (want == nil || *want != cur.Target):
			err = s.unsubscribe(calls, records)
		case want != nil && cur == nil:
			err = s.subscribe(calls, records, *want)
		case cur != nil && !cur.RenewAt.IsZero() && !now.Before(cur.RenewAt):
			err = s.renew(calls, records)
		case want == nil && cur == nil:
			if s.in.Want.Deleted && s.recorded != runs.AppSubscriptionGone {
				err = s.record(records, runs.AppSubscriptionGone, nil, "")
				break
			}
			if s.recorded == "" {
				err = s.record(records, runs.AppSubscriptionUnsubscribed, nil, "")
				break
			}
			return nil
		case s.recorded == "":
			// A new run, or a signal that changed nothing: the record
			// says what holds.
			err = s.record(records, runs.AppSubscriptionSubscribed, cur, "")
		case cur.RenewAt.IsZero():
			err = workflow.Await(ctx, func() bool { return signals.Len() > 0 })
		default:
			_, err = workflow.AwaitWithTimeout(ctx, cur.RenewAt.Sub(now), func() bool { return signals.Len() > 0 })
		}
		if err != nil {
			return err
		}
	}
}

// appSubscriber is the workflow's state.
type appSubscriber struct {
	in  runs.AppSubscriptionInput
	log log.Logger
	// retryAt, when set, is when to try again after a round of retries
	// failed; rounds counts those rounds for the current attempt.
	retryAt time.Time
	rounds  int
	// recorded is the status last written ("" when none was by this run,
	// or a signal came since: the management API may have written over
	// it).
	recorded string
}

// receive takes what a signal says is wanted, unless it is older than
// what was.
func (s *appSubscriber) receive(want runs.AppSubscriptionWant) {
	if want.Seq < s.in.Want.Seq {
		return
	}
	s.in.Want = want
	s.in.Stuck = false
	s.retryAt, s.rounds, s.recorded = time.Time{}, 0, ""
}

// call runs one request activity. failed says how it failed, "" when it
// did not; a failure is handled here: one the app will always answer the
// same makes the workflow stuck (recorded as failed), the others are
// tried again AppSubscriptionRetryLater later (recorded under status).
func (s *appSubscriber) call(ctx, records workflow.Context, activity string, in runs.AppSubscriptionCall, status string) (runs.AppSubscription, string, error) {
	var out runs.AppSubscription
	err := workflow.ExecuteActivity(ctx, activity, in).Get(ctx, &out)
	if err == nil {
		s.retryAt, s.rounds = time.Time{}, 0
		return out, "", nil
	}
	msg := err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		msg = appErr.Message()
	}
	if appErr != nil && appErr.NonRetryable() {
		s.in.Stuck = true
		return out, msg, s.record(records, runs.AppSubscriptionFailed, in.Subscription, msg)
	}
	s.rounds++
	s.retryAt = workflow.Now(ctx).Add(AppSubscriptionRetryLater)
	return out, msg, s.record(records, status, in.Subscription, msg)
}

func (s *appSubscriber) callInput(target runs.AppSubscriptionTarget, sub *runs.AppSubscription) runs.AppSubscriptionCall {
	return runs.AppSubscriptionCall{AccountID: s.in.AccountID, DefinitionID: s.in.DefinitionID, Target: target, Subscription: sub}
}

// held takes a subscription the app made or renewed as the current one.
func (s *appSubscriber) held(ctx workflow.Context, sub runs.AppSubscription) {
	sub.RenewAt = time.Time{}
	if sub.RenewIn > 0 {
		sub.RenewAt = workflow.Now(ctx).Add(sub.RenewIn)
	}
	s.in.Current = &sub
}

func (s *appSubscriber) subscribe(ctx, records workflow.Context, target runs.AppSubscriptionTarget) error {
	if s.recorded != runs.AppSubscriptionPending {
		if err := s.record(records, runs.AppSubscriptionPending, nil, ""); err != nil {
			return err
		}
	}
	sub, failed, err := s.call(ctx, records, runs.SubscribeAppWebhookActivity, s.callInput(target, nil), runs.AppSubscriptionPending)
	if err != nil || failed != "" {
		return err
	}
	s.held(ctx, sub)
	return s.record(records, runs.AppSubscriptionSubscribed, s.in.Current, "")
}

// renew renews the current subscription; when the app made a new one
// instead, the old one is ended.
func (s *appSubscriber) renew(ctx, records workflow.Context) error {
	old := *s.in.Current
	sub, failed, err := s.call(ctx, records, runs.RenewAppWebhookActivity, s.callInput(old.Target, &old), runs.AppSubscriptionSubscribed)
	if err != nil || failed != "" {
		return err
	}
	s.held(ctx, sub)
	if sub.ID != old.ID {
		var ignored runs.AppSubscription
		if err := workflow.ExecuteActivity(ctx, runs.UnsubscribeAppWebhookActivity, s.callInput(old.Target, &old)).Get(ctx, &ignored); err != nil {
			// The new subscription holds; the old one delivers the same
			// events, which their ids deduplicate, until it expires.
			s.log.Warn("could not end the subscription a renewal replaced", "subscription", old.ID, "error", err)
		}
	}
	return s.record(records, runs.AppSubscriptionSubscribed, s.in.Current, "")
}

// unsubscribe ends the current subscription. One the app refuses to end,
// or that cannot be ended for a day, is given up.
func (s *appSubscriber) unsubscribe(ctx, records workflow.Context) error {
	old := *s.in.Current
	_, failed, err := s.call(ctx, records, runs.UnsubscribeAppWebhookActivity, s.callInput(old.Target, &old), runs.AppSubscriptionPending)
	if err != nil {
		return err
	}
	if failed != "" && s.in.Stuck || s.rounds >= appSubscriptionMaxUnsubscribeRounds {
		// Nothing more can be done about it: on to what is wanted now.
		s.log.Warn("gave up ending a subscription", "subscription", old.ID, "error", failed)
		s.in.Stuck, s.retryAt, s.rounds = false, time.Time{}, 0
		s.in.Current = nil
		return nil
	}
	if failed != "" {
		return nil // tried again later
	}
	s.in.Current = nil
	if s.in.Want.Target == nil {
		return s.record(records, runs.AppSubscriptionUnsubscribed, &old, "")
	}
	return nil
}

// record writes the subscription's state to the metadata store: sub, or
// when nil the current subscription, or else the wanted target.
func (s *appSubscriber) record(records workflow.Context, status string, sub *runs.AppSubscription, msg string) error {
	switch {
	case sub != nil:
	case s.in.Current != nil:
		sub = s.in.Current
	case s.in.Want.Target != nil:
		sub = &runs.AppSubscription{Target: *s.in.Want.Target}
	}
	err := workflow.ExecuteActivity(records, runs.RecordAppSubscriptionActivity, runs.AppSubscriptionRecord{
		AccountID: s.in.AccountID, DefinitionID: s.in.DefinitionID, Status: status, Subscription: sub, Error: msg,
	}).Get(records, nil)
	if err == nil {
		s.recorded = status
	}
	return err
}
