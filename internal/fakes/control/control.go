// Package control is what every fake of package internal/fakes serves
// besides its third party's API: a control API under /_fake/ to
// subscribe webhooks, read the deliveries made, inject failures and read
// the fake's state, and the webhook sender behind it.
//
// The control API is the fakes' own, never a third party's: no real API
// has a /_fake/ path, so it shares the port of the API it controls.
//
//	POST /_fake/webhooks     {"event", "url", "headers", "secret"}  subscribe a URL to an event
//	GET  /_fake/webhooks                                            the subscriptions
//	GET  /_fake/deliveries                                          every delivery made, oldest first
//	POST /_fake/fail         {"status", "retryAfterSeconds", "count"}  fail the next API requests
//
// Webhooks go to loopback addresses only: the fakes stand in for third
// parties on a developer's machine and in tests, and must not be made to
// post to anything else.
package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
)

// Prefix starts every path of the control API.
const Prefix = "/_fake/"

// Subscription is a URL that receives a fake's deliveries of one event.
type Subscription struct {
	// Event is the fake's name for the event, e.g. orders/create
	// (Shopify's topic) or shipment/packed (Eshopbox's resource and
	// event subtype).
	Event string `json:"event"`
	// URL receives the deliveries: a loopback http(s) URL, e.g. the
	// gateway's /hooks/{accountId}/{connectionId}/{triggerId}.
	URL string `json:"url"`
	// Headers go with every delivery, as third parties that
	// authenticate webhooks with agreed headers send them (Eshopbox's
	// webhookHeaders, the Authorization header agreed with Delhivery).
	Headers map[string]string `json:"headers,omitempty"`
	// Secret signs deliveries, for third parties that sign them
	// (Shopify's app client secret).
	Secret string `json:"secret,omitempty"`
}

// Delivery is one attempt to deliver an event to a subscription.
type Delivery struct {
	Event   string    `json:"event"`
	URL     string    `json:"url"`
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	// Status is the answer's status; 0 when none came.
	Status int `json:"status"`
	// Answer is the start of the answer's body.
	Answer string `json:"answer,omitempty"`
	// Error says why no answer came.
	Error string `json:"error,omitempty"`
}

// OK reports whether the delivery was answered 2xx.
func (d Delivery) OK() bool { return d.Status >= 200 && d.Status < 300 }

// Signer returns the headers of a delivery of body to sub: its agreed
// headers, a signature, the event's own headers (Shopify's topic).
type Signer func(sub Subscription, body []byte) http.Header

// Retry is how often and how far apart DeliverLater tries each
// subscription: third parties retry failed deliveries, and an event a
// fake raises by itself (Eshopbox's delivered, after a status update)
// must survive a gateway that is not listening yet.
var Retry = struct {
	Attempts int
	First    time.Duration
}{Attempts: 6, First: 250 * time.Millisecond}

// maxAnswer bounds how much of an answer a Delivery keeps.
const maxAnswer = 2048

// Hooks holds a fake's webhook subscriptions and sends its deliveries.
type Hooks struct {
	client *http.Client
	ctx    context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	subs       []Subscription
	deliveries []Delivery
}

// NewHooks returns Hooks with no subscriptions. Close stops the
// deliveries still being retried.
func NewHooks() *Hooks {
	ctx, stop := context.WithCancel(context.Background())
	return &Hooks{client: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, ctx: ctx, stop: stop}
}

// Close stops retrying and waits for the deliveries in flight.
func (h *Hooks) Close() {
	h.stop()
	h.wg.Wait()
}

// Subscribe adds a subscription after checking that its URL is a
// loopback http(s) URL.
func (h *Hooks) Subscribe(sub Subscription) error {
	if strings.TrimSpace(sub.Event) == "" {
		return errors.New("event: is required")
	}
	if err := CheckLoopback(sub.URL); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs = append(h.subs, sub)
	return nil
}

// Subscriptions returns the subscriptions, oldest first.
func (h *Hooks) Subscriptions() []Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Subscription{}, h.subs...)
}

// Deliveries returns every delivery attempt, oldest first.
func (h *Hooks) Deliveries() []Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Delivery{}, h.deliveries...)
}

// CheckLoopback accepts an http or https URL whose host is a loopback
// address or localhost.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not on a loopback address: the fakes post to this machine only", raw)
}

func (h *Hooks) subscribed(event string) []Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Subscription
	for _, s := range h.subs {
		if s.Event == event {
			out = append(out, s)
		}
	}
	return out
}

// Deliver posts body to every subscription of event once, and returns
// the deliveries: what a third party's first attempt does, for events
// raised through the control API, whose caller wants to see the answer.
func (h *Hooks) Deliver(ctx context.Context, event string, body []byte, sign Signer) []Delivery {
	out := []Delivery{}
	for _, sub := range h.subscribed(event) {
		out = append(out, h.post(ctx, sub, event, body, sign, 1))
	}
	return out
}

// DeliverLater posts body to every subscription of event in the
// background, each until it is answered 2xx or Retry.Attempts are spent:
// for events a fake raises while it answers a request (Eshopbox's
// delivered event when a status update arrives), which must not wait on
// the receiver.
func (h *Hooks) DeliverLater(event string, body []byte, sign Signer) {
	for _, sub := range h.subscribed(event) {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			wait := Retry.First
			for attempt := 1; attempt <= Retry.Attempts; attempt++ {
				if h.post(h.ctx, sub, event, body, sign, attempt).OK() {
					return
				}
				select {
				case <-h.ctx.Done():
					return
				case <-time.After(wait):
				}
				wait *= 2
			}
		}()
	}
}

func (h *Hooks) post(ctx context.Context, sub Subscription, event string, body []byte, sign Signer, attempt int) Delivery {
	d := Delivery{Event: event, URL: sub.URL, Attempt: attempt, At: time.Now().UTC()}
	defer func() {
		h.mu.Lock()
		h.deliveries = append(h.deliveries, d)
		h.mu.Unlock()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "junction-fakes")
	for k, v := range sub.Headers {
		req.Header.Set(k, v)
	}
	if sign != nil {
		for k, vs := range sign(sub, body) {
			req.Header[k] = vs
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	d.Status, d.Answer = resp.StatusCode, string(answer)
	return d
}

// failRequest is the body of POST /_fake/fail.
type failRequest struct {
	Status            int `json:"status"`
	RetryAfterSeconds int `json:"retryAfterSeconds"`
	Count             int `json:"count"`
}

// API is the control API of one fake: Hooks' routes, /_fake/fail on
// Failures, and the fake's own routes, added with Handle.
type API struct {
	hooks    *Hooks
	failures *connectortest.Failures
	mux      *http.ServeMux
}

// NewAPI serves the control routes of hooks and failures.
func NewAPI(hooks *Hooks, failures *connectortest.Failures) *API {
	a := &API{hooks: hooks, failures: failures, mux: http.NewServeMux()}
	a.mux.HandleFunc("POST "+Prefix+"webhooks", a.subscribe)
	a.mux.HandleFunc("GET "+Prefix+"webhooks", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, a.hooks.Subscriptions())
	})
	a.mux.HandleFunc("GET "+Prefix+"deliveries", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, a.hooks.Deliveries())
	})
	a.mux.HandleFunc("POST "+Prefix+"fail", a.fail)
	a.mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, "path", fmt.Sprintf("no control route %s %s", r.Method, r.URL.Path))
	})
	return a
}

// Handle adds a fake's own control route, e.g. "POST /_fake/orders".
func (a *API) Handle(pattern string, h http.HandlerFunc) { a.mux.HandleFunc(pattern, h) }

// ServeHTTP serves the control routes.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Is reports whether r is for the control API.
func Is(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, Prefix) }

func (a *API) subscribe(w http.ResponseWriter, r *http.Request) {
	var sub Subscription
	if !Decode(w, r, &sub) {
		return
	}
	if err := a.hooks.Subscribe(sub); err != nil {
		field, msg, _ := strings.Cut(err.Error(), ": ")
		WriteError(w, http.StatusBadRequest, field, msg)
		return
	}
	WriteJSON(w, http.StatusCreated, sub)
}

func (a *API) fail(w http.ResponseWriter, r *http.Request) {
	var in failRequest
	if !Decode(w, r, &in) {
		return
	}
	switch {
	case in.Status < 400 || in.Status > 599:
		WriteError(w, http.StatusBadRequest, "status", "must be an HTTP error status, 400 to 599")
		return
	case in.RetryAfterSeconds < 0:
		WriteError(w, http.StatusBadRequest, "retryAfterSeconds", "must not be negative")
		return
	case in.Count < 0 || in.Count > 100:
		WriteError(w, http.StatusBadRequest, "count", "must be 0 to 100 (0 means 1)")
		return
	}
	f := connectortest.Failure{Status: in.Status, RetryAfter: time.Duration(in.RetryAfterSeconds) * time.Second}
	for range max(in.Count, 1) {
		a.failures.Script(f)
	}
	WriteJSON(w, http.StatusOK, map[string]int{"queued": max(in.Count, 1)})
}

// maxControlBody bounds a control request's body.
const maxControlBody = 1 << 20

// Decode reads r's JSON body into v, refusing unknown fields; on failure
// it answers 400 and returns false.
func Decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		WriteError(w, http.StatusBadRequest, "body", "not the JSON this route takes: "+err.Error())
		return false
	}
	return true
}

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	connectortest.ContentJSON.Write(w, status, v)
}

// WriteError answers the control API's error body, naming the field at
// fault.
func WriteError(w http.ResponseWriter, status int, field, message string) {
	WriteJSON(w, status, map[string]any{"error": message, "field": field})
}
