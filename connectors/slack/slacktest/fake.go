// Package slacktest fakes Slack's Web API for the slack connector's tests:
// an httptest server that speaks chat.postMessage as Slack documents it
// (Authorization: Bearer, HTTP 200 with {"ok": false, "error": code} for
// refusals, 429 with Retry-After), keeps the messages it was sent, logs
// requests, and fails on demand for the conformance kit.
package slacktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors/connectortest"
)

// Token is the bot token the fake accepts; RevokedToken is one Slack
// answers token_revoked for.
const (
	Token        = "xoxb-1234-5678-slacktest"
	RevokedToken = "xoxb-1234-5678-revoked"
)

// Channels the fake knows, by id; "#general" and "#ops" name them too.
// NotInChannel is a channel the bot is not a member of.
const (
	General      = "C024BE91L"
	Ops          = "C0OPS0001"
	NotInChannel = "C0PRIVATE1"
)

// Request is one request the fake received.
type Request = connectortest.Request

// Message is a message the fake holds.
type Message struct {
	Channel  string            `json:"channel"`
	Text     string            `json:"text"`
	Blocks   []json.RawMessage `json:"blocks,omitempty"`
	ThreadTS string            `json:"thread_ts,omitempty"`
	TS       string            `json:"ts"`
}

// Server is the fake. Clients reach it with connectortest.Redirect,
// keeping Host slack.com and the /api/ path.
type Server struct {
	*connectortest.Server
	connectortest.Outbox[Message]
}

// New starts a fake that t closes when it ends.
func New(t testing.TB) *Server {
	s := &Server{}
	s.Server = connectortest.NewServer(t, s.serve, writeFailure)
	return s
}

// errorCodes are the codes Slack answers for failing statuses.
var errorCodes = map[int]string{
	http.StatusBadRequest:          "invalid_arguments",
	http.StatusUnauthorized:        "invalid_auth",
	http.StatusForbidden:           "missing_scope",
	http.StatusNotFound:            "channel_not_found",
	http.StatusUnprocessableEntity: "invalid_blocks",
	http.StatusTooManyRequests:     "ratelimited",
	http.StatusInternalServerError: "internal_error",
	http.StatusServiceUnavailable:  "service_unavailable",
}

// slackJSON is the Content-Type of Slack's answers.
const slackJSON = connectortest.JSON("application/json; charset=utf-8")

// writeError answers Slack's error body with status.
func writeError(w http.ResponseWriter, status int, code string) {
	slackJSON.Write(w, status, map[string]any{"ok": false, "error": code})
}

// writeFailure answers an injected failure: Slack's error body with the
// status and its code, and Retry-After.
func writeFailure(w http.ResponseWriter, f connectortest.Failure) {
	f.SetRetryAfter(w.Header())
	code := errorCodes[f.Status]
	if code == "" {
		code = "fatal_error"
	}
	writeError(w, f.Status, code)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	f := s.Next()
	if host := connectortest.Hostname(r.Host); host != "slack.com" {
		http.Error(w, "no such host "+host, http.StatusNotFound)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if f != nil {
		s.WriteFailure(w, *f)
		return
	}
	authz := strings.TrimSpace(r.Header.Get("Authorization"))
	if authz == "Bearer" {
		authz = ""
	}
	tok, _ := strings.CutPrefix(authz, "Bearer ")
	switch strings.TrimSpace(tok) {
	case Token:
	case "":
		writeError(w, http.StatusOK, "not_authed")
		return
	case RevokedToken:
		writeError(w, http.StatusOK, "token_revoked")
		return
	default:
		writeError(w, http.StatusOK, "invalid_auth")
		return
	}
	switch method {
	case "auth.test":
		// Who the token is: what a connection test asks.
		slackJSON.WriteString(w, http.StatusOK, `{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"junction","team_id":"T0001","user_id":"U0001","bot_id":"B0001"}`)
	case "chat.postMessage":
		if r.Method != http.MethodPost {
			writeError(w, http.StatusOK, "invalid_request")
			return
		}
		s.postMessage(w, r, body)
	default:
		writeError(w, http.StatusOK, "unknown_method")
	}
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, body []byte) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusOK, "invalid_arguments")
		return
	}
	var in Message
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusOK, "invalid_json")
		return
	}
	channel := in.Channel
	switch channel {
	case "#general", "general":
		channel = General
	case "#ops", "ops":
		channel = Ops
	}
	switch {
	case channel == NotInChannel:
		writeError(w, http.StatusOK, "not_in_channel")
		return
	case channel != General && channel != Ops:
		writeError(w, http.StatusOK, "channel_not_found")
		return
	case in.Text == "" && len(in.Blocks) == 0:
		writeError(w, http.StatusOK, "no_text")
		return
	case len(in.Text) > 40000:
		writeError(w, http.StatusOK, "msg_too_long")
		return
	}
	in, err := s.Add(func(sent []Message) (Message, error) {
		if in.ThreadTS != "" && !slices.ContainsFunc(sent, func(m Message) bool { return m.Channel == channel && m.TS == in.ThreadTS }) {
			return Message{}, errThreadNotFound
		}
		in.Channel = channel
		in.TS = fmt.Sprintf("1700000000.%06d", len(sent)+1)
		return in, nil
	})
	if err != nil {
		writeError(w, http.StatusOK, "thread_not_found")
		return
	}
	slackJSON.Write(w, http.StatusOK, map[string]any{
		"ok": true, "channel": channel, "ts": in.TS,
		"message": map[string]any{"type": "message", "subtype": "bot_message", "text": in.Text, "ts": in.TS, "bot_id": "B0FAKE0001"},
	})
}

// errThreadNotFound: the thread_ts of a reply names no message in the channel.
var errThreadNotFound = errors.New("thread_not_found")
