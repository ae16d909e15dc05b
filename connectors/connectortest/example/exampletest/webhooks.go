package exampletest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/connectortest/example"
)

// Acme's webhook subscriptions, as the fake serves them (Acme is made up;
// this is its documented API):
//
//   - POST /v1/webhooks {"url", "events": [...], "secret"} subscribes url
//     to the events and answers 201 {"id", "url", "events", "expires_at"};
//     a subscription expires WebhookLifetime after it was made or last
//     renewed. The deliveries are signed with secret (X-Acme-Signature).
//   - POST /v1/webhooks/{id}/renew extends it and answers 200 with it.
//   - DELETE /v1/webhooks/{id} ends it and answers 204.
//
// An unknown or expired id answers 404.

// DefaultWebhookLifetime is how long the fake's subscriptions last.
const DefaultWebhookLifetime = 24 * time.Hour

// Webhook is one subscription, as the fake keeps and answers it.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	ExpiresAt time.Time `json:"expires_at"`
	// Secret signs the deliveries; never in an answer.
	Secret string `json:"-"`
	// Renewals counts the renewals.
	Renewals int `json:"-"`
}

// SetWebhookLifetime sets how long subscriptions made or renewed from now
// on last.
func (s *Server) SetWebhookLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// Webhooks returns the workspace's subscriptions that have not ended or
// expired, oldest first.
func (s *Server) Webhooks(workspace string) []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Webhook
	for _, w := range s.webhooks[workspace] {
		if time.Now().Before(w.ExpiresAt) {
			out = append(out, *w)
		}
	}
	return out
}

// Delivered is one delivery Deliver made, and the receiver's answer.
type Delivered struct {
	URL    string
	Status int
	Body   []byte
}

// Deliver sends event (a JSON object whose "type" is its event type) to
// every subscription of the workspace to that type, signed with the
// subscription's secret as Acme signs deliveries, and returns what the
// receivers answered.
func (s *Server) Deliver(ctx context.Context, client *http.Client, workspace string, event []byte) ([]Delivered, error) {
	var ev struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("the event is not a JSON object: %w", err)
	}
	var out []Delivered
	for _, w := range s.Webhooks(workspace) {
		if !slices.Contains(w.Events, ev.Type) {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(event))
		if err != nil {
			return out, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(example.SignatureHeader, Sign(event, w.Secret))
		resp, err := client.Do(req)
		if err != nil {
			return out, fmt.Errorf("delivering to %s: %w", w.URL, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, connectortest.MaxBody))
		_ = resp.Body.Close()
		if err != nil {
			return out, fmt.Errorf("reading the answer of %s: %w", w.URL, err)
		}
		out = append(out, Delivered{URL: w.URL, Status: resp.StatusCode, Body: body})
	}
	return out, nil
}

// serveWebhooks answers the webhook routes, and reports whether r was one.
func (s *Server) serveWebhooks(w http.ResponseWriter, r *http.Request, workspace string, body []byte) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/webhooks")
	if !ok {
		return false
	}
	id, renew := strings.CutSuffix(strings.TrimPrefix(rest, "/"), "/renew")
	switch {
	case r.Method == http.MethodPost && rest == "":
		s.subscribe(w, workspace, body)
	case r.Method == http.MethodPost && renew && id != "":
		s.renew(w, workspace, id)
	case r.Method == http.MethodDelete && id != "" && !renew:
		s.unsubscribe(w, workspace, id)
	default:
		return false
	}
	return true
}

func (s *Server) subscribe(w http.ResponseWriter, workspace string, body []byte) {
	var in struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
		Secret string   `json:"secret"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "body is not JSON")
		return
	}
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		writeError(w, http.StatusUnprocessableEntity, "url must be an absolute http(s) URL")
		return
	}
	if len(in.Events) == 0 {
		writeError(w, http.StatusUnprocessableEntity, "events must name at least one event type")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhooks == nil {
		s.webhooks = map[string][]*Webhook{}
	}
	s.webhookSeq++
	hook := &Webhook{ID: fmt.Sprintf("wh_%d", s.webhookSeq), URL: in.URL, Events: in.Events, Secret: in.Secret,
		ExpiresAt: time.Now().Add(s.webhookLifetime()).UTC().Truncate(time.Second)}
	s.webhooks[workspace] = append(s.webhooks[workspace], hook)
	connectortest.ContentJSON.Write(w, http.StatusCreated, hook)
}

func (s *Server) renew(w http.ResponseWriter, workspace, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hook := s.liveWebhook(workspace, id)
	if hook == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no webhook %s", id))
		return
	}
	hook.ExpiresAt = time.Now().Add(s.webhookLifetime()).UTC().Truncate(time.Second)
	hook.Renewals++
	connectortest.ContentJSON.Write(w, http.StatusOK, hook)
}

func (s *Server) unsubscribe(w http.ResponseWriter, workspace, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.liveWebhook(workspace, id) == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no webhook %s", id))
		return
	}
	s.webhooks[workspace] = slices.DeleteFunc(s.webhooks[workspace], func(h *Webhook) bool { return h.ID == id })
	w.WriteHeader(http.StatusNoContent)
}

// liveWebhook is the workspace's subscription id, nil when there is none
// or it has expired. The caller holds s.mu.
func (s *Server) liveWebhook(workspace, id string) *Webhook {
	for _, h := range s.webhooks[workspace] {
		if h.ID == id && time.Now().Before(h.ExpiresAt) {
			return h
		}
	}
	return nil
}

func (s *Server) webhookLifetime() time.Duration {
	if s.lifetime > 0 {
		return s.lifetime
	}
	return DefaultWebhookLifetime
}
