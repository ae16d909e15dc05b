// Package eightbyeighttest is an in-process fake of 8x8's SMS and Chat Apps
// send-message APIs, for tests of anything that sends messages through
// package eightbyeight.
//
// The fake answers as 8x8 documents: it checks the bearer key (401 with
// code 1200 when it is missing or wrong), validates the body (400 with
// 8x8's code and a message naming the field), answers success in 8x8's
// shape with a fresh umid, and records every accepted message. It can be
// told to fail the next requests (429 with Retry-After, 503, …). One
// httptest server serves both APIs, under /sms and /chatapps (Config points
// a client at them), and at their own paths for requests that keep 8x8's
// host in the Host header (BaseURL, for the conformance kit).
package eightbyeighttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/eightbyeight"
)

// DefaultAPIKey is the key the fake accepts unless WithAPIKey says
// otherwise.
const DefaultAPIKey = "test-8x8-api-key"

// Channels a Message was sent on.
const (
	ChannelSMS      = "sms"
	ChannelChatApps = "chatapps"
)

// Message is one message the fake accepted.
type Message struct {
	// Channel is ChannelSMS or ChannelChatApps.
	Channel string
	// SubAccountID is the subaccount from the URL path.
	SubAccountID string
	// UMID is the id the fake answered with.
	UMID string
	// RequestID is the request's X-Request-Id header, if any.
	RequestID string
	// Body is the request body as decoded JSON, with 8x8's field names.
	Body map[string]any
	// SMS is the body decoded as an SMS; zero for Chat Apps.
	SMS eightbyeight.SMSMessage
	// ChatApps is the body decoded as a Chat Apps message; zero for SMS.
	ChatApps eightbyeight.ChatAppsMessage
}

// Option changes a Server's behaviour.
type Option func(*Server)

// WithAPIKey sets the only bearer key the fake accepts.
func WithAPIKey(key string) Option {
	return func(s *Server) { s.key = key }
}

// WithSubAccounts limits the subaccounts the fake accepts; others get 400
// with code 1001 (Illegal SubAccountId). By default any well-formed id is
// accepted.
func WithSubAccounts(ids ...string) Option {
	return func(s *Server) {
		s.subAccounts = make(map[string]bool, len(ids))
		for _, id := range ids {
			s.subAccounts[id] = true
		}
	}
}

// WithRequestIDHeader makes the fake answer every request with an
// X-Request-Id header of its own. 8x8 documents no such header, so by
// default the fake sends none.
func WithRequestIDHeader() Option {
	return func(s *Server) { s.answerRequestID = true }
}

// Server is the fake. Its methods are safe for concurrent use.
//
// FailNext makes the next requests, whatever they are, answer the given
// status in 8x8's error format (429: code 429 "Quota exceeded…"; 5xx:
// 2000; 401: 1200; 403: 1201; 400: 1000; 404: 1300; others, such as 422,
// their status as the code), with a Retry-After header in whole seconds
// when retryAfter > 0. Injected failures come before authentication and
// validation, and accept nothing. Calls queue up.
type Server struct {
	*connectortest.Server

	key             string
	subAccounts     map[string]bool
	answerRequestID bool

	connectortest.Outbox[Message]
}

// NewServer starts a fake that t closes when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{key: DefaultAPIKey}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/sms/api/v1/subaccounts/{subAccountId}/messages", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, ChannelSMS)
	})
	mux.HandleFunc("/chatapps/api/v1/subaccounts/{subAccountId}/messages", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, ChannelChatApps)
	})
	// Requests that kept 8x8's own host (connectortest.Redirect, as the
	// connector's actions send them) are told apart by it.
	mux.HandleFunc("/api/v1/subaccounts/{subAccountId}/messages", func(w http.ResponseWriter, r *http.Request) {
		switch host := strings.ToLower(r.Host); {
		case strings.HasPrefix(host, "sms."):
			s.serve(w, r, ChannelSMS)
		case strings.HasPrefix(host, "chatapps."):
			s.serve(w, r, ChannelChatApps)
		default:
			writeError(w, http.StatusNotFound, 1300, "Not found: no 8x8 API at host "+r.Host)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, 1300, "Not found: "+r.URL.Path)
	})
	s.Server = connectortest.NewServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { mux.ServeHTTP(w, r) }, writeInjected)
	return s
}

// URL is the fake's root URL, as is BaseURL, which the conformance kit
// reads: requests sent there with 8x8's own Host header (sms.8x8.com,
// chatapps.us.8x8.com, ...) reach the API that host serves.
func (s *Server) URL() string { return s.BaseURL() }

// SMSURL is the base URL of the fake SMS API (Config.SMSBaseURL).
func (s *Server) SMSURL() string { return s.BaseURL() + "/sms" }

// ChatAppsURL is the base URL of the fake Chat Apps API
// (Config.ChatAppsBaseURL).
func (s *Server) ChatAppsURL() string { return s.BaseURL() + "/chatapps" }

// APIKey is the key the fake accepts.
func (s *Server) APIKey() eightbyeight.Secret { return eightbyeight.Secret(s.key) }

// Config points an eightbyeight client at the fake, with the right key.
func (s *Server) Config() eightbyeight.Config {
	return eightbyeight.Config{
		SMSBaseURL:      s.SMSURL(),
		ChatAppsBaseURL: s.ChatAppsURL(),
		APIKey:          s.APIKey(),
		HTTPClient:      s.Server.Client(),
	}
}

// Client is eightbyeight.NewClient(s.Config()).
func (s *Server) Client() *eightbyeight.Client { return eightbyeight.NewClient(s.Config()) }

// Requests counts every request the fake received, accepted or not.
func (s *Server) Requests() int { return s.RequestCount() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request, channel string) {
	if s.answerRequestID {
		w.Header().Set(eightbyeight.RequestIDHeader, "8x8-"+uuid.NewString())
	}
	if s.Fail(w) {
		return
	}
	if !s.authorized(r.Header.Get("Authorization")) {
		writeError(w, http.StatusUnauthorized, 1200, "Request was not authenticated properly")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, 1000, "Invalid parameter: method "+r.Method+" is not allowed")
		return
	}
	sub := r.PathValue("subAccountId")
	if !subAccountPattern.MatchString(sub) || (s.subAccounts != nil && !s.subAccounts[sub]) {
		writeError(w, http.StatusBadRequest, 1001, "Provided subAccountId doesn't belongs to your account")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		writeError(w, http.StatusBadRequest, 1000, "Invalid parameter: Content-Type must be application/json")
		return
	}
	raw, _ := io.ReadAll(r.Body) // read again from what the Server logged: it cannot fail
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		writeError(w, http.StatusBadRequest, 1000, "Invalid parameter: the body is not a JSON object")
		return
	}
	msg := Message{
		Channel:      channel,
		SubAccountID: sub,
		UMID:         uuid.NewString(),
		RequestID:    r.Header.Get(eightbyeight.RequestIDHeader),
		Body:         body,
	}
	var answer any
	var verr *validationError
	if channel == ChannelSMS {
		answer, verr = smsAnswer(raw, body, &msg)
	} else {
		answer, verr = chatAppsAnswer(raw, body, &msg)
	}
	if verr != nil {
		writeError(w, http.StatusBadRequest, verr.code, verr.message)
		return
	}
	s.Keep(msg)
	eightByEightJSON.Write(w, http.StatusOK, answer)
}

func (s *Server) authorized(header string) bool {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && s.key != "" && strings.TrimSpace(token) == s.key
}

type validationError struct {
	code    int
	message string
}

func invalid(code int, format string, args ...any) *validationError {
	return &validationError{code: code, message: fmt.Sprintf(format, args...)}
}

// Patterns from 8x8's OAS files.
var (
	subAccountPattern  = regexp.MustCompile(`^[A-Za-z0-9\-._&]{3,50}$`)
	destinationPattern = regexp.MustCompile(`^\+?[1-9][0-9]{6,14}$`)
)

func smsAnswer(raw []byte, body map[string]any, msg *Message) (any, *validationError) {
	for _, f := range []string{"destination", "text", "source", "clientMessageId", "encoding", "country", "scheduled", "expiry", "dlrCallbackUrl"} {
		if v, ok := body[f]; ok && v != nil {
			if _, isString := v.(string); !isString {
				return nil, invalid(1000, "Invalid parameter: %s must be a string", f)
			}
		}
	}
	var m eightbyeight.SMSMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, invalid(1000, "Invalid parameter: %v", err)
	}
	switch {
	case strings.TrimSpace(m.Destination) == "":
		return nil, invalid(1002, "Invalid MSISDN: destination is required")
	case m.Country == "" && !destinationPattern.MatchString(m.Destination):
		return nil, invalid(1002, "Invalid MSISDN format (not E.164 international number): destination")
	case m.Text == "":
		return nil, invalid(1004, "Invalid Text: text is required")
	case len(m.Source) > 16:
		return nil, invalid(1005, "Invalid Source: source is longer than 16 characters")
	case len(m.Country) > 2:
		return nil, invalid(1009, "Invalid Country Code: country must be an ISO 3166-1 alpha-2 code")
	case len(m.ClientMessageID) > 350:
		return nil, invalid(1010, "Parameter out of range: clientMessageId is longer than 350 characters")
	case !isTimestamp(m.Scheduled):
		return nil, invalid(1011, "Invalid Schedule Time: scheduled must be an ISO 8601 date and time")
	case !isTimestamp(m.Expiry):
		return nil, invalid(1006, "Invalid Expiry: expiry must be an ISO 8601 date and time")
	case m.DLRCallbackURL != "" && !isAbsoluteURL(m.DLRCallbackURL):
		return nil, invalid(1000, "Invalid parameter: dlrCallbackUrl must be an absolute URL")
	}
	encoding := strings.ToUpper(strings.TrimSpace(m.Encoding))
	switch encoding {
	case "", "AUTO":
		encoding = detectEncoding(m.Text)
	case "GSM7", "UCS2":
	default:
		return nil, invalid(1003, "Invalid Encoding: encoding must be AUTO, GSM7 or UCS2")
	}
	msg.SMS = m
	return map[string]any{
		"umid":            msg.UMID,
		"clientMessageId": nullIfEmpty(m.ClientMessageID),
		"destination":     m.Destination,
		"encoding":        encoding,
		"status": map[string]any{
			"code":        eightbyeight.SMSStatusQueued,
			"description": "SMS is accepted and queued for processing",
		},
	}, nil
}

// chatAppsTypes are the content types of the Send message API; 8x8's own
// examples use "Image" and "Text", so case does not matter.
var chatAppsTypes = map[string]string{
	"text": "", "image": "url", "audio": "url", "video": "url", "file": "url",
	"location": "location", "interactive": "interactive", "template": "template",
	"carousel": "carousel", "richcard": "richCard",
}

func chatAppsAnswer(raw []byte, body map[string]any, msg *Message) (any, *validationError) {
	user, ok := body["user"].(map[string]any)
	if !ok || len(user) == 0 {
		return nil, invalid(3001, "Missed User: user is required")
	}
	if v, has := user["msisdn"]; has {
		if s, isString := v.(string); !isString || strings.TrimSpace(s) == "" {
			return nil, invalid(3002, "Missed MSISDN: user.msisdn is empty")
		}
	}
	typ, _ := body["type"].(string)
	if strings.TrimSpace(typ) == "" {
		return nil, invalid(3010, "Invalid Content Type: type is required")
	}
	needs, known := chatAppsTypes[strings.ToLower(typ)]
	if !known {
		return nil, invalid(3010, "Invalid Content Type: type %q is not supported", typ)
	}
	content, ok := body["content"].(map[string]any)
	if !ok || len(content) == 0 {
		return nil, invalid(3004, "Missed Content: content is required")
	}
	if strings.EqualFold(typ, "text") {
		if s, _ := content["text"].(string); s == "" {
			return nil, invalid(3005, "Missed Text: content.text is required")
		}
	}
	if needs == "url" {
		if s, _ := content["url"].(string); s == "" {
			return nil, invalid(3007, "Missed Media URL: content.url is required")
		}
	} else if needs != "" && content[needs] == nil {
		if needs == "template" {
			return nil, invalid(3030, "Empty Template: content.template is required")
		}
		return nil, invalid(1000, "Invalid parameter: content.%s is required", needs)
	}
	var m eightbyeight.ChatAppsMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, invalid(1000, "Invalid parameter: %v", err)
	}
	if len(m.ClientMessageID) > 50 {
		return nil, invalid(3009, "Too long ClientMessageId: clientMessageId is longer than 50 characters")
	}
	msg.ChatApps = m
	return map[string]any{
		"umid":            msg.UMID,
		"user":            user,
		"clientMessageId": nullIfEmpty(m.ClientMessageID),
		"status": map[string]any{
			"state":     eightbyeight.ChatAppsStateQueued,
			"timestamp": timestamp(),
		},
	}, nil
}

func writeInjected(w http.ResponseWriter, f connectortest.Failure) {
	f.SetRetryAfter(w.Header())
	code, message := f.Status, http.StatusText(f.Status)
	switch {
	case f.Status == http.StatusTooManyRequests:
		secs := max(1, f.RetryAfterSeconds())
		message = fmt.Sprintf("Quota exceeded. Please try again in %d second(s).", secs)
	case f.Status >= 500:
		code, message = 2000, "Internal server error"
	case f.Status == http.StatusUnauthorized:
		code, message = 1200, "Request was not authenticated properly"
	case f.Status == http.StatusForbidden:
		code, message = 1201, "Access forbidden"
	case f.Status == http.StatusBadRequest:
		code, message = 1000, "Invalid parameter"
	case f.Status == http.StatusNotFound:
		code, message = 1300, "Not found"
	}
	writeError(w, f.Status, code, message)
}

// writeError answers 8x8's documented error body.
func writeError(w http.ResponseWriter, status, code int, message string) {
	eightByEightJSON.Write(w, status, map[string]any{
		"code":      code,
		"message":   message,
		"errorId":   uuid.NewString(),
		"timestamp": timestamp(),
	})
}

// eightByEightJSON is the Content-Type of 8x8's answers.
const eightByEightJSON = connectortest.JSON("application/json; charset=utf-8")

// timestamp is now in 8x8's yyyy-MM-ddTHH:mm:ss.ffZ.
func timestamp() string { return time.Now().UTC().Format("2006-01-02T15:04:05.00Z") }

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func isTimestamp(s string) bool {
	if s == "" {
		return true
	}
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

func isAbsoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// gsm7 is the GSM 03.38 default alphabet and its extension table.
const gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà" +
	"\f^{}\\[~]|€"

// detectEncoding is what 8x8 does for AUTO: GSM7 when every character is
// in the GSM alphabet, UCS2 otherwise.
func detectEncoding(text string) string {
	for _, r := range text {
		if !strings.ContainsRune(gsm7, r) {
			return "UCS2"
		}
	}
	return "GSM7"
}
