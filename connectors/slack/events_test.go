package slack_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/slack"
	"github.com/junction-run/junction/connectors/slack/slacktest"
)

// Slack's documented example lives in the fake, where the conformance kit
// finds it.
const (
	docSecret    = slacktest.DocSecret
	docBody      = slacktest.DocBody
	docSignature = slacktest.DocSignature
)

var (
	docHeader = slacktest.DocHeader
	docTime   = slacktest.DocTime
)

func TestVerifyRequestDocumentedVector(t *testing.T) {
	if err := slack.VerifyRequest(docHeader(), []byte(docBody), docTime(10*time.Second), docSecret); err != nil {
		t.Fatalf("Slack's documented example: %v", err)
	}
	if got := slack.Sign([]byte(docBody), docSecret, docTime(0)); got != docSignature {
		t.Errorf("Sign = %s, want %s", got, docSignature)
	}
}

func TestVerifyRequest(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)
	body := []byte(`{"type":"event_callback","event_id":"Ev123ABC456","event":{"type":"message","text":"hi","event_ts":"1"}}`)
	const secret, old = "signing-secret-2026", "signing-secret-2025"
	signed := func(secret string, ts time.Time) http.Header { return slack.SignedHeader(body, secret, ts) }

	for _, tc := range []struct {
		name    string
		header  http.Header
		body    []byte
		now     time.Time
		secrets []string
		want    error
	}{
		{"good", signed(secret, now), body, now, []string{secret}, nil},
		{"four minutes old", signed(secret, now.Add(-4*time.Minute)), body, now, []string{secret}, nil},
		{"rotation: signed with the old secret", signed(old, now), body, now, []string{secret, old}, nil},
		{"rotation: signed with the new secret", signed(secret, now), body, now, []string{old, secret}, nil},
		{"tampered body", signed(secret, now), append([]byte(nil), append(body[:len(body)-2:len(body)-2], []byte(`!"}}`)...)...), now, []string{secret}, slack.ErrBadSignature},
		{"wrong secret", signed("someone-else", now), body, now, []string{secret, old}, slack.ErrBadSignature},
		{"stale timestamp", signed(secret, now.Add(-6*time.Minute)), body, now, []string{secret}, slack.ErrStaleTimestamp},
		{"timestamp from the future", signed(secret, now.Add(6*time.Minute)), body, now, []string{secret}, slack.ErrStaleTimestamp},
		{"documented vector replayed today", docHeader(), []byte(docBody), now, []string{docSecret}, slack.ErrStaleTimestamp},
		{"missing headers", http.Header{}, body, now, []string{secret}, slack.ErrMissingSignature},
		{"missing timestamp", func() http.Header { h := signed(secret, now); h.Del("X-Slack-Request-Timestamp"); return h }(), body, now, []string{secret}, slack.ErrMissingSignature},
		{"missing signature", func() http.Header { h := signed(secret, now); h.Del("X-Slack-Signature"); return h }(), body, now, []string{secret}, slack.ErrMissingSignature},
		{"unknown version", func() http.Header {
			h := signed(secret, now)
			h.Set("X-Slack-Signature", "v1="+h.Get("X-Slack-Signature")[3:])
			return h
		}(), body, now, []string{secret}, slack.ErrMissingSignature},
		{"signature not hex", func() http.Header { h := signed(secret, now); h.Set("X-Slack-Signature", "v0=zz"); return h }(), body, now, []string{secret}, slack.ErrBadSignature},
		{"timestamp changed", func() http.Header {
			h := signed(secret, now)
			h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix()-1, 10))
			return h
		}(), body, now, []string{secret}, slack.ErrBadSignature},
		{"no secret", signed(secret, now), body, now, nil, slack.ErrMissingSignature},
		{"empty secret", signed("", now), body, now, []string{""}, slack.ErrMissingSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := slack.VerifyRequest(tc.header, tc.body, tc.now, tc.secrets...)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("VerifyRequest = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestURLVerificationChallenge(t *testing.T) {
	c, ok := slack.URLVerificationChallenge([]byte(`{"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}`))
	if !ok || c != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("challenge = %q, %v", c, ok)
	}
	for _, body := range []string{
		`{"type": "event_callback", "challenge": "x"}`,
		`{"type": "url_verification"}`,
		`not json`,
		``,
	} {
		if c, ok := slack.URLVerificationChallenge([]byte(body)); ok {
			t.Errorf("%s: challenge %q", body, c)
		}
	}
}

func TestEventPayload(t *testing.T) {
	tr := slack.New().Spec().Triggers[0]
	if tr.ID != "event" || tr.Signature != slack.SignatureScheme || tr.IDPointer != "/event_id" {
		t.Fatalf("trigger %+v", tr)
	}
	// Slack adds fields over time; the payload must not refuse them.
	withExtras := `{"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": "Ev1", "event_time": 1, "is_ext_shared_channel": false, "context_team_id": "T1",
		"event": {"type": "reaction_added", "user": "U1", "reaction": "thumbsup", "event_ts": "1.2",
		          "item": {"type": "message", "channel": "C1", "ts": "1.1"}, "item_user": "U2"}}`
	if err := tr.Payload.Validate(json.RawMessage(withExtras)); err != nil {
		t.Errorf("an event with fields the schema does not list: %v", err)
	}
	if err := tr.Payload.Validate(json.RawMessage(`{"type": "event_callback"}`)); err == nil {
		t.Error("an event without event_id was accepted")
	}
	id, err := connectors.Pointer(tr.SamplePayload, tr.IDPointer)
	if err != nil || id != "Ev123ABC456" {
		t.Errorf("sample id %v, %v", id, err)
	}
}

// The app's own messages (a Reply step's answer comes back as an event)
// start nothing; other apps' and people's do.
func TestOwnMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		own  bool
	}{
		{"the app's own reply", `{"api_app_id": "A1", "event": {"type": "message", "bot_id": "B1", "app_id": "A1", "text": "Got it"}}`, true},
		{"another app's message", `{"api_app_id": "A1", "event": {"type": "message", "bot_id": "B2", "app_id": "A2"}}`, false},
		{"a person's message", `{"api_app_id": "A1", "event": {"type": "message", "user": "U1", "text": "hi"}}`, false},
		{"no app id at all", `{"event": {"type": "message"}}`, false},
		{"not JSON", `{`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := slack.OwnMessage([]byte(tc.body)); got != tc.own {
				t.Errorf("OwnMessage = %v, want %v", got, tc.own)
			}
		})
	}
}
