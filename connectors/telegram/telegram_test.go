package telegram_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/telegram"
	"github.com/junction-run/junction/connectors/telegram/telegramtest"
)

// The bot token travels in the path, so the connection needs no transport
// of its own: the kit sends requests as the action builds them.
func options(token string) connectortest.Options {
	return connectortest.Options{
		Connection: connectors.Connection{
			AuthKind: connectors.AuthBearer,
			Secrets:  connectors.SecretValues{connectors.FieldToken: token},
		},
	}
}

func TestConformance(t *testing.T) {
	connectortest.RunWith(t, telegram.New(), telegramtest.New(t), options(telegramtest.Token))
}

func call(t *testing.T, baseURL, token, input string) connectors.Call {
	t.Helper()
	return options(token).Call(t, baseURL, input)
}

func sendMessage(t *testing.T) connectors.Action {
	t.Helper()
	return connectortest.Action(t, telegram.New(), "send_message")
}

func TestSendMessage(t *testing.T) {
	fake := telegramtest.New(t)
	a := sendMessage(t)
	out, err := a.Run(t.Context(), call(t, fake.BaseURL(), telegramtest.Token,
		`{"chat_id": 123456789, "text": "Order <b>#1001</b> is packed", "parse_mode": "HTML"}`))
	if err != nil {
		t.Fatal(err)
	}
	m := out.(telegram.Message)
	if m.MessageID != 1 || m.Chat.ID != telegramtest.PrivateChat || m.Chat.Type != "private" || m.Date == 0 ||
		m.Text != "Order <b>#1001</b> is packed" || m.From == nil || !m.From.IsBot {
		t.Fatalf("output %+v", m)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Host != "api.telegram.org" || r.Path != "/bot"+telegramtest.Token+"/sendMessage" {
		t.Errorf("request %s %s%s", r.Method, r.Host, r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q: the token belongs in the path only", got)
	}
	var sent map[string]any
	if err := json.Unmarshal(r.Body, &sent); err != nil {
		t.Fatal(err)
	}
	if id, ok := sent["chat_id"].(float64); !ok || int64(id) != telegramtest.PrivateChat {
		t.Errorf("chat_id sent as %#v, want the number", sent["chat_id"])
	}
	if _, ok := sent["reply_to_message_id"]; ok {
		t.Errorf("an empty reply_to_message_id was sent: %s", r.Body)
	}

	// A reply, and a channel by @username.
	out, err = a.Run(t.Context(), call(t, fake.BaseURL(), telegramtest.Token,
		`{"chat_id": 123456789, "text": "Shipped", "reply_to_message_id": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(telegram.Message).MessageID; got != 2 {
		t.Errorf("reply id %d", got)
	}
	out, err = a.Run(t.Context(), call(t, fake.BaseURL(), telegramtest.Token,
		`{"chat_id": "@junction_news", "text": "We ship on Sundays now"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c := out.(telegram.Message).Chat; c.ID != telegramtest.Channel || c.Type != "channel" {
		t.Errorf("channel chat %+v", c)
	}
	if reqs := fake.Requests(); !strings.Contains(string(reqs[2].Body), `"chat_id":"@junction_news"`) {
		t.Errorf("chat_id sent as %s", reqs[2].Body)
	}
	msgs := fake.Messages()
	if len(msgs) != 3 || msgs[1].ReplyTo != 1 || msgs[0].ParseMode != "HTML" {
		t.Errorf("fake holds %v", msgs)
	}
}

func TestSendMessageErrors(t *testing.T) {
	for _, tc := range []struct {
		name, token, input string
		status             int
		kind               connectors.ErrorKind
		message            string
	}{
		{"chat not found", telegramtest.Token, `{"chat_id": 42, "text": "hi"}`, 400, connectors.NotFound, "Bad Request: chat not found"},
		{"reply not found", telegramtest.Token, `{"chat_id": 123456789, "text": "hi", "reply_to_message_id": 99}`, 400, connectors.NotFound, "Bad Request: message to be replied not found"},
		{"empty text", telegramtest.Token, `{"chat_id": 123456789, "text": " "}`, 400, connectors.BadRequest, "Bad Request: message text is empty"},
		{"blocked", telegramtest.Token, `{"chat_id": 987654321, "text": "hi"}`, 403, connectors.Unauthorized, "Forbidden: bot was blocked by the user"},
		{"migrated", telegramtest.Token, `{"chat_id": -4242, "text": "hi"}`, 400, connectors.BadRequest,
			"Bad Request: group chat was upgraded to a supergroup chat (the group is now the supergroup -1001234567890)"},
		{"wrong token", "111111111:AAwrongwrongwrongwrongwrongwrongwro", `{"chat_id": 123456789, "text": "hi"}`, 401, connectors.Unauthorized, "Unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := telegramtest.New(t)
			_, err := sendMessage(t).Run(t.Context(), call(t, fake.BaseURL(), tc.token, tc.input))
			var ce *connectors.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *connectors.Error", err)
			}
			if ce.Kind != tc.kind || ce.StatusCode != tc.status || ce.Message != tc.message {
				t.Errorf("error %+v, want %s %d %q", ce, tc.kind, tc.status, tc.message)
			}
			noToken(t, err, tc.token)
		})
	}
}

func TestSendMessageRateLimited(t *testing.T) {
	fake := telegramtest.New(t)
	fake.FailNext(http.StatusTooManyRequests, 35*time.Second)
	_, err := sendMessage(t).Run(t.Context(), call(t, fake.BaseURL(), telegramtest.Token, `{"chat_id": 123456789, "text": "hi"}`))
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.RateLimited || ce.RetryAfter != 35*time.Second || ce.Message != "Too Many Requests: retry after 35" {
		t.Fatalf("error %v", err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d requests: the action retried by itself", n)
	}
}

func TestFromResponse(t *testing.T) {
	answer := func(status int, header http.Header, body string) *connectors.Error {
		if header == nil {
			header = http.Header{}
		}
		return telegram.FromResponse(&http.Response{StatusCode: status, Header: header}, []byte(body))
	}
	if e := answer(200, nil, `{"ok":true,"result":{}}`); e != nil {
		t.Errorf("ok answer: %v", e)
	}
	// The header wins over the body when both are there.
	e := answer(429, http.Header{"Retry-After": {"3"}}, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 9","parameters":{"retry_after":9}}`)
	if e.Kind != connectors.RateLimited || e.RetryAfter != 3*time.Second {
		t.Errorf("429 with both: %+v", e)
	}
	e = answer(502, http.Header{"Content-Type": {"text/html"}}, `<html><body>502 Bad Gateway</body></html>`)
	if e.Kind != connectors.Unavailable || e.Message != "Bad Gateway" {
		t.Errorf("502 from the proxy: %+v", e)
	}
	e = answer(409, nil, `{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"}`)
	if e.Kind != connectors.BadRequest || !strings.HasPrefix(e.Message, "Conflict") {
		t.Errorf("409: %+v", e)
	}
}

func TestSendMessageRefusesBadInput(t *testing.T) {
	fake := telegramtest.New(t)
	for name, input := range map[string]string{
		"missing chat_id":  `{"text": "hi"}`,
		"missing text":     `{"chat_id": 1}`,
		"chat_id a float":  `{"chat_id": 1.5, "text": "hi"}`,
		"chat_id a bool":   `{"chat_id": true, "text": "hi"}`,
		"parse_mode":       `{"chat_id": 1, "text": "hi", "parse_mode": "BBCode"}`,
		"unknown field":    `{"chat_id": 1, "text": "hi", "disable_web_page_preview": true}`,
		"reply a string":   `{"chat_id": 1, "text": "hi", "reply_to_message_id": "5"}`,
		"chat_id is empty": `{"chat_id": null, "text": "hi"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sendMessage(t).Run(t.Context(), call(t, fake.BaseURL(), telegramtest.Token, input))
			if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
				t.Errorf("error %v, want a BadRequest", err)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("the fake got %d requests for input the action should refuse", n)
	}
}

// noToken fails t when err's text holds the token in any form.
func noToken(t *testing.T, err error, token string) {
	t.Helper()
	if err == nil || token == "" {
		return
	}
	msg := err.Error()
	secretPart := token[strings.IndexByte(token, ':')+1:]
	for _, form := range []string{token, url.PathEscape(token), url.QueryEscape(token), secretPart} {
		if strings.Contains(msg, form) {
			t.Errorf("the error quotes the token: %s", msg)
		}
	}
	if strings.Contains(msg, "/bot") && !strings.Contains(msg, "/bot[redacted]") {
		t.Errorf("the error shows a request path: %s", msg)
	}
}

// The token is in the URL, which Go's HTTP client quotes in its errors:
// none of them may reach the action's error.
func TestTokenNeverInErrors(t *testing.T) {
	tok := telegramtest.Token
	a := sendMessage(t)
	input := `{"chat_id": 123456789, "text": "hi"}`

	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		base := srv.URL
		srv.Close()
		_, err := a.Run(t.Context(), call(t, base, tok, input))
		if err == nil {
			t.Fatal("no error from a closed server")
		}
		noToken(t, err, tok)
	})
	t.Run("cancelled", func(t *testing.T) {
		block := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
		defer srv.Close()
		defer close(block)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := a.Run(ctx, call(t, srv.URL, tok, input))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want one that is context.DeadlineExceeded", err)
		}
		noToken(t, err, tok)
	})
	t.Run("redirect", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"/again", http.StatusFound)
		}))
		defer srv.Close()
		_, err := a.Run(t.Context(), call(t, srv.URL, tok, input))
		if err == nil {
			t.Fatal("no error after endless redirects")
		}
		noToken(t, err, tok)
	})
	t.Run("echoed in the description", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: no bot at " + r.URL.Path})
		}))
		defer srv.Close()
		_, err := a.Run(t.Context(), call(t, srv.URL, tok, input))
		if k, _ := connectors.KindOf(err); k != connectors.BadRequest {
			t.Errorf("error %v", err)
		}
		noToken(t, err, tok)
	})
	t.Run("not a bot api answer", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"result": "` + r.URL.Path + `"`))
		}))
		defer srv.Close()
		_, err := a.Run(t.Context(), call(t, srv.URL, tok, input))
		if err == nil {
			t.Fatal("no error")
		}
		noToken(t, err, tok)
	})
	t.Run("conformance failures", func(t *testing.T) {
		fake := telegramtest.New(t)
		for _, status := range []int{400, 401, 403, 404, 409, 422, 429, 500, 502, 503} {
			fake.FailNext(status, 2*time.Second)
			_, err := a.Run(t.Context(), call(t, fake.BaseURL(), tok, input))
			if err == nil {
				t.Fatalf("%d: no error", status)
			}
			noToken(t, err, tok)
		}
	})
	for name, token := range map[string]string{
		"missing":   "",
		"malformed": "123:abc/../../setWebhook?url=evil",
		"no colon":  "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
	} {
		t.Run("token "+name, func(t *testing.T) {
			fake := telegramtest.New(t)
			_, err := a.Run(t.Context(), call(t, fake.BaseURL(), token, input))
			if k, _ := connectors.KindOf(err); k != connectors.Unauthorized {
				t.Errorf("error %v, want Unauthorized", err)
			}
			if token != "" && strings.Contains(err.Error(), token) {
				t.Errorf("the error quotes the token: %v", err)
			}
			if n := len(fake.Requests()); n != 0 {
				t.Errorf("%d requests with a bad token", n)
			}
		})
	}
}

func TestSpecAcceptsConnection(t *testing.T) {
	s := telegram.New().Spec()
	if err := s.CheckConnection(options(telegramtest.Token).Connection); err != nil {
		t.Error(err)
	}
	if err := s.CheckConnection(connectors.Connection{AuthKind: connectors.AuthBearer, Secrets: connectors.SecretValues{}}); err == nil {
		t.Error("a connection without a token was accepted")
	}
}

func TestChatIDJSON(t *testing.T) {
	for in, want := range map[string]string{`-1001234567890`: `-1001234567890`, `"@chan"`: `"@chan"`, `"12"`: `12`} {
		var c telegram.ChatID
		if err := json.Unmarshal([]byte(in), &c); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		out, err := json.Marshal(c)
		if err != nil || string(out) != want {
			t.Errorf("%s → %s, %v; want %s", in, out, err, want)
		}
	}
	var c telegram.ChatID
	if err := json.Unmarshal([]byte(strconv.Quote("x")+"x"), &c); err == nil {
		t.Error("bad JSON accepted")
	}
}
