package manage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/outbound"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// subscriptionStore keeps subscriptions and their deliveries; *store.Store
// implements it.
type subscriptionStore interface {
	CreateSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error)
	Subscription(ctx context.Context, accountID, id string) (store.Subscription, error)
	ListSubscriptions(ctx context.Context, accountID string, page store.Page) ([]store.Subscription, error)
	UpdateSubscription(ctx context.Context, sub store.Subscription, expectedVersion int) (store.Subscription, error)
	DeleteSubscription(ctx context.Context, accountID, id string) error
	Connection(ctx context.Context, accountID, id string) (store.Connection, error)
	Delivery(ctx context.Context, accountID, id string) (store.Delivery, error)
	ListDeliveries(ctx context.Context, accountID, subscriptionID string, f store.DeliveryFilter, page store.Page) ([]store.Delivery, error)
	DeliveryAttempts(ctx context.Context, accountID, deliveryID string) ([]store.DeliveryAttempt, error)
	Redeliver(ctx context.Context, accountID, deliveryID string) (store.Delivery, error)
}

// subscriptionSecrets writes a subscription's secrets; *credentials.Secrets
// implements it. The gateway never reads them back.
type subscriptionSecrets interface {
	Configured() bool
	CreateSubscription(ctx context.Context, accountID, subscriptionID string, values map[string]string) error
	UpdateSubscription(ctx context.Context, accountID, subscriptionID string, set map[string]string, clear []string) error
	DeleteSubscription(ctx context.Context, accountID, subscriptionID string) error
}

// deliveryStarter starts a generation of a delivery; *intake.Intake
// implements it.
type deliveryStarter interface {
	StartDelivery(ctx context.Context, in runs.DeliveryInput, eventType string) error
}

// Defaults of a subscription.
const (
	DefaultDeliveryTimeout = 30 * time.Second
	// DefaultDisableAfter is how long a subscription's deliveries may keep
	// failing before it is disabled (Svix's five days).
	DefaultDisableAfter = 5 * 24 * time.Hour
	// DefaultRotationOverlap is how long the secret a rotation replaced
	// keeps signing beside the new one.
	DefaultRotationOverlap = 24 * time.Hour
	// MaxRotationOverlap bounds it.
	MaxRotationOverlap = 7 * 24 * time.Hour
)

// Auth kinds of a subscription.
const (
	AuthNone       = "none"
	AuthBasic      = "basic"
	AuthBearer     = "bearer"
	AuthConnection = "connection"
)

// Subscriptions manages an account's subscriptions to its events and their
// deliveries.
type Subscriptions struct {
	store      subscriptionStore
	secrets    subscriptionSecrets
	starter    deliveryStarter
	connectors *connectors.Registry
	now        func() time.Time
}

// NewSubscriptions returns the service.
func NewSubscriptions(st subscriptionStore, secrets subscriptionSecrets, starter deliveryStarter, registry *connectors.Registry, now func() time.Time) *Subscriptions {
	if now == nil {
		now = time.Now
	}
	return &Subscriptions{store: st, secrets: secrets, starter: starter, connectors: registry, now: now}
}

// SubscriptionRequest is a subscription as a client writes it.
type SubscriptionRequest struct {
	Name              string            `json:"name"`
	Events            []string          `json:"events"`
	TriggerConnection string            `json:"triggerConnection"`
	URL               string            `json:"url"`
	Method            string            `json:"method"`
	Format            string            `json:"format"`
	Headers           map[string]string `json:"headers"`
	// Body is the body template; absent or null sends the event itself.
	Body           json.RawMessage   `json:"body"`
	Auth           *SubscriptionAuth `json:"auth"`
	Retry          *RetryRequest     `json:"retry"`
	TimeoutSeconds int               `json:"timeoutSeconds"`
	// DisableAfter is a duration ("120h", "P5D"); "" is DefaultDisableAfter.
	DisableAfter string `json:"disableAfter"`
	Status       string `json:"status"`
	// Version, on an update, is the version the client read (0: any).
	Version int `json:"version"`
}

// SubscriptionAuth is how deliveries authenticate. Password and Token are
// a string to set, or the {"set": true} a GET shows (or nothing) to keep
// the stored one.
type SubscriptionAuth struct {
	Type       string          `json:"type"`
	Username   string          `json:"username,omitempty"`
	Password   json.RawMessage `json:"password,omitempty"`
	Token      json.RawMessage `json:"token,omitempty"`
	Connection string          `json:"connection,omitempty"`
}

// RetryRequest is a custom retry schedule: the delays before the second
// attempt, the third, and so on ("30m", "PT1H").
type RetryRequest struct {
	Schedule []string `json:"schedule"`
}

// CreatedSubscription is a new subscription and its signing secret, which
// is shown this once.
type CreatedSubscription struct {
	Subscription  store.Subscription
	SigningSecret string
}

// Create stores a new subscription: its secrets (a new signing secret and
// any password or token) in Vault first, so that no row points at secrets
// that are not there.
func (ss *Subscriptions) Create(ctx context.Context, accountID string, req SubscriptionRequest) (CreatedSubscription, error) {
	if !ss.secrets.Configured() {
		return CreatedSubscription{}, failed(credentials.ErrNotConfigured, "Could not store the subscription")
	}
	sub, secrets, problems := ss.check(ctx, accountID, req, store.Subscription{})
	if len(problems) > 0 {
		return CreatedSubscription{}, invalid(problems)
	}
	key, err := outbound.NewSecret()
	if err != nil {
		return CreatedSubscription{}, failed(err, "Could not make a signing secret")
	}
	sub.ID = uuid.NewString()
	secrets[credentials.SigningSecretField(1)] = key.Encode()
	sub.SecretFields = secretNames(secrets)
	if err := ss.secrets.CreateSubscription(ctx, accountID, sub.ID, secrets); err != nil {
		return CreatedSubscription{}, failed(err, "Could not store the subscription's secrets")
	}
	saved, err := ss.store.CreateSubscription(ctx, sub)
	if err != nil {
		_ = ss.secrets.DeleteSubscription(context.WithoutCancel(ctx), accountID, sub.ID)
		return CreatedSubscription{}, failed(err, "Could not store the subscription")
	}
	return CreatedSubscription{Subscription: saved, SigningSecret: key.Encode()}, nil
}

// Get reads a subscription.
func (ss *Subscriptions) Get(ctx context.Context, accountID, id string) (store.Subscription, error) {
	sub, err := ss.store.Subscription(ctx, accountID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return sub, notFound("Subscription %s not found.", id)
	case err != nil:
		return sub, failed(err, "Could not read the subscription")
	}
	return sub, nil
}

// List lists the account's subscriptions.
func (ss *Subscriptions) List(ctx context.Context, accountID string, page store.Page) ([]store.Subscription, error) {
	subs, err := ss.store.ListSubscriptions(ctx, accountID, page)
	if err != nil {
		return nil, failed(err, "Could not list subscriptions")
	}
	return subs, nil
}

// Update replaces a subscription with req (PUT): what req omits takes its
// default, except the secrets, which are kept unless req sets them.
// Enabling a disabled subscription clears its failure record.
func (ss *Subscriptions) Update(ctx context.Context, accountID, id string, req SubscriptionRequest) (store.Subscription, error) {
	row, err := ss.Get(ctx, accountID, id)
	if err != nil {
		return row, err
	}
	if req.Version != 0 && req.Version != row.Version {
		return row, &Error{What: fmt.Sprintf("The subscription is at version %d, not %d; read it again and retry.", row.Version, req.Version),
			Err: store.ErrConflict, Fields: []FieldError{{Path: "version", Code: "conflict", Message: "not the current version"}}}
	}
	sub, set, problems := ss.check(ctx, accountID, req, row)
	if len(problems) > 0 {
		return row, invalid(problems)
	}
	// Keep the signing secrets; drop the auth secrets the new auth kind
	// does not use.
	var clear []string
	names := map[string]bool{}
	for _, f := range row.SecretFields {
		if _, ok := credentials.SigningSecretNumber(f); ok || f == authSecretField(sub.AuthKind) {
			names[f] = true
		} else {
			clear = append(clear, f)
		}
	}
	for f := range set {
		names[f] = true
	}
	sub.SecretFields = secretNames(names)
	if len(set) > 0 || len(clear) > 0 {
		if !ss.secrets.Configured() {
			return row, failed(credentials.ErrNotConfigured, "Could not store the subscription's secrets")
		}
		if err := ss.secrets.UpdateSubscription(ctx, accountID, id, set, clear); err != nil {
			return row, failed(err, "Could not store the subscription's secrets")
		}
	}
	sub.AccountID, sub.ID, sub.PreviousSecretUntil = accountID, id, row.PreviousSecretUntil
	saved, err := ss.store.UpdateSubscription(ctx, sub, row.Version)
	if err != nil {
		return row, failed(err, "Could not update the subscription")
	}
	return saved, nil
}

// Delete deletes a subscription, its deliveries and its secrets. Deliveries
// in flight find it gone at their next attempt and stop.
func (ss *Subscriptions) Delete(ctx context.Context, accountID, id string) error {
	if _, err := ss.Get(ctx, accountID, id); err != nil {
		return err
	}
	if err := ss.store.DeleteSubscription(ctx, accountID, id); err != nil {
		return failed(err, "Could not delete the subscription")
	}
	if ss.secrets.Configured() {
		if err := ss.secrets.DeleteSubscription(ctx, accountID, id); err != nil {
			return failed(err, "Could not delete the subscription's secrets")
		}
	}
	return nil
}

// RotateSecret gives the subscription a new signing secret, shown this
// once. Deliveries carry a signature with the new secret and one with the
// old until overlap has passed (DefaultRotationOverlap when 0), so the
// receiver can switch without refusing a delivery.
func (ss *Subscriptions) RotateSecret(ctx context.Context, accountID, id string, overlap time.Duration) (CreatedSubscription, error) {
	if overlap == 0 {
		overlap = DefaultRotationOverlap
	}
	if overlap < 0 || overlap > MaxRotationOverlap {
		return CreatedSubscription{}, invalid([]FieldError{{Path: "overlap", Code: "invalid_value",
			Message: fmt.Sprintf("must be from 0s to %s", MaxRotationOverlap)}})
	}
	if !ss.secrets.Configured() {
		return CreatedSubscription{}, failed(credentials.ErrNotConfigured, "Could not rotate the signing secret")
	}
	row, err := ss.Get(ctx, accountID, id)
	if err != nil {
		return CreatedSubscription{}, err
	}
	var numbers []int
	var others []string
	for _, f := range row.SecretFields {
		if n, ok := credentials.SigningSecretNumber(f); ok {
			numbers = append(numbers, n)
		} else {
			others = append(others, f)
		}
	}
	slices.Sort(numbers)
	current := 0
	if len(numbers) > 0 {
		current = numbers[len(numbers)-1]
	}
	key, err := outbound.NewSecret()
	if err != nil {
		return CreatedSubscription{}, failed(err, "Could not make a signing secret")
	}
	next := credentials.SigningSecretField(current + 1)
	var clear []string
	for _, n := range numbers {
		if n != current {
			clear = append(clear, credentials.SigningSecretField(n))
		}
	}
	// The new secret is written beside the current one before the row
	// names it: a delivery reading the row in between signs with the
	// current secret alone, as before.
	if err := ss.secrets.UpdateSubscription(ctx, accountID, id, map[string]string{next: key.Encode()}, clear); err != nil {
		return CreatedSubscription{}, failed(err, "Could not store the new signing secret")
	}
	sub := row
	sub.SecretFields = append(others, next)
	if current > 0 {
		sub.SecretFields = append(sub.SecretFields, credentials.SigningSecretField(current))
	}
	sub.SecretFields = secretNames(sliceSet(sub.SecretFields))
	sub.PreviousSecretUntil = ss.now().UTC().Add(overlap)
	saved, err := ss.store.UpdateSubscription(ctx, sub, row.Version)
	if err != nil {
		return CreatedSubscription{}, failed(err, "Could not record the rotation")
	}
	return CreatedSubscription{Subscription: saved, SigningSecret: key.Encode()}, nil
}

// Delivery is a delivery and its attempts.
type Delivery struct {
	store.Delivery
	Attempts []store.DeliveryAttempt
}

// Deliveries lists a subscription's deliveries, newest first.
func (ss *Subscriptions) Deliveries(ctx context.Context, accountID, subscriptionID string, f store.DeliveryFilter, page store.Page) ([]Delivery, error) {
	if _, err := ss.Get(ctx, accountID, subscriptionID); err != nil {
		return nil, err
	}
	if f.Status != "" && !slices.Contains([]string{store.DeliveryPending, store.DeliveryDelivered, store.DeliveryFailed}, f.Status) {
		return nil, invalid([]FieldError{{Path: "status", Code: "invalid_value", Message: "must be pending, delivered or failed"}})
	}
	ds, err := ss.store.ListDeliveries(ctx, accountID, subscriptionID, f, page)
	if err != nil {
		return nil, failed(err, "Could not list deliveries")
	}
	out := make([]Delivery, 0, len(ds))
	for _, d := range ds {
		attempts, err := ss.store.DeliveryAttempts(ctx, accountID, d.ID)
		if err != nil {
			return nil, failed(err, "Could not read the attempts of delivery %s", d.ID)
		}
		out = append(out, Delivery{Delivery: d, Attempts: attempts})
	}
	return out, nil
}

// Delivery reads one delivery of a subscription with its attempts.
func (ss *Subscriptions) Delivery(ctx context.Context, accountID, subscriptionID, deliveryID string) (Delivery, error) {
	d, err := ss.store.Delivery(ctx, accountID, deliveryID)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && d.SubscriptionID != subscriptionID:
		return Delivery{}, notFound("Delivery %s of subscription %s not found.", deliveryID, subscriptionID)
	case err != nil:
		return Delivery{}, failed(err, "Could not read the delivery")
	}
	attempts, err := ss.store.DeliveryAttempts(ctx, accountID, deliveryID)
	if err != nil {
		return Delivery{}, failed(err, "Could not read the delivery's attempts")
	}
	return Delivery{Delivery: d, Attempts: attempts}, nil
}

// Redeliver sends a delivered or failed delivery again, as a new
// generation on the subscription's schedule, with the same webhook-id. A
// delivery still pending is a conflict: it is being tried already.
func (ss *Subscriptions) Redeliver(ctx context.Context, accountID, subscriptionID, deliveryID string) (store.Delivery, error) {
	if _, err := ss.Delivery(ctx, accountID, subscriptionID, deliveryID); err != nil {
		return store.Delivery{}, err
	}
	sub, err := ss.Get(ctx, accountID, subscriptionID)
	if err != nil {
		return store.Delivery{}, err
	}
	if sub.Status != store.SubscriptionEnabled {
		return store.Delivery{}, &Error{What: "The subscription is disabled; enable it first.", Err: store.ErrConflict,
			Fields: []FieldError{{Path: "status", Code: "conflict", Message: "subscription is disabled"}}}
	}
	d, err := ss.store.Redeliver(ctx, accountID, deliveryID)
	if errors.Is(err, store.ErrConflict) {
		return d, &Error{What: "The delivery is still pending: it is retried on its schedule.", Err: store.ErrConflict}
	}
	if err != nil {
		return d, failed(err, "Could not redeliver")
	}
	in := runs.DeliveryInput{AccountID: accountID, SubscriptionID: subscriptionID, DeliveryID: deliveryID, Generation: d.Generation}
	if err := ss.starter.StartDelivery(ctx, in, d.EventType); err != nil {
		return d, failed(err, "Could not start the redelivery")
	}
	return d, nil
}

// MaxRecover bounds the deliveries one recover sends again.
const MaxRecover = 10000

// Recover sends again every failed delivery of the subscription created in
// [since, until) and returns how many; until zero is now.
func (ss *Subscriptions) Recover(ctx context.Context, accountID, subscriptionID string, since, until time.Time) (int, error) {
	sub, err := ss.Get(ctx, accountID, subscriptionID)
	if err != nil {
		return 0, err
	}
	if sub.Status != store.SubscriptionEnabled {
		return 0, &Error{What: "The subscription is disabled; enable it first.", Err: store.ErrConflict}
	}
	if since.IsZero() {
		return 0, invalid([]FieldError{{Path: "since", Code: "required", Message: "is required (RFC 3339)"}})
	}
	if until.IsZero() {
		until = ss.now().UTC()
	}
	if !since.Before(until) {
		return 0, invalid([]FieldError{{Path: "until", Code: "invalid_value", Message: "must be after since"}})
	}
	n := 0
	for n < MaxRecover {
		// Each redelivered one leaves the failed set, so the first page is
		// always the next.
		page, err := ss.store.ListDeliveries(ctx, accountID, subscriptionID,
			store.DeliveryFilter{Status: store.DeliveryFailed, Since: since, Until: until}, store.Page{Limit: 100})
		if err != nil {
			return n, failed(err, "Could not list failed deliveries")
		}
		if len(page) == 0 {
			break
		}
		for _, d := range page {
			if _, err := ss.Redeliver(ctx, accountID, subscriptionID, d.ID); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// check validates req and makes the subscription it describes, and the
// secrets it sets.
func (ss *Subscriptions) check(ctx context.Context, accountID string, req SubscriptionRequest, row store.Subscription) (store.Subscription, map[string]string, []FieldError) {
	var problems []FieldError
	add := func(path, code, msg string) {
		problems = append(problems, FieldError{Path: path, Code: code, Message: msg})
	}
	sub := store.Subscription{AccountID: accountID, Name: req.Name, TriggerConnection: req.TriggerConnection,
		URL: req.URL, Method: strings.ToUpper(req.Method), Format: strings.ToLower(req.Format), Headers: req.Headers,
		TimeoutSeconds: req.TimeoutSeconds, Status: req.Status}
	if sub.Method == "" {
		sub.Method = "POST"
	}
	if sub.Format == "" {
		sub.Format = outbound.FormatJSON
	}
	switch {
	case sub.Status == "" && row.ID != "":
		// An edit that does not name the status keeps it: re-enabling a
		// subscription disabled for failing is a decision of its own.
		sub.Status = row.Status
	case sub.Status == "":
		sub.Status = store.SubscriptionEnabled
	}
	if sub.Status != store.SubscriptionEnabled && sub.Status != store.SubscriptionDisabled {
		add("status", "invalid_value", "must be enabled or disabled")
	}
	if sub.Status == store.SubscriptionDisabled && row.Status == store.SubscriptionDisabled {
		sub.DisabledReason = row.DisabledReason
	}
	if sub.Status == store.SubscriptionDisabled && sub.DisabledReason == "" {
		sub.DisabledReason = "disabled through the API"
	}
	problems = append(problems, ss.checkEvents(ctx, accountID, req.Events, req.TriggerConnection)...)
	sub.Events = req.Events
	tmpl := outbound.Template{Method: sub.Method, URL: sub.URL, Format: sub.Format, Headers: sub.Headers}
	if len(req.Body) > 0 && string(req.Body) != "null" {
		if err := json.Unmarshal(req.Body, &tmpl.Body); err != nil {
			add("body", "invalid_value", "must be JSON")
		}
		sub.Body = string(req.Body)
	}
	problems = append(problems, tmpl.Validate("")...)
	switch {
	case sub.TimeoutSeconds == 0:
		sub.TimeoutSeconds = int(DefaultDeliveryTimeout / time.Second)
	case sub.TimeoutSeconds < 1 || time.Duration(sub.TimeoutSeconds)*time.Second > runs.MaxDeliveryTimeout:
		add("timeoutSeconds", "invalid_value", fmt.Sprintf("must be from 1 to %d", int(runs.MaxDeliveryTimeout/time.Second)))
	}
	sub.DisableAfter = DefaultDisableAfter
	if req.DisableAfter != "" {
		d, err := definition.ParseDuration(req.DisableAfter)
		if err != nil || d < time.Hour || d > 30*24*time.Hour {
			add("disableAfter", "invalid_value", "must be a duration from 1h to 30 days (\"120h\", \"P5D\")")
		}
		sub.DisableAfter = d
	}
	if req.Retry != nil {
		schedule := outbound.Schedule{}
		for i, text := range req.Retry.Schedule {
			d, err := definition.ParseDuration(text)
			if err != nil {
				add(fmt.Sprintf("retry.schedule[%d]", i), "invalid_value", "must be a duration (\"30m\", \"PT1H\")")
				continue
			}
			schedule = append(schedule, d)
		}
		if err := schedule.Validate(); err != nil {
			add("retry.schedule", "invalid_value", err.Error())
		}
		sub.Retry = schedule
	}
	secrets := map[string]string{}
	auth := req.Auth
	if auth == nil {
		auth = &SubscriptionAuth{Type: AuthNone}
	}
	sub.AuthKind = auth.Type
	if sub.AuthKind == "" {
		sub.AuthKind = AuthNone
	}
	keep := func(raw json.RawMessage, path, field string) {
		value, set, err := secretValue(raw)
		switch {
		case err != nil:
			add(path, "invalid_value", err.Error())
		case set:
			secrets[field] = value
		case row.AuthKind != sub.AuthKind || !slices.Contains(row.SecretFields, field):
			add(path, "required", "is required")
		}
	}
	switch sub.AuthKind {
	case AuthNone:
	case AuthBasic:
		sub.AuthUsername = auth.Username
		if auth.Username == "" || strings.Contains(auth.Username, ":") {
			add("auth.username", "invalid_value", "is required, without ':'")
		}
		keep(auth.Password, "auth.password", credentials.PasswordField)
	case AuthBearer:
		keep(auth.Token, "auth.token", credentials.TokenField)
	case AuthConnection:
		sub.AuthConnection = auth.Connection
		if _, err := ss.store.Connection(ctx, accountID, auth.Connection); err != nil {
			add("auth.connection", "invalid_value", "must be a connection of the account")
		}
	default:
		add("auth.type", "invalid_value", "must be none, basic, bearer or connection")
	}
	if len(secrets) > 0 && !ss.secrets.Configured() {
		add("auth", "not_configured", "secrets need Vault, which this gateway has not")
	}
	return sub, secrets, problems
}

// checkEvents says what is wrong with the events of a subscription.
func (ss *Subscriptions) checkEvents(ctx context.Context, accountID string, events []string, connection string) []FieldError {
	var problems []FieldError
	if len(events) == 0 {
		return []FieldError{{Path: "events", Code: "required", Message: "name at least one event"}}
	}
	appTriggers := 0
	for i, ev := range events {
		path := fmt.Sprintf("events[%d]", i)
		switch {
		case slices.Contains(runs.SystemEvents, ev),
			ev == definition.TriggerHTTPRequest, ev == definition.TriggerInboundSMS, ev == definition.TriggerInboundChatApps:
		case definition.IsAppTrigger(ev):
			app, trigger, _ := definition.AppTrigger(ev)
			spec, _, err := ss.connectors.TriggerFor(ctx, accountID, app, "", trigger)
			if err != nil {
				problems = append(problems, FieldError{Path: path, Code: "invalid_value", Message: err.Error()})
				continue
			}
			if spec.Kind == connectors.TriggerPolling {
				problems = append(problems, FieldError{Path: path, Code: "not_supported",
					Message: "a polling trigger fires only for a definition that polls it; subscribe to a webhook trigger, or to run events of such a definition"})
			}
			appTriggers++
		default:
			problems = append(problems, FieldError{Path: path, Code: "invalid_value",
				Message: "must be a trigger (http_request, inbound_sms, inbound_chat_apps, <app>.<trigger>) or " + strings.Join(runs.SystemEvents, ", ")})
		}
	}
	if connection != "" {
		// The connection filters every event of the subscription, so one
		// that names it receives app triggers only.
		if appTriggers != len(events) {
			problems = append(problems, FieldError{Path: "triggerConnection", Code: "invalid_value",
				Message: "is only for subscriptions to app triggers alone; subscribe to other events in another subscription"})
		} else if _, err := ss.store.Connection(ctx, accountID, connection); err != nil {
			problems = append(problems, FieldError{Path: "triggerConnection", Code: "invalid_value", Message: "must be a connection of the account"})
		}
	}
	return problems
}

// secretValue reads a secret as a request gives it: a string sets it;
// {"set": true}, null or nothing keeps the stored one.
func secretValue(raw json.RawMessage) (string, bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			return "", false, errors.New("must not be empty")
		}
		return s, true, nil
	}
	var kept struct {
		Set bool `json:"set"`
	}
	if err := json.Unmarshal(raw, &kept); err != nil || !kept.Set {
		return "", false, errors.New(`must be a string, or {"set": true} to keep the stored value`)
	}
	return "", false, nil
}

func authSecretField(kind string) string {
	switch kind {
	case AuthBasic:
		return credentials.PasswordField
	case AuthBearer:
		return credentials.TokenField
	}
	return ""
}

func secretNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func sliceSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
