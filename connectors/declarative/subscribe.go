package declarative

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
)

// Some third parties send a webhook's events only once asked to by API
// ("POST /v1/webhooks {url, events}"), and some end that subscription
// after a while unless it is renewed. A trigger says how with three
// requests, which Junction sends through the connection of a definition
// listening on the trigger: subscribe when the definition is enabled,
// renew before the subscription expires, unsubscribe when the definition
// is disabled, deleted or moves to another trigger. The requests are
// Request templates, like an action's, over connection, env, webhook
// (webhook.url, the URL Junction receives the trigger's deliveries at, and
// webhook.secret, the connection's webhook secret, for third parties that
// take the signing secret in the request) and, for renew and unsubscribe,
// subscription (subscription.id, subscription.expiresAt).

// Subscribe is the request that subscribes Junction's webhook URL, and
// where its answer says which subscription it made.
type Subscribe struct {
	Request Request `json:"request" description:"The request: method, path, query, headers, body; templates read connection, env and webhook."`
	// ID is the JSONPath of the subscription's id in the answer, e.g.
	// "$.id"; subscription.id in renew and unsubscribe.
	ID string `json:"id,omitempty" description:"The JSONPath of the subscription's id in the answer ($.id)."`
	// ExpiresAt is the JSONPath of when the subscription ends unless
	// renewed: an RFC 3339 time or Unix seconds. Lifetime says it instead
	// for a third party whose subscriptions last a fixed time.
	ExpiresAt string `json:"expiresAt,omitempty" description:"The JSONPath of when the subscription expires in the answer: RFC 3339 or Unix seconds."`
	Lifetime  string `json:"lifetime,omitempty" description:"How long a subscription lasts, when the answer does not say: a Go duration (72h)."`
	// RenewBefore is how long before it expires a subscription is renewed
	// (DefaultRenewBefore), or half its life when that is shorter.
	RenewBefore string `json:"renewBefore,omitempty" description:"How long before expiry Junction renews: a Go duration, 1h when not given (or half the lifetime when shorter)."`
}

// Renew is the request that extends a subscription.
type Renew struct {
	Request Request `json:"request" description:"The request; templates read connection, env, webhook and subscription."`
	// ExpiresAt is the JSONPath of the new expiry in the answer; the
	// subscribe's when not given (or its lifetime from now).
	ExpiresAt string `json:"expiresAt,omitempty" description:"The JSONPath of the new expiry in the answer; subscribe's when not given."`
}

// Unsubscribe is the request that ends a subscription. An answer of 404 or
// 410 means it has ended already.
type Unsubscribe struct {
	Request Request `json:"request" description:"The request; templates read connection, env, webhook and subscription. 404 and 410 mean it is gone already."`
}

// DefaultRenewBefore is how long before it expires a subscription is
// renewed, when the trigger does not say.
const DefaultRenewBefore = time.Hour

// subscription is a trigger's compiled subscribe, renew and unsubscribe.
type subscription struct {
	subscribe, renew, unsubscribe *action
	lifetime, renewBefore         time.Duration
}

// checkSubscription reports the problems of the trigger's subscribe, renew
// and unsubscribe, and returns them compiled; nil when the trigger has
// none (or has problems).
func (a *App) checkSubscription(v *validator, at string, tr *Trigger) *subscription {
	if tr.Subscribe == nil {
		if tr.Renew != nil {
			v.add(at+".renew", definition.CodeNotAllowed, "goes only with subscribe")
		}
		if tr.Unsubscribe != nil {
			v.add(at+".unsubscribe", definition.CodeNotAllowed, "goes only with subscribe")
		}
		return nil
	}
	start := len(v.problems)
	s := &subscription{renewBefore: DefaultRenewBefore}
	sub := tr.Subscribe
	s.subscribe = a.checkRequest(v, at+".subscribe", tr.ID+" subscribe", sub.Request, subscribeVars,
		map[string]string{"id": sub.ID, "expiresAt": sub.ExpiresAt})
	duration := func(field, value string) time.Duration {
		if value == "" {
			return 0
		}
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 {
			v.add(field, definition.CodeInvalidValue, fmt.Sprintf("%q is not a positive duration such as 72h", value))
		}
		return d
	}
	s.lifetime = duration(at+".subscribe.lifetime", sub.Lifetime)
	if sub.Lifetime != "" && sub.ExpiresAt != "" {
		v.add(at+".subscribe.lifetime", definition.CodeNotAllowed, "goes only without expiresAt: the answer says when it expires")
	}
	expires := sub.Lifetime != "" || sub.ExpiresAt != ""
	if sub.RenewBefore != "" {
		s.renewBefore = duration(at+".subscribe.renewBefore", sub.RenewBefore)
		if !expires {
			v.add(at+".subscribe.renewBefore", definition.CodeNotAllowed, "goes only with expiresAt or lifetime: a subscription that does not expire is not renewed")
		}
	}
	if tr.Renew != nil {
		if !expires {
			v.add(at+".renew", definition.CodeNotAllowed, "goes only with subscribe's expiresAt or lifetime: a subscription that does not expire is not renewed")
		}
		renewExpires := tr.Renew.ExpiresAt
		if renewExpires == "" && checkJSONPath(sub.ExpiresAt) == nil {
			// subscribe's, whose problems are reported there.
			renewExpires = sub.ExpiresAt
		}
		s.renew = a.checkRequest(v, at+".renew", tr.ID+" renew", tr.Renew.Request, subscriptionVars,
			map[string]string{"expiresAt": renewExpires})
	}
	if tr.Unsubscribe == nil {
		v.add(at+".unsubscribe", definition.CodeRequired, "is required with subscribe: Junction ends the subscriptions it makes")
	} else {
		s.unsubscribe = a.checkRequest(v, at+".unsubscribe", tr.ID+" unsubscribe", tr.Unsubscribe.Request, subscriptionVars, nil)
	}
	// The base URL is rendered for these requests too, which have no input.
	_, refs, _ := compileTemplate(a.BaseURL, actionVars)
	if slices.ContainsFunc(refs, func(r ref) bool { return r.root == "input" }) {
		v.add(at+".subscribe", definition.CodeUnknownVariable, "the app's baseUrl reads input, which subscription requests do not have")
	}
	if len(v.problems) > start {
		return nil
	}
	return s
}

// checkRequest checks a subscription request as an action's request, with
// templates of vars, and returns it compiled as an action named
// name; outputs are the JSONPaths read from the answer, by field name
// ("id": "$.id"), each checked at at.<field>.
func (a *App) checkRequest(v *validator, at, name string, req Request, vars templateVars, outputs map[string]string) *action {
	template, checkRefs := a.templates(v, vars, nil, a.propertyNames())
	// An action of the request alone: its id, name, kind and schemas are
	// placeholders, valid by construction, so every problem found is the
	// request's, at at.request.*.
	act := Action{ID: "subscription", Name: name, Kind: connectors.ActionOther, Description: name,
		Input: json.RawMessage(`{"type": "object"}`), SampleInput: json.RawMessage(`{}`), Request: req}
	c := act.check(v, at, vars, template, checkRefs)
	if c != nil {
		act.compileStatuses(v, at, c, a.Defaults)
	}
	extract := map[string]string{}
	ok := c != nil
	for field, p := range outputs {
		if p == "" {
			continue
		}
		if err := checkJSONPath(p); err != nil {
			v.add(at+"."+field, definition.CodeInvalidValue, err.Error())
			ok = false
			continue
		}
		extract[field] = p
	}
	if !ok {
		return nil
	}
	c.spec.ID = name
	c.outputs = extract
	return c
}

// subscribingApp is an app whose triggers Junction subscribes by API.
type subscribingApp struct {
	*connectors.Static
	rt   *runtime
	subs map[string]*subscription // by trigger id
}

var _ connectors.WebhookSubscriber = (*subscribingApp)(nil)

// withSubscriptions returns the app's connector, a WebhookSubscriber when
// some trigger has a subscribe request.
func (rt *runtime) withSubscriptions(c *connectors.Static, subs map[string]*subscription) connectors.Connector {
	if len(subs) == 0 {
		return c
	}
	return &subscribingApp{Static: c, rt: rt, subs: subs}
}

// SubscribesWebhook reports whether the trigger has a subscribe request.
func (s *subscribingApp) SubscribesWebhook(trigger string) bool { return s.subs[trigger] != nil }

// SubscribeWebhook sends the trigger's subscribe request and reads the
// subscription from the answer.
func (s *subscribingApp) SubscribeWebhook(ctx context.Context, call connectors.Call, trigger, webhookURL string) (connectors.WebhookSubscription, error) {
	sub, err := s.of(trigger)
	if err != nil {
		return connectors.WebhookSubscription{}, err
	}
	r := &runner{rt: s.rt, a: sub.subscribe}
	out, err := r.send(ctx, call, s.data(call, webhookURL, nil))
	if err != nil {
		return connectors.WebhookSubscription{}, err
	}
	now := time.Now()
	got := connectors.WebhookSubscription{}
	if got.ID, err = subscriptionID(r.a, out); err != nil {
		return connectors.WebhookSubscription{}, err
	}
	if got.ExpiresAt, err = sub.expiry(r.a, out, now); err != nil {
		return connectors.WebhookSubscription{}, err
	}
	got.RenewAt = sub.renewAt(got.ExpiresAt, now)
	return got, nil
}

// RenewWebhook sends the trigger's renew request, or without one
// subscribes again (the caller then unsubscribes the old subscription).
func (s *subscribingApp) RenewWebhook(ctx context.Context, call connectors.Call, trigger, webhookURL string, old connectors.WebhookSubscription) (connectors.WebhookSubscription, error) {
	sub, err := s.of(trigger)
	if err != nil {
		return connectors.WebhookSubscription{}, err
	}
	if sub.renew == nil {
		return s.SubscribeWebhook(ctx, call, trigger, webhookURL)
	}
	r := &runner{rt: s.rt, a: sub.renew}
	out, err := r.send(ctx, call, s.data(call, webhookURL, &old))
	if err != nil {
		return connectors.WebhookSubscription{}, err
	}
	now := time.Now()
	got := old
	if got.ExpiresAt, err = sub.expiry(r.a, out, now); err != nil {
		return connectors.WebhookSubscription{}, err
	}
	got.RenewAt = sub.renewAt(got.ExpiresAt, now)
	return got, nil
}

// UnsubscribeWebhook sends the trigger's unsubscribe request; not found
// (404, 410) means the subscription is gone already.
func (s *subscribingApp) UnsubscribeWebhook(ctx context.Context, call connectors.Call, trigger, webhookURL string, old connectors.WebhookSubscription) error {
	sub, err := s.of(trigger)
	if err != nil {
		return err
	}
	r := &runner{rt: s.rt, a: sub.unsubscribe}
	_, err = r.send(ctx, call, s.data(call, webhookURL, &old))
	if ce, ok := errors.AsType[*connectors.Error](err); ok && ce.Kind == connectors.NotFound {
		return nil
	}
	return err
}

func (s *subscribingApp) of(trigger string) (*subscription, error) {
	sub := s.subs[trigger]
	if sub == nil {
		return nil, connectors.Errorf(connectors.BadRequest, "%s %s: trigger %q is not subscribed by API", s.Spec().ID, s.Spec().Version, trigger)
	}
	return sub, nil
}

// data is what a subscription request's templates read besides the
// connection's properties and the environment: the webhook, and the
// subscription for renew and unsubscribe.
func (s *subscribingApp) data(call connectors.Call, webhookURL string, old *connectors.WebhookSubscription) map[string]any {
	data := map[string]any{}
	hook := map[string]any{"url": webhookURL}
	if call.Connection.Secrets != nil {
		if secret, ok := call.Connection.Secrets.Secret(connectors.FieldWebhookSecret); ok && secret != "" {
			hook["secret"] = secret
		}
	}
	data["webhook"] = hook
	if old != nil {
		sub := map[string]any{"id": old.ID}
		if !old.ExpiresAt.IsZero() {
			sub["expiresAt"] = old.ExpiresAt.UTC().Format(time.RFC3339)
		}
		data["subscription"] = sub
	}
	return data
}

// subscriptionID reads the subscription's id from a subscribe answer: a
// string or an integer; "" when the trigger reads none.
func subscriptionID(a *action, out any) (string, error) {
	if _, reads := a.outputs["id"]; !reads {
		return "", nil
	}
	v := extracted(out, "id")
	switch x := v.(type) {
	case string:
		if x != "" {
			return x, nil
		}
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10), nil
		}
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return x.String(), nil
		}
	}
	return "", connectors.Errorf(connectors.BadRequest, "%s: the answer has no subscription id (a non-empty string or an integer) at %s", a.spec.ID, a.outputs["id"])
}

// expiry is when a subscription just made or renewed at now expires: the
// answer's expiresAt, or now plus the lifetime; zero when it does not
// expire.
func (s *subscription) expiry(a *action, out any, now time.Time) (time.Time, error) {
	if p, reads := a.outputs["expiresAt"]; reads {
		v := extracted(out, "expiresAt")
		switch x := v.(type) {
		case string:
			if t, err := time.Parse(time.RFC3339, x); err == nil {
				return t, nil
			}
		case float64:
			return time.Unix(int64(x), 0), nil
		case json.Number:
			if n, err := x.Int64(); err == nil {
				return time.Unix(n, 0), nil
			}
		}
		return time.Time{}, connectors.Errorf(connectors.BadRequest, "%s: the answer has no expiry (RFC 3339 or Unix seconds) at %s", a.spec.ID, p)
	}
	if s.lifetime > 0 {
		return now.Add(s.lifetime), nil
	}
	return time.Time{}, nil
}

// renewAt is when a subscription that expires at expires is renewed:
// renewBefore before, or halfway there when that is sooner than now plus
// half its remaining life; zero when it does not expire.
func (s *subscription) renewAt(expires, now time.Time) time.Time {
	left := expires.Sub(now)
	switch {
	case expires.IsZero():
		return time.Time{}
	case left <= 0:
		return now
	}
	return expires.Add(-min(s.renewBefore, left/2))
}

// extracted is the value of field in a request's result: the object of
// its outputs.
func extracted(out any, field string) any {
	if m, ok := out.(map[string]any); ok {
		return m[field]
	}
	return nil
}
