package slack_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/slack"
	"github.com/junction-run/junction/connectors/slack/slacktest"
)

// bearer sends the token as package connectors/auth's bearer kind does,
// but any token, even the empty one auth refuses before sending: the fake
// must see that request to answer not_authed.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

func options(token string) connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind: connectors.AuthBearer,
			Secrets:  connectors.SecretValues{connectors.FieldToken: token},
		},
		Authenticate: func(next http.RoundTripper) http.RoundTripper { return bearer{token, next} },
	}
}

func TestConformance(t *testing.T) {
	connectortest.RunWith(t, slack.New(), slacktest.New(t), options(slacktest.Token))
}

func call(t *testing.T, fake *slacktest.Server, token, input string) connectors.Call {
	t.Helper()
	return options(token).Call(t, fake.BaseURL(), input)
}

func postMessage(t *testing.T) connectors.Action {
	t.Helper()
	return connectortest.Action(t, slack.New(), "post_message")
}

func TestPostMessage(t *testing.T) {
	fake := slacktest.New(t)
	a := postMessage(t)
	out, err := a.Run(t.Context(), call(t, fake, slacktest.Token,
		`{"channel": "#general", "text": "Order *#1001* is ready", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Order *#1001*"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m := out.(slack.MessageOutput)
	if !m.OK || m.Channel != slacktest.General || m.TS == "" {
		t.Fatalf("output %+v", m)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Host != "slack.com" || r.Path != "/api/chat.postMessage" {
		t.Errorf("request %s %s%s", r.Method, r.Host, r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+slacktest.Token {
		t.Errorf("Authorization = %q", got)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var sent map[string]any
	if err := json.Unmarshal(r.Body, &sent); err != nil {
		t.Fatal(err)
	}
	if _, ok := sent["thread_ts"]; ok {
		t.Errorf("an empty thread_ts was sent: %s", r.Body)
	}

	// A reply in the thread.
	out, err = a.Run(t.Context(), call(t, fake, slacktest.Token,
		`{"channel": "`+slacktest.General+`", "text": "Shipped", "thread_ts": "`+m.TS+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages()
	if len(msgs) != 2 || msgs[1].ThreadTS != m.TS || len(msgs[0].Blocks) != 1 {
		t.Errorf("fake holds %+v", msgs)
	}
	if reply := out.(slack.MessageOutput); reply.TS == m.TS {
		t.Errorf("reply has its parent's ts %s", reply.TS)
	}
}

// Slack refuses with HTTP 200 and {"ok": false, "error": code}; the code
// decides the kind.
func TestPostMessageLogicalErrors(t *testing.T) {
	for _, tc := range []struct {
		name, token, input string
		kind               connectors.ErrorKind
		message            string
	}{
		{"channel_not_found", slacktest.Token, `{"channel": "C0NOSUCH1", "text": "hi"}`, connectors.NotFound, "channel_not_found"},
		{"invalid_auth", "xoxb-wrong", `{"channel": "#general", "text": "hi"}`, connectors.Unauthorized, "invalid_auth"},
		{"not_authed", "", `{"channel": "#general", "text": "hi"}`, connectors.Unauthorized, "not_authed"},
		{"token_revoked", slacktest.RevokedToken, `{"channel": "#general", "text": "hi"}`, connectors.Unauthorized, "token_revoked"},
		{"not_in_channel", slacktest.Token, `{"channel": "` + slacktest.NotInChannel + `", "text": "hi"}`, connectors.BadRequest, "not_in_channel"},
		{"thread_not_found", slacktest.Token, `{"channel": "#general", "text": "hi", "thread_ts": "1.000001"}`, connectors.NotFound, "thread_not_found"},
		{"no_text", slacktest.Token, `{"channel": "#general", "text": ""}`, connectors.BadRequest, "no_text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := slacktest.New(t)
			_, err := postMessage(t).Run(t.Context(), call(t, fake, tc.token, tc.input))
			var ce *connectors.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *connectors.Error", err)
			}
			if ce.Kind != tc.kind || ce.Message != tc.message || ce.StatusCode != http.StatusOK {
				t.Errorf("error %+v, want kind %s, message %q, status 200", ce, tc.kind, tc.message)
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Errorf("the error quotes the token: %v", err)
			}
		})
	}
}

func TestPostMessageHTTPErrors(t *testing.T) {
	for _, tc := range []struct {
		status     int
		retryAfter time.Duration
		kind       connectors.ErrorKind
		message    string
	}{
		{http.StatusTooManyRequests, 30 * time.Second, connectors.RateLimited, "ratelimited"},
		{http.StatusInternalServerError, 0, connectors.Unavailable, "internal_error"},
		{http.StatusServiceUnavailable, 5 * time.Second, connectors.Unavailable, "service_unavailable"},
		{http.StatusUnauthorized, 0, connectors.Unauthorized, "invalid_auth"},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			fake := slacktest.New(t)
			fake.FailNext(tc.status, tc.retryAfter)
			_, err := postMessage(t).Run(t.Context(), call(t, fake, slacktest.Token, `{"channel": "#general", "text": "hi"}`))
			var ce *connectors.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *connectors.Error", err)
			}
			if ce.Kind != tc.kind || ce.StatusCode != tc.status || ce.RetryAfter != tc.retryAfter || ce.Message != tc.message {
				t.Errorf("error %+v", ce)
			}
			if n := len(fake.Requests()); n != 1 {
				t.Errorf("%d requests: the action retried by itself", n)
			}
		})
	}
}

func TestPostMessageRefusesBadInput(t *testing.T) {
	fake := slacktest.New(t)
	for name, input := range map[string]string{
		"missing channel": `{"text": "hi"}`,
		"missing text":    `{"channel": "#general"}`,
		"unknown field":   `{"channel": "#general", "text": "hi", "as_user": true}`,
		"blocks":          `{"channel": "#general", "text": "hi", "blocks": "section"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := postMessage(t).Run(t.Context(), call(t, fake, slacktest.Token, input))
			if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
				t.Errorf("error %v, want a BadRequest", err)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("the fake got %d requests for input the action should refuse", n)
	}
}

func TestErrorKind(t *testing.T) {
	for code, want := range map[string]connectors.ErrorKind{
		"invalid_auth":        connectors.Unauthorized,
		"not_authed":          connectors.Unauthorized,
		"token_revoked":       connectors.Unauthorized,
		"missing_scope":       connectors.Unauthorized,
		"channel_not_found":   connectors.NotFound,
		"ratelimited":         connectors.RateLimited,
		"internal_error":      connectors.Unavailable,
		"fatal_error":         connectors.Unavailable,
		"request_timeout":     connectors.Timeout,
		"is_archived":         connectors.BadRequest,
		"msg_too_long":        connectors.BadRequest,
		"some_future_refusal": connectors.BadRequest,
	} {
		if got := slack.ErrorKind(code); got != want {
			t.Errorf("ErrorKind(%q) = %s, want %s", code, got, want)
		}
	}
}

func TestSpecAcceptsConnection(t *testing.T) {
	s := slack.New().Spec()
	if err := s.CheckConnection(options(slacktest.Token).Connection); err != nil {
		t.Error(err)
	}
	if err := s.CheckConnection(connectors.Connection{AuthKind: connectors.AuthBearer, Secrets: connectors.SecretValues{}}); err == nil {
		t.Error("a connection without a token was accepted")
	}
}
