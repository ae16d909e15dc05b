package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/connectors/eightbyeight/eightbyeighttest"
	"github.com/junction-run/junction/runs"
)

const testAPIKey = "sk_live_Qm4uVb9tKx2Ld7Wn0Pz3"

// recordingLogger keeps every log line so tests can search them for the key.
type recordingLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *recordingLogger) log(level, msg string, keyvals []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %s %+v", level, msg, keyvals))
}
func (l *recordingLogger) Debug(msg string, kv ...any) { l.log("DEBUG", msg, kv) }
func (l *recordingLogger) Info(msg string, kv ...any)  { l.log("INFO", msg, kv) }
func (l *recordingLogger) Warn(msg string, kv ...any)  { l.log("WARN", msg, kv) }
func (l *recordingLogger) Error(msg string, kv ...any) { l.log("ERROR", msg, kv) }

func (l *recordingLogger) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// runMessaging executes one messaging activity by its registered name.
func runMessaging(t *testing.T, m *Messaging, logs *recordingLogger, in any) (runs.MessageResult, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(logs)
	env := s.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(m.SendSMS, activity.RegisterOptions{Name: runs.SendSMSActivity})
	env.RegisterActivityWithOptions(m.SendChatAppsMessage, activity.RegisterOptions{Name: runs.SendChatAppsMessageActivity})
	name := runs.SendSMSActivity
	if _, ok := in.(runs.ChatAppsRequest); ok {
		name = runs.SendChatAppsMessageActivity
	}
	val, err := env.ExecuteActivity(name, in)
	if err != nil {
		return runs.MessageResult{}, err
	}
	var res runs.MessageResult
	if err := val.Get(&res); err != nil {
		t.Fatal(err)
	}
	return res, nil
}

func TestMessagingSuccess(t *testing.T) {
	fake := eightbyeighttest.NewServer(t, eightbyeighttest.WithAPIKey(testAPIKey))
	m := &Messaging{Client: fake.Client()}

	tests := []struct {
		name string
		in   any
		// want is the result with UMID and RequestID filled from the fake.
		want     runs.MessageResult
		wantWire map[string]any
	}{
		{
			name: "SMS with every input",
			in: runs.SMSRequest{StepID: "step1", SubAccountID: "acme_corp_sms", Destination: " +6512345678 ", Text: "Hello, world!",
				Country: "SG", Source: "ACME", ClientMessageID: "c-1", Encoding: "Auto",
				Scheduled: "2026-11-25T09:00:00+08:00", Expiry: "2026-11-26T09:00:00+08:00", DLRCallbackURL: "https://example.com/dlr"},
			want: runs.MessageResult{Status: "QUEUED", Description: "SMS is accepted and queued for processing",
				Destination: "+6512345678", Encoding: "GSM7", ClientMessageID: "c-1"},
			wantWire: map[string]any{"destination": "+6512345678", "text": "Hello, world!", "country": "SG", "source": "ACME",
				"clientMessageId": "c-1", "encoding": "AUTO", "scheduled": "2026-11-25T09:00:00+08:00",
				"expiry": "2026-11-26T09:00:00+08:00", "dlrCallbackUrl": "https://example.com/dlr"},
		},
		{
			name: "SMS with required inputs only",
			in:   runs.SMSRequest{StepID: "step1", SubAccountID: "acme_corp_sms", Destination: "+6512345678", Text: "Ünïcødé ✓"},
			want: runs.MessageResult{Status: "QUEUED", Description: "SMS is accepted and queued for processing",
				Destination: "+6512345678", Encoding: "UCS2"},
			wantWire: map[string]any{"destination": "+6512345678", "text": "Ünïcødé ✓"},
		},
		{
			name: "Chat Apps template",
			in: runs.ChatAppsRequest{StepID: "step2", SubAccountID: "acme_chatapps", User: map[string]any{"msisdn": "+6512345678"},
				Type: "template", Content: map[string]any{"template": map[string]any{"name": "menu", "language": "en"}}, ClientMessageID: "c-2"},
			want: runs.MessageResult{Status: "queued", Destination: "+6512345678", ClientMessageID: "c-2"},
			wantWire: map[string]any{"user": map[string]any{"msisdn": "+6512345678"}, "type": "template",
				"content": map[string]any{"template": map[string]any{"name": "menu", "language": "en"}}, "clientMessageId": "c-2"},
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &recordingLogger{}
			res, err := runMessaging(t, m, logs, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			msgs := fake.Messages()
			if len(msgs) != i+1 {
				t.Fatalf("fake holds %d messages, want %d", len(msgs), i+1)
			}
			got := msgs[i]
			want := tc.want
			want.UMID, want.RequestID = got.UMID, got.RequestID
			if res != want {
				t.Errorf("result %+v\nwant   %+v", res, want)
			}
			if res.UMID == "" || res.RequestID == "" {
				t.Errorf("umid %q, requestId %q", res.UMID, res.RequestID)
			}
			if g, w := mustJSON(got.Body), mustJSON(tc.wantWire); g != w {
				t.Errorf("wire body %s\nwant      %s", g, w)
			}
			if !strings.Contains(logs.text(), res.UMID) {
				t.Errorf("logs do not name the umid:\n%s", logs.text())
			}
			assertNoAPIKey(t, mustJSON(res), logs.text())
		})
	}

	t.Run("result carries 8x8's output names", func(t *testing.T) {
		b := mustJSON(runs.MessageResult{UMID: "u", Status: "s", Description: "d", Destination: "n", Encoding: "e", ClientMessageID: "c", RequestID: "r"})
		want := `{"umid":"u","status":"s","description":"d","destination":"n","encoding":"e","clientMessageId":"c","requestId":"r"}`
		if b != want {
			t.Errorf("JSON %s, want %s", b, want)
		}
	})
}

func TestMessagingErrors(t *testing.T) {
	sms := runs.SMSRequest{StepID: "step1", SubAccountID: "acme_corp_sms", Destination: "+6512345678", Text: "hi"}
	chat := runs.ChatAppsRequest{StepID: "step2", SubAccountID: "acme_chatapps", User: map[string]any{"msisdn": "+6512345678"},
		Type: "text", Content: map[string]any{"text": "hi"}}
	withFake := func(fail func(*eightbyeighttest.Server), cfg func(*eightbyeight.Config)) func(*testing.T) *Messaging {
		return func(t *testing.T) *Messaging {
			fake := eightbyeighttest.NewServer(t, eightbyeighttest.WithAPIKey(testAPIKey))
			if fail != nil {
				fail(fake)
			}
			c := fake.Config()
			if cfg != nil {
				cfg(&c)
			}
			return &Messaging{Client: eightbyeight.NewClient(c)}
		}
	}
	failNext := func(status int, retryAfter time.Duration) func(*eightbyeighttest.Server) {
		return func(s *eightbyeighttest.Server) { s.FailNext(status, retryAfter) }
	}
	answer := func(status int, body string, delay time.Duration) func(*testing.T) *Messaging {
		return func(t *testing.T) *Messaging {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(delay)
				w.WriteHeader(status)
				_, _ = io.WriteString(w, body)
			}))
			t.Cleanup(srv.Close)
			hc := srv.Client()
			hc.Timeout = 200 * time.Millisecond
			return &Messaging{Client: eightbyeight.NewClient(eightbyeight.Config{
				SMSBaseURL: srv.URL, ChatAppsBaseURL: srv.URL, APIKey: testAPIKey, HTTPClient: hc})}
		}
	}

	tests := []struct {
		name         string
		messaging    func(*testing.T) *Messaging
		in           any
		wantType     string
		nonRetryable bool
		wantDelay    time.Duration
		wantText     string // in the error message
		wantStatus   int    // in the details
		wantCode     int    // in the details
	}{
		{name: "no client is NotConfigured", messaging: func(*testing.T) *Messaging { return &Messaging{} }, in: sms,
			wantType: runs.ErrTypeNotConfigured, nonRetryable: true, wantText: "8x8 API key is not configured"},
		{name: "nil Messaging is NotConfigured", messaging: func(*testing.T) *Messaging { return nil }, in: chat,
			wantType: runs.ErrTypeNotConfigured, nonRetryable: true, wantText: "8x8 API key is not configured"},
		{name: "empty key is NotConfigured", messaging: withFake(nil, func(c *eightbyeight.Config) { c.APIKey = "" }), in: sms,
			wantType: runs.ErrTypeNotConfigured, nonRetryable: true, wantText: "8x8 is not configured: no API key"},
		{name: "bad base URL is NotConfigured", messaging: withFake(nil, func(c *eightbyeight.Config) { c.ChatAppsBaseURL = "ftp://x" }), in: chat,
			wantType: runs.ErrTypeNotConfigured, nonRetryable: true, wantText: "Chat Apps base URL"},
		{name: "wrong key (401) is Unauthorized", messaging: withFake(nil, func(c *eightbyeight.Config) { c.APIKey = "sk_live_wrong" }), in: chat,
			wantType: runs.ErrTypeUnauthorized, nonRetryable: true, wantText: "Request was not authenticated properly", wantStatus: 401, wantCode: 1200},
		{name: "403 is Unauthorized", messaging: withFake(failNext(403, 0), nil), in: sms,
			wantType: runs.ErrTypeUnauthorized, nonRetryable: true, wantText: "Access forbidden", wantStatus: 403, wantCode: 1201},
		{name: "400 carries 8x8's message", messaging: withFake(nil, nil),
			in:       runs.SMSRequest{StepID: "step1", SubAccountID: "acme_corp_sms", Destination: "not-a-number", Text: "hi"},
			wantType: runs.ErrTypeBadRequest, nonRetryable: true, wantText: "Invalid MSISDN format", wantStatus: 400, wantCode: 1002},
		{name: "Chat Apps 400 carries 8x8's message", messaging: withFake(nil, nil),
			in:       runs.ChatAppsRequest{StepID: "step2", SubAccountID: "acme_chatapps", User: chat.User, Type: "image", Content: map[string]any{"text": "x"}},
			wantType: runs.ErrTypeBadRequest, nonRetryable: true, wantText: "Missed Media URL", wantStatus: 400, wantCode: 3007},
		{name: "404 is BadRequest", messaging: withFake(failNext(404, 0), nil), in: sms,
			wantType: runs.ErrTypeBadRequest, nonRetryable: true, wantText: "Not found", wantStatus: 404, wantCode: 1300},
		{name: "422 is BadRequest", messaging: withFake(failNext(422, 0), nil), in: chat,
			wantType: runs.ErrTypeBadRequest, nonRetryable: true, wantText: "Unprocessable Entity", wantStatus: 422, wantCode: 422},
		{name: "missing input is BadRequest without a call", messaging: withFake(nil, nil),
			in:       runs.SMSRequest{StepID: "step1", SubAccountID: "acme_corp_sms", Text: "hi"},
			wantType: runs.ErrTypeBadRequest, nonRetryable: true, wantText: "destination is required"},
		{name: "malformed subaccount is BadRequest", messaging: withFake(nil, nil),
			in:       runs.ChatAppsRequest{StepID: "step2", SubAccountID: "a/b", User: chat.User, Type: "text", Content: chat.Content},
			wantType: runs.ErrTypeBadRequest, nonRetryable: true, wantText: "subAccountId"},
		{name: "429 is retried after Retry-After", messaging: withFake(failNext(429, 7*time.Second), nil), in: sms,
			wantType: runs.ErrTypeRateLimited, wantDelay: 7 * time.Second, wantText: "Quota exceeded", wantStatus: 429, wantCode: 429},
		{name: "503 is retried", messaging: withFake(failNext(503, 0), nil), in: chat,
			wantType: runs.ErrTypeUnavailable, wantText: "Internal server error", wantStatus: 503, wantCode: 2000},
		{name: "500 with Retry-After is retried then", messaging: withFake(failNext(500, 2*time.Second), nil), in: sms,
			wantType: runs.ErrTypeUnavailable, wantDelay: 2 * time.Second, wantStatus: 500, wantCode: 2000},
		{name: "408 is retried", messaging: withFake(failNext(408, 0), nil), in: sms,
			wantType: runs.ErrTypeTimeout, wantStatus: 408, wantCode: 408},
		{name: "connection refused is retried",
			messaging: func(*testing.T) *Messaging {
				return &Messaging{Client: eightbyeight.NewClient(eightbyeight.Config{SMSBaseURL: "http://127.0.0.1:1", APIKey: testAPIKey})}
			},
			in: sms, wantType: runs.ErrTypeUnavailable, wantText: "sending SMS via 8x8 subaccount acme_corp_sms"},
		{name: "client timeout is retried", messaging: answer(200, `{}`, 500*time.Millisecond), in: sms, wantType: runs.ErrTypeTimeout},
		{name: "2xx that is not JSON fails for good", messaging: answer(200, "<html>portal</html>", 0), in: chat,
			wantType: runs.ErrTypeUnexpectedResponse, nonRetryable: true, wantText: "portal"},
		{name: "gateway HTML 502 is retried", messaging: answer(502, "<html>Bad gateway</html>", 0), in: sms,
			wantType: runs.ErrTypeUnavailable, wantText: "Bad gateway", wantStatus: 502},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &recordingLogger{}
			res, err := runMessaging(t, tc.messaging(t), logs, tc.in)
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) {
				t.Fatalf("got %v (result %+v), want application error %s", err, res, tc.wantType)
			}
			if appErr.Type() != tc.wantType || appErr.NonRetryable() != tc.nonRetryable {
				t.Fatalf("error type %s nonRetryable %v, want %s %v (%v)", appErr.Type(), appErr.NonRetryable(), tc.wantType, tc.nonRetryable, err)
			}
			if appErr.NextRetryDelay() != tc.wantDelay {
				t.Errorf("next retry delay %s, want %s", appErr.NextRetryDelay(), tc.wantDelay)
			}
			if !strings.Contains(appErr.Error(), tc.wantText) {
				t.Errorf("error %q does not contain %q", appErr.Error(), tc.wantText)
			}
			var details runs.MessagingErrorDetails
			if appErr.HasDetails() {
				if err := appErr.Details(&details); err != nil {
					t.Fatal(err)
				}
			}
			if details.StatusCode != tc.wantStatus || details.Code != tc.wantCode {
				t.Errorf("details %+v, want status %d code %d", details, tc.wantStatus, tc.wantCode)
			}
			if tc.wantStatus != 0 && (details.RequestID == "" || (tc.wantCode != 0 && details.ErrorID == "")) {
				t.Errorf("details %+v lack requestId or errorId", details)
			}
			assertNoAPIKey(t, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", appErr), mustJSON(details), mustJSON(res), logs.text())
		})
	}
}

func assertNoAPIKey(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, testAPIKey) {
			t.Errorf("API key leaked in %q", s)
		}
	}
}

// The fake's own answers never echo the key, so also prove the guard with
// a third party that does.
func TestMessagingScrubsEchoedKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]any{"code": 1200, "message": "bad key " + r.Header.Get("Authorization"),
			"errorId": "e-1", "timestamp": "2026-11-24T10:00:00.00Z"})
	}))
	defer srv.Close()
	m := &Messaging{Client: eightbyeight.NewClient(eightbyeight.Config{SMSBaseURL: srv.URL, APIKey: testAPIKey})}
	logs := &recordingLogger{}
	_, err := runMessaging(t, m, logs, runs.SMSRequest{StepID: "s", SubAccountID: "acme", Destination: "+6512345678", Text: "hi"})
	if err == nil || !strings.Contains(err.Error(), "bad key Bearer [redacted]") {
		t.Fatalf("error %v", err)
	}
	assertNoAPIKey(t, err.Error(), logs.text())
}

// eightByEightConnection resolves every connection to an 8x8 connection in
// region with key, as VaultConnections would from Vault.
type eightByEightConnection struct {
	region string
	key    string
}

func (c eightByEightConnection) Resolve(_ context.Context, _, id string) (connectors.Connection, auth.Credentials, error) {
	if id == "missing" {
		return connectors.Connection{}, nil, temporal.NewNonRetryableApplicationError("connection missing: not found", runs.ErrTypeNotFound, nil)
	}
	return connectors.Connection{ID: id, AuthKind: connectors.AuthBearer, Properties: map[string]string{eightbyeight.PropertyRegion: c.region}},
		auth.Bearer(auth.Secret(c.key)), nil
}

// TestMessagingWithConnection sends SMS steps that name an 8x8 connection
// through the eightbyeight connector's client: the connection's key and
// region, never the worker's key; a step without one keeps the worker's.
func TestMessagingWithConnection(t *testing.T) {
	const connKey = "sk_live_tenant_own_key_7Hq2"
	fake := eightbyeighttest.NewServer(t, eightbyeighttest.WithAPIKey(connKey))
	sms, err := url.Parse(fake.SMSURL())
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	record := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		hosts = append(hosts, r.Host)
		return http.DefaultTransport.RoundTrip(r)
	})
	// The worker's own key is another one: the fake refuses it.
	worker := eightbyeighttest.NewServer(t)
	m := &Messaging{Client: worker.Client(), Connectors: &Connectors{
		Registry: catalog.New(), Connections: eightByEightConnection{region: "europe", key: connKey},
		Transport: connectortest.Redirect(sms, record),
	}}
	in := runs.SMSRequest{StepID: "notify", AccountID: "acme", ConnectionID: "acme-8x8", SubAccountID: "acme_sms", Destination: "+6512345678", Text: "Shipped"}
	logs := &recordingLogger{}
	res, err := runMessaging(t, m, logs, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "QUEUED" || len(fake.Messages()) != 1 || worker.Requests() != 0 {
		t.Fatalf("result %+v; the connection's fake got %d messages, the worker's %d requests", res, len(fake.Messages()), worker.Requests())
	}
	if len(hosts) != 1 || hosts[0] != "sms.8x8.uk" {
		t.Errorf("sent to %q, want the europe region's SMS host", hosts)
	}
	if strings.Contains(logs.text(), connKey) {
		t.Error("the connection's key is in the logs")
	}

	in.ConnectionID = "missing"
	_, err = runMessaging(t, m, logs, in)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != runs.ErrTypeNotFound || !appErr.NonRetryable() {
		t.Fatalf("a missing connection: %v", err)
	}

	in.ConnectionID = ""
	if _, err := runMessaging(t, m, logs, in); err != nil || worker.Requests() != 1 {
		t.Fatalf("without a connection the worker's key sends (%v, %d requests)", err, worker.Requests())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
