package eightbyeight_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/connectors/eightbyeight/eightbyeighttest"
)

const liveLookingKey = "sk_live_Zx81qWv7kP0aT3nR5yL2"

func newFake(t *testing.T, opts ...eightbyeighttest.Option) (*eightbyeighttest.Server, *eightbyeight.Client) {
	t.Helper()
	fake := eightbyeighttest.NewServer(t, append([]eightbyeighttest.Option{eightbyeighttest.WithAPIKey(liveLookingKey)}, opts...)...)
	return fake, fake.Client()
}

func TestSendSMS(t *testing.T) {
	fake, client := newFake(t)
	ctx := context.Background()

	tests := []struct {
		name         string
		msg          eightbyeight.SMSMessage
		wantEncoding string
		wantBody     map[string]any
	}{
		{
			name:         "minimal message, GSM text",
			msg:          eightbyeight.SMSMessage{Destination: "+6512345678", Text: "Hello, world!"},
			wantEncoding: "GSM7",
			wantBody:     map[string]any{"destination": "+6512345678", "text": "Hello, world!"},
		},
		{
			name: "every field, with 8x8's names",
			msg: eightbyeight.SMSMessage{
				Destination: "6512345678", Text: "Bonjour", Source: "ACME", ClientMessageID: "order-42",
				Encoding: "UCS2", Country: "SG", Scheduled: "2026-11-25T09:00:00+08:00",
				Expiry: "2026-11-26T09:00:00+08:00", DLRCallbackURL: "https://example.com/dlr",
			},
			wantEncoding: "UCS2",
			wantBody: map[string]any{
				"destination": "6512345678", "text": "Bonjour", "source": "ACME", "clientMessageId": "order-42",
				"encoding": "UCS2", "country": "SG", "scheduled": "2026-11-25T09:00:00+08:00",
				"expiry": "2026-11-26T09:00:00+08:00", "dlrCallbackUrl": "https://example.com/dlr",
			},
		},
		{
			name:         "AUTO picks UCS2 for text outside GSM",
			msg:          eightbyeight.SMSMessage{Destination: "+6512345678", Text: "你好", Encoding: "AUTO"},
			wantEncoding: "UCS2",
			wantBody:     map[string]any{"destination": "+6512345678", "text": "你好", "encoding": "AUTO"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(fake.Messages())
			res, err := client.SendSMS(ctx, "acme_corp_sms", tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			msgs := fake.Messages()
			if len(msgs) != before+1 {
				t.Fatalf("fake holds %d messages, want %d", len(msgs), before+1)
			}
			got := msgs[len(msgs)-1]
			if got.Channel != eightbyeighttest.ChannelSMS || got.SubAccountID != "acme_corp_sms" || got.SMS != tc.msg {
				t.Errorf("fake recorded %+v", got)
			}
			if g, w := mustJSON(t, got.Body), mustJSON(t, tc.wantBody); g != w {
				t.Errorf("wire body %s, want %s", g, w)
			}
			want := eightbyeight.SendResult{
				UMID: got.UMID, ClientMessageID: tc.msg.ClientMessageID, Destination: tc.msg.Destination,
				Encoding: tc.wantEncoding, Status: eightbyeight.SMSStatusQueued,
				Description: "SMS is accepted and queued for processing", RequestID: got.RequestID,
			}
			if res != want {
				t.Errorf("result %+v\nwant   %+v", res, want)
			}
			if res.UMID == "" || res.RequestID == "" {
				t.Errorf("umid %q and requestId %q must be set", res.UMID, res.RequestID)
			}
		})
	}
}

func TestSendChatAppsMessage(t *testing.T) {
	fake, client := newFake(t)
	msg := eightbyeight.ChatAppsMessage{
		User:            map[string]any{"msisdn": "+6512345678"},
		Type:            "text",
		Content:         map[string]any{"text": "Hello", "sms": map[string]any{"encoding": "AUTO", "source": "SENDERID"}},
		ClientMessageID: "cm-1",
	}
	res, err := client.SendChatAppsMessage(context.Background(), "acme_chatapps", msg)
	if err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 {
		t.Fatalf("fake holds %d messages", len(msgs))
	}
	got := msgs[0]
	if got.Channel != eightbyeighttest.ChannelChatApps || got.SubAccountID != "acme_chatapps" {
		t.Errorf("fake recorded %+v", got)
	}
	wantBody := `{"clientMessageId":"cm-1","content":{"sms":{"encoding":"AUTO","source":"SENDERID"},"text":"Hello"},"type":"text","user":{"msisdn":"+6512345678"}}`
	if g := mustJSON(t, got.Body); g != wantBody {
		t.Errorf("wire body %s, want %s", g, wantBody)
	}
	want := eightbyeight.SendResult{
		UMID: got.UMID, ClientMessageID: "cm-1", Destination: "+6512345678",
		Status: eightbyeight.ChatAppsStateQueued, RequestID: got.RequestID,
	}
	if res != want {
		t.Errorf("result %+v\nwant   %+v", res, want)
	}
}

func TestRequestIDFromAnswerHeader(t *testing.T) {
	fake, client := newFake(t, eightbyeighttest.WithRequestIDHeader())
	res, err := client.SendSMS(context.Background(), "acme_corp_sms", eightbyeight.SMSMessage{Destination: "+6512345678", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.RequestID, "8x8-") {
		t.Errorf("requestId %q, want the answer's X-Request-Id", res.RequestID)
	}
	if sent := fake.Messages()[0].RequestID; sent == "" || sent == res.RequestID {
		t.Errorf("client sent X-Request-Id %q", sent)
	}
}

func TestSendErrors(t *testing.T) {
	ctx := context.Background()
	sms := eightbyeight.SMSMessage{Destination: "+6512345678", Text: "hi"}
	chat := eightbyeight.ChatAppsMessage{User: map[string]any{"msisdn": "+6512345678"}, Type: "text", Content: map[string]any{"text": "hi"}}

	tests := []struct {
		name  string
		setup func(*eightbyeighttest.Server) // injects failures
		cfg   func(*eightbyeight.Config)
		send  func(*eightbyeight.Client) (eightbyeight.SendResult, error)
		// For *APIError answers:
		wantStatus, wantCode int
		wantMessage          string
		wantRetryAfter       time.Duration
		// For errors raised before or around the call:
		wantIs error
		// wantSent is how many requests should reach the fake.
		wantSent int
	}{
		{name: "wrong key is 401 code 1200", cfg: func(c *eightbyeight.Config) { c.APIKey = "not-the-key" },
			send:       func(c *eightbyeight.Client) (eightbyeight.SendResult, error) { return c.SendSMS(ctx, "acme", sms) },
			wantStatus: 401, wantCode: 1200, wantMessage: "Request was not authenticated properly", wantSent: 1},
		{name: "missing key fails before any request", cfg: func(c *eightbyeight.Config) { c.APIKey = "" },
			send:   func(c *eightbyeight.Client) (eightbyeight.SendResult, error) { return c.SendSMS(ctx, "acme", sms) },
			wantIs: eightbyeight.ErrNotConfigured},
		{name: "bad base URL fails before any request", cfg: func(c *eightbyeight.Config) { c.ChatAppsBaseURL = "chatapps.8x8.com" },
			send: func(c *eightbyeight.Client) (eightbyeight.SendResult, error) {
				return c.SendChatAppsMessage(ctx, "acme", chat)
			},
			wantIs: eightbyeight.ErrNotConfigured},
		{name: "invalid MSISDN is 400 code 1002 naming the field",
			send: func(c *eightbyeight.Client) (eightbyeight.SendResult, error) {
				return c.SendSMS(ctx, "acme", eightbyeight.SMSMessage{Destination: "12ab", Text: "hi"})
			},
			wantStatus: 400, wantCode: 1002, wantMessage: "destination", wantSent: 1},
		{name: "bad encoding is 400 code 1003",
			send: func(c *eightbyeight.Client) (eightbyeight.SendResult, error) {
				return c.SendSMS(ctx, "acme", eightbyeight.SMSMessage{Destination: "+6512345678", Text: "hi", Encoding: "latin1"})
			},
			wantStatus: 400, wantCode: 1003, wantMessage: "encoding", wantSent: 1},
		{name: "chat apps text without content.text is 400 code 3005",
			send: func(c *eightbyeight.Client) (eightbyeight.SendResult, error) {
				return c.SendChatAppsMessage(ctx, "acme", eightbyeight.ChatAppsMessage{User: chat.User, Type: "text", Content: map[string]any{"url": "https://x"}})
			},
			wantStatus: 400, wantCode: 3005, wantMessage: "content.text", wantSent: 1},
		{name: "chat apps unknown type is 400 code 3010",
			send: func(c *eightbyeight.Client) (eightbyeight.SendResult, error) {
				return c.SendChatAppsMessage(ctx, "acme", eightbyeight.ChatAppsMessage{User: chat.User, Type: "hologram", Content: chat.Content})
			},
			wantStatus: 400, wantCode: 3010, wantMessage: "type", wantSent: 1},
		{name: "missing destination is refused locally",
			send: func(c *eightbyeight.Client) (eightbyeight.SendResult, error) {
				return c.SendSMS(ctx, "acme", eightbyeight.SMSMessage{Text: "hi"})
			},
			wantIs: eightbyeight.ErrInvalidRequest},
		{name: "missing chat apps user is refused locally",
			send: func(c *eightbyeight.Client) (eightbyeight.SendResult, error) {
				return c.SendChatAppsMessage(ctx, "acme", eightbyeight.ChatAppsMessage{Type: "text", Content: chat.Content})
			},
			wantIs: eightbyeight.ErrInvalidRequest},
		{name: "malformed subaccount is refused locally",
			send:   func(c *eightbyeight.Client) (eightbyeight.SendResult, error) { return c.SendSMS(ctx, "../x/y", sms) },
			wantIs: eightbyeight.ErrInvalidRequest},
		{name: "429 carries Retry-After", setup: func(s *eightbyeighttest.Server) { s.FailNext(429, 3*time.Second) },
			send:       func(c *eightbyeight.Client) (eightbyeight.SendResult, error) { return c.SendSMS(ctx, "acme", sms) },
			wantStatus: 429, wantCode: 429, wantMessage: "Quota exceeded. Please try again in 3 second(s).", wantRetryAfter: 3 * time.Second, wantSent: 1},
		{name: "503 is code 2000", setup: func(s *eightbyeighttest.Server) { s.FailNext(503, 0) },
			send: func(c *eightbyeight.Client) (eightbyeight.SendResult, error) {
				return c.SendChatAppsMessage(ctx, "acme", chat)
			},
			wantStatus: 503, wantCode: 2000, wantMessage: "Internal server error", wantSent: 1},
		{name: "500 with Retry-After", setup: func(s *eightbyeighttest.Server) { s.FailNext(500, 1500*time.Millisecond) },
			send:       func(c *eightbyeight.Client) (eightbyeight.SendResult, error) { return c.SendSMS(ctx, "acme", sms) },
			wantStatus: 500, wantCode: 2000, wantMessage: "Internal server error", wantRetryAfter: 2 * time.Second, wantSent: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := eightbyeighttest.NewServer(t, eightbyeighttest.WithAPIKey(liveLookingKey))
			if tc.setup != nil {
				tc.setup(fake)
			}
			cfg := fake.Config()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			res, err := tc.send(eightbyeight.NewClient(cfg))
			if err == nil {
				t.Fatalf("no error, result %+v", res)
			}
			assertNoKey(t, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), mustJSON(t, res))
			if got := fake.Requests(); got != tc.wantSent {
				t.Errorf("fake got %d requests, want %d", got, tc.wantSent)
			}
			if len(fake.Messages()) != 0 {
				t.Errorf("fake accepted %+v", fake.Messages())
			}
			if tc.wantIs != nil {
				if !errors.Is(err, tc.wantIs) {
					t.Fatalf("error %v, want one wrapping %v", err, tc.wantIs)
				}
				return
			}
			var apiErr *eightbyeight.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %T %v, want *APIError", err, err)
			}
			if apiErr.StatusCode != tc.wantStatus || apiErr.Code != tc.wantCode || apiErr.RetryAfter != tc.wantRetryAfter {
				t.Errorf("got status %d code %d retry after %s, want %d %d %s",
					apiErr.StatusCode, apiErr.Code, apiErr.RetryAfter, tc.wantStatus, tc.wantCode, tc.wantRetryAfter)
			}
			if !strings.Contains(apiErr.Message, tc.wantMessage) {
				t.Errorf("message %q does not mention %q", apiErr.Message, tc.wantMessage)
			}
			if apiErr.ErrorID == "" || apiErr.Timestamp == "" || apiErr.RequestID == "" || apiErr.RequestID != res.RequestID {
				t.Errorf("errorId %q timestamp %q requestId %q (result's %q)", apiErr.ErrorID, apiErr.Timestamp, apiErr.RequestID, res.RequestID)
			}
			if !strings.Contains(err.Error(), apiErr.ErrorID) {
				t.Errorf("error text %q lacks errorId", err)
			}
		})
	}
}

func TestFailNextThenSucceeds(t *testing.T) {
	fake, client := newFake(t)
	fake.FailNext(http.StatusServiceUnavailable, 0)
	fake.FailNext(http.StatusServiceUnavailable, 0)
	sms := eightbyeight.SMSMessage{Destination: "+6512345678", Text: "hi"}
	for i := range 2 {
		if _, err := client.SendSMS(context.Background(), "acme", sms); err == nil {
			t.Fatalf("attempt %d succeeded", i+1)
		}
	}
	if _, err := client.SendSMS(context.Background(), "acme", sms); err != nil {
		t.Fatal(err)
	}
	if fake.Requests() != 3 || len(fake.Messages()) != 1 {
		t.Errorf("requests %d, messages %d", fake.Requests(), len(fake.Messages()))
	}
}

func TestFakeIsSafeForConcurrentUse(t *testing.T) {
	fake, client := newFake(t)
	for range 5 {
		fake.FailNext(http.StatusTooManyRequests, time.Second)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_, _ = client.SendSMS(context.Background(), "acme", eightbyeight.SMSMessage{Destination: "+6512345678", Text: fmt.Sprint(i)})
		})
	}
	wg.Wait()
	if fake.Requests() != 20 || len(fake.Messages()) != 15 {
		t.Errorf("requests %d, messages %d; want 20 and 15", fake.Requests(), len(fake.Messages()))
	}
}

func TestNonJSONAnswers(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantIs  error
		wantAPI bool
	}{
		{name: "HTML error page becomes an APIError with an excerpt", status: 502, body: "<html><body>Bad gateway</body></html>", wantAPI: true},
		{name: "2xx that is not JSON is unexpected", status: 200, body: "<html>captive portal</html>", wantIs: eightbyeight.ErrUnexpectedResponse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := eightbyeight.NewClient(eightbyeight.Config{SMSBaseURL: srv.URL, APIKey: liveLookingKey})
			_, err := c.SendSMS(context.Background(), "acme", eightbyeight.SMSMessage{Destination: "+6512345678", Text: "hi"})
			var apiErr *eightbyeight.APIError
			switch {
			case tc.wantAPI:
				if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || apiErr.Code != 0 || !strings.Contains(apiErr.Message, "Bad gateway") {
					t.Fatalf("error %#v", err)
				}
			case !errors.Is(err, tc.wantIs):
				t.Fatalf("error %v, want %v", err, tc.wantIs)
			}
		})
	}
}

// An answer that echoes the request's headers must not carry the key into
// the error.
func TestKeyEchoedByServerIsScrubbed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(eightbyeight.RequestIDHeader, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"code": 1000, "message": "bad header " + r.Header.Get("Authorization"),
			"errorId": r.Header.Get("Authorization"), "timestamp": "2026-11-24T10:00:00.00Z",
		})
	}))
	defer srv.Close()
	c := eightbyeight.NewClient(eightbyeight.Config{ChatAppsBaseURL: srv.URL, APIKey: liveLookingKey})
	res, err := c.SendChatAppsMessage(context.Background(), "acme", eightbyeight.ChatAppsMessage{
		User: map[string]any{"msisdn": "+6512345678"}, Type: "text", Content: map[string]any{"text": "hi"}})
	if err == nil {
		t.Fatal("no error")
	}
	var apiErr *eightbyeight.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v", err)
	}
	assertNoKey(t, err.Error(), fmt.Sprintf("%+v", apiErr), mustJSON(t, res), mustJSON(t, apiErr))
}

func TestNetworkErrorIsWrappedWithoutKey(t *testing.T) {
	c := eightbyeight.NewClient(eightbyeight.Config{SMSBaseURL: "http://127.0.0.1:1", APIKey: liveLookingKey})
	_, err := c.SendSMS(context.Background(), "acme", eightbyeight.SMSMessage{Destination: "+6512345678", Text: "hi"})
	var apiErr *eightbyeight.APIError
	if err == nil || errors.As(err, &apiErr) || errors.Is(err, eightbyeight.ErrNotConfigured) {
		t.Fatalf("error %v, want a network error", err)
	}
	if !strings.Contains(err.Error(), "sending SMS via 8x8 subaccount acme") {
		t.Errorf("error %q lacks context", err)
	}
	assertNoKey(t, err.Error())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fake := eightbyeighttest.NewServer(t)
	_, err = fake.Client().SendSMS(ctx, "acme", eightbyeight.SMSMessage{Destination: "+6512345678", Text: "hi"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestClientAndConfigNeverPrintTheKey(t *testing.T) {
	cfg := eightbyeight.Config{APIKey: liveLookingKey}
	c := eightbyeight.NewClient(cfg)
	var outs []string
	for _, v := range []any{cfg, &cfg, c, *c, cfg.APIKey} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		b, _ := json.Marshal(v)
		outs = append(outs, string(b))
	}
	assertNoKey(t, outs...)
}

func assertNoKey(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, liveLookingKey) {
			t.Errorf("API key leaked in %q", s)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
