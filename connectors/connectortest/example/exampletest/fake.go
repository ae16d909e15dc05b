// Package exampletest fakes the API of Acme CRM, the made-up third party of
// package example, the way every connector's <app>test package fakes its
// third party: an httptest server that speaks the documented wire format
// (hosts, paths, auth headers, error bodies, Retry-After), keeps state, logs
// requests, and fails on demand for the conformance kit.
package exampletest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/connectortest/example"
)

// Credentials the fake accepts.
const (
	Token  = "acme-test-token"
	APIKey = "acme-test-key"
)

// Request is one request the fake received.
type Request = connectortest.Request

// Contact is a contact as the fake stores and answers it.
type Contact struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name,omitempty"`
	Lifecycle string    `json:"lifecycle"`
	Tags      []string  `json:"tags,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Server is the fake. Every workspace exists; each starts empty. Clients
// reach it for any workspace by keeping the workspace's host in the Host
// header (see connectortest.Redirect).
type Server struct {
	*connectortest.Server

	mu       sync.Mutex
	contacts map[string][]Contact // by workspace
	// webhooks are the subscriptions (webhooks.go), by workspace.
	webhooks   map[string][]*Webhook
	webhookSeq int
	lifetime   time.Duration
}

// New starts a fake that t closes when it ends.
func New(t testing.TB) *Server {
	s := &Server{contacts: map[string][]Contact{}}
	s.Server = connectortest.NewServer(t, s.serve, writeFailure)
	return s
}

// Contacts returns the contacts of a workspace.
func (s *Server) Contacts(workspace string) []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Contact(nil), s.contacts[workspace]...)
}

// Sign returns the X-Acme-Signature of a webhook body: hex HMAC-SHA256
// with the webhook's secret.
func Sign(body []byte, secret string) string { return example.Sign(body, secret) }

// Acme's documented webhook example: this body, secret and signature.
const (
	vectorBody   = `{"event_id":"evt_01HZX3V9","type":"contact.created"}`
	vectorSecret = "whsec_acme_example"
)

// WebhookVectors returns Acme's documented example delivery. (Acme is made
// up; the signature was computed with openssl dgst -sha256 -hmac.)
func (s *Server) WebhookVectors() []connectortest.WebhookVector {
	h := http.Header{}
	h.Set(example.SignatureHeader, "137937892275e172bbe383d44f7175b4e9f1e407055d008745aee22d8f30a8b8")
	return []connectortest.WebhookVector{{Name: "Acme's docs", Trigger: "contact_created",
		Delivery: connectors.Delivery{Header: h, Body: []byte(vectorBody), Secrets: []string{vectorSecret}}}}
}

// SignWebhook signs payload as Acme does.
func (s *Server) SignWebhook(_ string, payload []byte, secret, url string, at time.Time) connectortest.SignedDelivery {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(example.SignatureHeader, Sign(payload, secret))
	return connectortest.SignedDelivery{Delivery: connectors.Delivery{Header: h, Body: payload, URL: url, Now: at}, BodySigned: true}
}

var errorCodes = map[int]string{
	http.StatusBadRequest:          "bad_request",
	http.StatusUnauthorized:        "unauthenticated",
	http.StatusForbidden:           "forbidden",
	http.StatusNotFound:            "not_found",
	http.StatusUnprocessableEntity: "invalid",
	http.StatusTooManyRequests:     "rate_limited",
	http.StatusServiceUnavailable:  "maintenance",
}

func writeError(w http.ResponseWriter, status int, message string) {
	code := errorCodes[status]
	if code == "" {
		code = "error"
	}
	connectortest.ContentJSON.Write(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// writeFailure answers an injected failure: Acme's error body and
// Retry-After.
func writeFailure(w http.ResponseWriter, f connectortest.Failure) {
	f.SetRetryAfter(w.Header())
	writeError(w, f.Status, fmt.Sprintf("injected failure: %s", http.StatusText(f.Status)))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	f := s.Next()
	workspace, ok := strings.CutSuffix(connectortest.Hostname(r.Host), ".acme.example")
	if !ok || workspace == "" || strings.Contains(workspace, ".") {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no workspace at %s", r.Host))
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+Token && r.Header.Get("X-Acme-Key") != APIKey {
		writeError(w, http.StatusUnauthorized, "missing or invalid credentials")
		return
	}
	if f != nil {
		s.WriteFailure(w, *f)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/contacts":
		s.createContact(w, workspace, body)
	case s.serveWebhooks(w, r, workspace, body):
	default:
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
	}
}

func (s *Server) createContact(w http.ResponseWriter, workspace string, body []byte) {
	var in struct {
		Email     string   `json:"email"`
		Name      string   `json:"name"`
		Lifecycle string   `json:"lifecycle"`
		Tags      []string `json:"tags"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "body is not JSON")
		return
	}
	if !strings.Contains(in.Email, "@") {
		writeError(w, http.StatusUnprocessableEntity, "email is not an email address")
		return
	}
	switch in.Lifecycle {
	case "":
		in.Lifecycle = "lead"
	case "lead", "customer":
	default:
		writeError(w, http.StatusUnprocessableEntity, "lifecycle must be lead or customer")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.contacts[workspace] {
		if strings.EqualFold(c.Email, in.Email) {
			writeError(w, http.StatusUnprocessableEntity, "a contact with this email already exists")
			return
		}
	}
	c := Contact{
		ID:    fmt.Sprintf("ct_%d", 1001+len(s.contacts[workspace])),
		Email: in.Email, Name: in.Name, Lifecycle: in.Lifecycle, Tags: in.Tags,
		CreatedAt: time.Now().UTC().Truncate(time.Second),
	}
	s.contacts[workspace] = append(s.contacts[workspace], c)
	connectortest.ContentJSON.Write(w, http.StatusCreated, c)
}
