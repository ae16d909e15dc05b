package activities

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/metrics"
	"github.com/junction-run/junction/outbound"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// deliveryStore is what deliveries read and record; *store.Store
// implements it.
type deliveryStore interface {
	Subscription(ctx context.Context, accountID, id string) (store.Subscription, error)
	Delivery(ctx context.Context, accountID, id string) (store.Delivery, error)
	RecordAttempt(ctx context.Context, accountID, deliveryID string, attempt store.DeliveryAttempt, status string, nextAttemptAt time.Time) (store.DeliveryAttempt, error)
	SetDeliveryStatus(ctx context.Context, accountID, deliveryID, status string, nextAttemptAt time.Time) error
	SubscriptionFailing(ctx context.Context, accountID, id string, at time.Time) (time.Time, error)
	SubscriptionSucceeded(ctx context.Context, accountID, id string) error
	DisableSubscription(ctx context.Context, accountID, id, reason string) (bool, error)
}

// subscriptionSecrets reads a subscription's secrets; *credentials.Secrets
// implements it.
type subscriptionSecrets interface {
	Subscription(ctx context.Context, accountID, subscriptionID string) (map[string]string, error)
}

// EventRaiser raises an event Junction makes itself through intake, the one
// path from events to runs and deliveries; *intake.Intake implements it.
type EventRaiser interface {
	Raise(ctx context.Context, ev runs.RaisedEvent) error
}

// Limits of what an attempt records of the answer: enough for support
// staff to see why a receiver refused, not a copy of its pages.
const (
	maxRecordedBody    = 16 << 10
	maxRecordedHeaders = 40
	// maxDeliveryAnswer is how much of an answer is read at all.
	maxDeliveryAnswer = 64 << 10
)

// Outbound sends subscriptions' deliveries.
type Outbound struct {
	Store   deliveryStore
	Secrets subscriptionSecrets
	// Connections resolves the connection of a subscription whose auth is
	// a connection's; nil refuses those (no Vault).
	Connections ConnectionResolver
	Egress      *egress.Client
	Events      EventRaiser
	UserAgent   string
	// Env fills Webhook steps' {{env.NAME}} references, as HttpRequest's:
	// from the generic http app's variables at HTTPEnvVersion (default:
	// the version this build ships).
	Env            EnvResolver
	HTTPEnvVersion string
	// Now is the clock of webhook-timestamp and of the attempts' times
	// (default time.Now); Random draws the schedule's jitter (default
	// math/rand/v2). Tests in Temporal's time-skipping environment set Now
	// to its clock.
	Now    func() time.Time
	Random func() float64
	// Metrics counts attempts and deliveries (nil: none).
	Metrics *metrics.Metrics
}

func (o *Outbound) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

func (o *Outbound) random() float64 {
	if o.Random != nil {
		return o.Random()
	}
	return rand.Float64()
}

// Send makes one attempt of a delivery generation and records it. A
// delivered answer completes the activity; any other ends it with a
// failure that says what comes next: the schedule's delay (or the
// receiver's Retry-After) as NextRetryDelay, or, when nothing more will be
// sent, a non-retryable failure whose details are the DeliveryResult.
func (o *Outbound) Send(ctx context.Context, in runs.DeliveryInput) (runs.DeliveryResult, error) {
	if o.Store == nil || o.Secrets == nil {
		return runs.DeliveryResult{}, temporal.NewNonRetryableApplicationError("this worker sends no deliveries (no metadata store or Vault)", runs.ErrTypeNotConfigured, nil)
	}
	attempt := 1
	if activity.IsActivity(ctx) {
		attempt = int(activity.GetInfo(ctx).Attempt)
	}
	d, err := o.Store.Delivery(ctx, in.AccountID, in.DeliveryID)
	if errors.Is(err, store.ErrNotFound) {
		o.Metrics.Delivery(metrics.DeliveryFailed, runs.ErrTypeSubscriptionDisabled)
		return o.giveUp(runs.DeliveryResult{Status: store.DeliveryFailed, Reason: runs.ErrTypeSubscriptionDisabled},
			"delivery %s: not found (its subscription was deleted)", in.DeliveryID)
	}
	if err != nil {
		return runs.DeliveryResult{}, fmt.Errorf("delivery %s: reading it: %w", in.DeliveryID, err)
	}
	if d.Generation == in.Generation && d.Status != store.DeliveryPending {
		// This attempt already ended the generation and was recorded, but
		// the activity's completion was lost: say the same again.
		res := runs.DeliveryResult{Status: d.Status, StatusCode: d.LastStatusCode, Attempts: d.Attempts}
		if d.Status == store.DeliveryDelivered {
			return res, nil
		}
		res.Reason = runs.ErrTypeRetriesExhausted
		return o.giveUp(res, "delivery %s: already failed", d.ID)
	}
	sub, err := o.Store.Subscription(ctx, in.AccountID, in.SubscriptionID)
	if errors.Is(err, store.ErrNotFound) || err == nil && sub.Status != store.SubscriptionEnabled {
		if serr := o.Store.SetDeliveryStatus(ctx, in.AccountID, d.ID, store.DeliveryFailed, time.Time{}); serr != nil {
			return runs.DeliveryResult{}, fmt.Errorf("delivery %s: recording that its subscription is disabled: %w", d.ID, serr)
		}
		o.Metrics.Delivery(metrics.DeliveryFailed, runs.ErrTypeSubscriptionDisabled)
		return o.giveUp(runs.DeliveryResult{Status: store.DeliveryFailed, Attempts: d.Attempts, Reason: runs.ErrTypeSubscriptionDisabled},
			"delivery %s: subscription %s is disabled or deleted", d.ID, in.SubscriptionID)
	}
	if err != nil {
		return runs.DeliveryResult{}, fmt.Errorf("delivery %s: reading subscription %s: %w", d.ID, in.SubscriptionID, err)
	}

	started := o.now()
	answer, scope, sendErr := o.send(ctx, sub, d, started)
	rec := store.DeliveryAttempt{Generation: in.Generation, At: started, DurationMs: o.now().Sub(started).Milliseconds()}
	status := 0
	var retryAfter time.Duration
	if answer != nil {
		status = answer.StatusCode
		rec.StatusCode = status
		rec.ResponseHeaders, rec.ResponseBody = recordedAnswer(answer, scope)
		// egress caps Retry-After at an hour for calls a step waits on;
		// a delivery waits up to outbound.MaxRetryAfter (outbound.Wait).
		retryAfter = egress.ParseRetryAfter(answer.Header.Get("Retry-After"), started)
	}
	if sendErr != nil {
		rec.Error = scope.clean(sendErr.Error())
	}
	var invalid *invalidRequestError
	if errors.As(sendErr, &invalid) {
		// The subscription cannot make a request of this event (a tag
		// that fails, a URL that is not one): no retry changes that.
		o.Metrics.DeliveryAttempt(metrics.AttemptInvalid)
		return o.finish(ctx, in, d, rec, runs.ErrTypeBadRequest, "")
	}
	outcome := outbound.Retry
	if answer != nil {
		outcome = outbound.Classify(status)
	}
	o.Metrics.DeliveryAttempt(attemptOutcomes[outcome])
	switch outcome {
	case outbound.Delivered:
		if _, err := o.Store.RecordAttempt(ctx, in.AccountID, d.ID, rec, store.DeliveryDelivered, time.Time{}); err != nil {
			return runs.DeliveryResult{}, fmt.Errorf("delivery %s: recording its delivered attempt: %w", d.ID, err)
		}
		// Most deliveries find nothing to clear: no write for them.
		if !sub.FailingSince.IsZero() {
			if err := o.Store.SubscriptionSucceeded(ctx, in.AccountID, sub.ID); err != nil {
				activity.GetLogger(ctx).Warn("Could not clear the subscription's failing time", "subscription", sub.ID, "error", err)
			}
		}
		o.Metrics.Delivery(metrics.DeliveryDelivered, "")
		return runs.DeliveryResult{Status: store.DeliveryDelivered, StatusCode: status, Attempts: d.Attempts + 1}, nil
	case outbound.Gone:
		return o.finish(ctx, in, d, rec, runs.ErrTypeGone, fmt.Sprintf("the receiver answered %d Gone", status))
	}
	failingSince, err := o.Store.SubscriptionFailing(ctx, in.AccountID, sub.ID, started)
	if err != nil {
		return runs.DeliveryResult{}, fmt.Errorf("delivery %s: recording the subscription's failure: %w", d.ID, err)
	}
	if sub.DisableAfter > 0 && started.Sub(failingSince) >= sub.DisableAfter {
		return o.finish(ctx, in, d, rec, runs.ErrTypeSubscriptionDisabled,
			fmt.Sprintf("its deliveries have failed since %s, longer than %s", failingSince.Format(time.RFC3339), sub.DisableAfter))
	}
	schedule := outbound.Schedule(sub.Retry)
	if sub.Retry == nil {
		schedule = outbound.EddyDeskSchedule()
	}
	delay, more := schedule.Next(attempt, o.random())
	if !more {
		return o.finish(ctx, in, d, rec, runs.ErrTypeRetriesExhausted, "")
	}
	delay = outbound.Wait(outcome, delay, retryAfter)
	if _, err := o.Store.RecordAttempt(ctx, in.AccountID, d.ID, rec, store.DeliveryPending, started.Add(delay)); err != nil {
		return runs.DeliveryResult{}, fmt.Errorf("delivery %s: recording its attempt: %w", d.ID, err)
	}
	errType := runs.ErrTypeUnavailable
	if outcome == outbound.Throttled && status == http.StatusTooManyRequests {
		errType = runs.ErrTypeRateLimited
	}
	what := rec.Error
	if what == "" {
		what = fmt.Sprintf("answered %d", status)
	}
	return runs.DeliveryResult{}, temporal.NewApplicationErrorWithOptions(
		fmt.Sprintf("delivery %s attempt %d: %s; next attempt in %s", d.ID, attempt, what, delay.Round(time.Second)),
		errType, temporal.ApplicationErrorOptions{NextRetryDelay: delay})
}

// finish records the attempt that ends a generation without delivering
// it, disables the subscription when the reason says so, and fails the
// activity for good with the result as details.
func (o *Outbound) finish(ctx context.Context, in runs.DeliveryInput, d store.Delivery, rec store.DeliveryAttempt, reason, disable string) (runs.DeliveryResult, error) {
	if _, err := o.Store.RecordAttempt(ctx, in.AccountID, d.ID, rec, store.DeliveryFailed, time.Time{}); err != nil {
		return runs.DeliveryResult{}, fmt.Errorf("delivery %s: recording its last attempt: %w", d.ID, err)
	}
	res := runs.DeliveryResult{Status: store.DeliveryFailed, StatusCode: rec.StatusCode, Attempts: d.Attempts + 1, Reason: reason}
	o.Metrics.Delivery(metrics.DeliveryFailed, reason)
	if disable != "" {
		changed, err := o.Store.DisableSubscription(ctx, in.AccountID, in.SubscriptionID, disable)
		if err != nil {
			return runs.DeliveryResult{}, fmt.Errorf("delivery %s: disabling subscription %s: %w", d.ID, in.SubscriptionID, err)
		}
		res.DisabledSubscription, res.DisabledReason = changed, disable
	}
	what := rec.Error
	if what == "" {
		what = fmt.Sprintf("answered %d", rec.StatusCode)
	}
	return o.giveUp(res, "delivery %s: %s (%s)", d.ID, what, reason)
}

func (o *Outbound) giveUp(res runs.DeliveryResult, format string, args ...any) (runs.DeliveryResult, error) {
	reason := res.Reason
	if reason == "" {
		reason = runs.ErrTypeRetriesExhausted
	}
	return runs.DeliveryResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), reason, nil, res)
}

// invalidRequestError is a subscription that cannot make a request of an
// event.
type invalidRequestError struct{ err error }

func (e *invalidRequestError) Error() string { return e.err.Error() }
func (e *invalidRequestError) Unwrap() error { return e.err }

// send builds, signs and sends the request of one attempt. The scope it
// returns knows the secrets the request carried.
func (o *Outbound) send(ctx context.Context, sub store.Subscription, d store.Delivery, at time.Time) (*egress.Response, secretScope, error) {
	scope := secretScope{scrub: egress.NewScrubber()}
	secrets, err := o.Secrets.Subscription(ctx, sub.AccountID, sub.ID)
	if err != nil {
		return nil, scope, fmt.Errorf("reading the subscription's secrets: %w", err)
	}
	var event any
	if err := json.Unmarshal(d.Payload, &event); err != nil {
		return nil, scope, &invalidRequestError{fmt.Errorf("reading the stored event: %w", err)}
	}
	tmpl, err := subscriptionTemplate(sub)
	if err != nil {
		return nil, scope, &invalidRequestError{err}
	}
	envelope, _ := event.(map[string]any)
	req, err := tmpl.Render(definition.Env{Data: envelope}, event)
	if err != nil {
		return nil, scope, &invalidRequestError{err}
	}
	keys, err := signingKeys(sub, secrets, at)
	if err != nil {
		return nil, scope, err
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	for k, v := range outbound.Headers(d.MessageID, at, req.Body, keys...) {
		req.Header[k] = v
	}
	auth := webhookAuth{kind: sub.AuthKind, username: sub.AuthUsername, password: secrets[credentials.PasswordField],
		token: secrets[credentials.TokenField], connection: sub.AuthConnection}
	return o.do(ctx, sub.AccountID, req, auth, time.Duration(sub.TimeoutSeconds)*time.Second)
}

// webhookAuth is how a webhook request authenticates.
type webhookAuth struct {
	kind                      string // none, basic, bearer or connection
	username, password, token string
	connection                string
}

// do sends a webhook request, a subscription's or a Webhook step's, with
// its auth, through the egress client: no redirect is followed (EddyDesk:
// a 3xx is the receiver's answer), every status is an answer, and a body
// over maxDeliveryAnswer is cut, not an error. The scope it returns knows
// the secrets the request carried, for whatever is kept of the answer.
func (o *Outbound) do(ctx context.Context, accountID string, req outbound.Rendered, auth webhookAuth, timeout time.Duration) (*egress.Response, secretScope, error) {
	scope := secretScope{scrub: egress.NewScrubber()}
	header := req.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if header.Get("User-Agent") == "" && o.UserAgent != "" {
		header.Set("User-Agent", o.UserAgent)
	}
	eg := o.Egress
	if eg == nil {
		eg = egress.Default()
	}
	var hc *http.Client
	switch auth.kind {
	case "basic":
		// The encoded pair is as secret as the password: an answer that
		// echoes the Authorization header repeats it, not the password.
		encoded := base64.StdEncoding.EncodeToString([]byte(auth.username + ":" + auth.password))
		scope.values = append(scope.values, auth.password, encoded)
		header.Set("Authorization", "Basic "+encoded)
	case "bearer":
		scope.values = append(scope.values, auth.token)
		header.Set("Authorization", "Bearer "+auth.token)
	case "connection":
		if o.Connections == nil {
			return nil, scope, errors.New("connections are not available on this worker (no Vault)")
		}
		conn, creds, err := o.Connections.Resolve(ctx, accountID, auth.connection)
		if err != nil {
			return nil, scope, err
		}
		scope = newSecretScope(conn, nil)
		hc = eg.WithTransport(creds.Transport(eg.Transport()))
	}
	scope.values = slices.DeleteFunc(scope.values, func(v string) bool { return v == "" })
	scope.scrub = egress.NewScrubber(scope.values...)
	if timeout <= 0 || timeout > runs.MaxDeliveryTimeout {
		timeout = runs.MaxDeliveryTimeout
	}
	resp, err := eg.Do(scope.bind(ctx), hc, egress.Request{
		Method:       req.Method,
		URL:          req.URL,
		Header:       header,
		Body:         req.Body,
		Timeout:      timeout,
		MaxBodyBytes: maxDeliveryAnswer,
		MaxRedirects: egress.NoRedirects,
		Success:      egress.AnyStatus,
	})
	if err != nil && errors.Is(err, egress.ErrResponseTooLarge) && resp != nil {
		err = nil // answered: the status counts, the body is cut
	}
	return resp, scope, err
}

// signingKeys are the secrets a request at `at` is signed with: the
// newest, and the one it replaced while the rotation's overlap lasts.
func signingKeys(sub store.Subscription, secrets map[string]string, at time.Time) ([]outbound.SigningSecret, error) {
	var numbers []int
	for _, field := range sub.SecretFields {
		if n, ok := credentials.SigningSecretNumber(field); ok {
			numbers = append(numbers, n)
		}
	}
	slices.Sort(numbers)
	slices.Reverse(numbers)
	if len(numbers) > 1 && !at.Before(sub.PreviousSecretUntil) {
		numbers = numbers[:1]
	}
	var keys []outbound.SigningSecret
	for _, n := range numbers[:min(len(numbers), 2)] {
		field := credentials.SigningSecretField(n)
		key, err := outbound.ParseSecret(secrets[field])
		if err != nil {
			return nil, fmt.Errorf("the subscription's %s in Vault is not a signing secret", field)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("the subscription has no signing secret")
	}
	return keys, nil
}

// subscriptionTemplate is the request a subscription describes.
func subscriptionTemplate(sub store.Subscription) (outbound.Template, error) {
	t := outbound.Template{Method: sub.Method, URL: sub.URL, Format: sub.Format, Headers: sub.Headers}
	if sub.Body != "" {
		if err := json.Unmarshal([]byte(sub.Body), &t.Body); err != nil {
			return t, fmt.Errorf("the subscription's body template is not JSON: %w", err)
		}
	}
	return t, nil
}

// recordedAnswer is what an attempt keeps of an answer: its headers (the
// first value of each, at most maxRecordedHeaders, sorted) and the start
// of its body, both scrubbed of the request's secrets.
func recordedAnswer(resp *egress.Response, scope secretScope) (map[string]string, string) {
	names := make([]string, 0, len(resp.Header))
	for name := range resp.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	headers := make(map[string]string, min(len(names), maxRecordedHeaders))
	for _, name := range names[:min(len(names), maxRecordedHeaders)] {
		value := resp.Header.Get(name)
		if egress.SensitiveHeader(name) {
			value = "[redacted]"
		}
		headers[name] = scope.clean(value)
	}
	body := resp.Body
	if len(body) > maxRecordedBody {
		body = body[:maxRecordedBody]
	}
	// The store keeps text both databases store alike: valid UTF-8
	// without NUL bytes.
	text := strings.ReplaceAll(strings.ToValidUTF8(string(body), "\uFFFD"), "\x00", "")
	return headers, scope.clean(text)
}

// Settle raises what a failed delivery leads to: delivery.exhausted when
// its schedule ran out (except for deliveries of those events themselves,
// so that a failing receiver of delivery.exhausted does not feed itself),
// and subscription.disabled when this delivery disabled its subscription.
// Event ids derive from the delivery, so a retried Settle raises nothing
// twice.
func (o *Outbound) Settle(ctx context.Context, in runs.DeliveryInput, res runs.DeliveryResult) error {
	if o.Events == nil {
		return temporal.NewNonRetryableApplicationError("this worker raises no events", runs.ErrTypeNotConfigured, nil)
	}
	d, err := o.Store.Delivery(ctx, in.AccountID, in.DeliveryID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delivery %s: reading it: %w", in.DeliveryID, err)
	}
	if err == nil && d.Status == store.DeliveryPending && d.Generation == in.Generation {
		// The send activity gave up without recording its end.
		if err := o.Store.SetDeliveryStatus(ctx, in.AccountID, d.ID, store.DeliveryFailed, time.Time{}); err != nil {
			return fmt.Errorf("delivery %s: recording that it failed: %w", d.ID, err)
		}
	}
	suffix := fmt.Sprintf("%s-%d", in.DeliveryID, in.Generation)
	if res.Reason == runs.ErrTypeRetriesExhausted && err == nil && !isDeliveryEvent(d.EventType) {
		if err := o.Events.Raise(ctx, runs.RaisedEvent{AccountID: in.AccountID, Type: runs.EventDeliveryExhausted, ID: "exhausted-" + suffix,
			Payload: map[string]any{
				"subscriptionId": in.SubscriptionID, "deliveryId": in.DeliveryID, "messageId": d.MessageID,
				"eventType": d.EventType, "eventId": d.EventID, "attempts": res.Attempts, "lastStatusCode": res.StatusCode,
			}}); err != nil {
			return fmt.Errorf("raising %s: %w", runs.EventDeliveryExhausted, err)
		}
	}
	if res.DisabledSubscription {
		if err := o.Events.Raise(ctx, runs.RaisedEvent{AccountID: in.AccountID, Type: runs.EventSubscriptionDisabled, ID: "disabled-" + suffix,
			Payload: map[string]any{"subscriptionId": in.SubscriptionID, "reason": res.DisabledReason, "deliveryId": in.DeliveryID}}); err != nil {
			return fmt.Errorf("raising %s: %w", runs.EventSubscriptionDisabled, err)
		}
	}
	return nil
}

func isDeliveryEvent(eventType string) bool {
	return eventType == runs.EventDeliveryExhausted || eventType == runs.EventSubscriptionDisabled
}

// RaiseEvent raises an event a run makes (run.completed, run.failed).
func (o *Outbound) RaiseEvent(ctx context.Context, ev runs.RaisedEvent) error {
	if o.Events == nil {
		return temporal.NewNonRetryableApplicationError("this worker raises no events", runs.ErrTypeNotConfigured, nil)
	}
	return o.Events.Raise(ctx, ev)
}
