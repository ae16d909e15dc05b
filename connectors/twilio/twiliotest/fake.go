// Package twiliotest fakes Twilio's Messages API for the tests of package
// twilio: an httptest server that speaks Twilio's wire format (host
// api.twilio.com, /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP
// Basic with the Account SID and Auth Token, form-encoded requests, JSON
// answers, Twilio's error body and codes, Retry-After), keeps the messages
// it was sent, logs requests, and fails on demand for the conformance kit.
package twiliotest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/junction-run/junction/connectors/connectortest"
)

// Credentials the fake accepts.
const (
	AccountSid = "AC0123456789abcdef0123456789abcdef"
	AuthToken  = "f00dfeedf00dfeedf00dfeedf00dfeed"
)

// Host is the host Twilio's API is served at.
const Host = "api.twilio.com"

// Request is one request the fake received, with its form-encoded body
// parsed.
type Request struct {
	connectortest.Request
	Form url.Values
}

// Message is a message as the fake stores and answers it.
type Message struct {
	Sid                 string  `json:"sid"`
	AccountSid          string  `json:"account_sid"`
	MessagingServiceSid *string `json:"messaging_service_sid"`
	Status              string  `json:"status"`
	To                  string  `json:"to"`
	From                *string `json:"from"`
	Body                string  `json:"body"`
	NumSegments         string  `json:"num_segments"`
	NumMedia            string  `json:"num_media"`
	Direction           string  `json:"direction"`
	APIVersion          string  `json:"api_version"`
	DateCreated         string  `json:"date_created"`
	DateUpdated         string  `json:"date_updated"`
	DateSent            *string `json:"date_sent"`
	Price               *string `json:"price"`
	PriceUnit           string  `json:"price_unit"`
	ErrorCode           *int    `json:"error_code"`
	ErrorMessage        *string `json:"error_message"`
	URI                 string  `json:"uri"`
	StatusCallback      string  `json:"-"`
}

// Server is the fake. Clients keep api.twilio.com in the Host header
// (see connectortest.Redirect).
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

// Requests returns what the fake has received, oldest first.
func (s *Server) Requests() []Request {
	return connectortest.RequestsAs(s.Server, func(r connectortest.Request) Request {
		form, _ := url.ParseQuery(string(r.Body))
		return Request{Request: r, Form: form}
	})
}

// Twilio's error codes for the statuses the fake answers.
var statusCodes = map[int]int{
	http.StatusUnauthorized:        20003,
	http.StatusForbidden:           20403,
	http.StatusNotFound:            20404,
	http.StatusMethodNotAllowed:    20004,
	http.StatusUnprocessableEntity: 20422,
	http.StatusTooManyRequests:     20429,
	http.StatusInternalServerError: 20500,
	http.StatusServiceUnavailable:  20503,
}

func writeError(w http.ResponseWriter, status, code int, message string) {
	if code == 0 {
		code = statusCodes[status]
	}
	connectortest.ContentJSON.Write(w, status, map[string]any{
		"code":      code,
		"message":   message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	})
}

// writeFailure answers an injected failure: Twilio's error body with the
// status's code, and Retry-After.
func writeFailure(w http.ResponseWriter, f connectortest.Failure) {
	f.SetRetryAfter(w.Header())
	writeError(w, f.Status, 0, http.StatusText(f.Status))
}

// accountPath is the Account resource, which a connection test reads.
var accountPath = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)\.json$`)

var messagesPath = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/Messages(?:/([^/]+))?\.json$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	form, _ := url.ParseQuery(string(body))
	if connectortest.Hostname(r.Host) != Host {
		writeError(w, http.StatusNotFound, 20404, fmt.Sprintf("no Twilio API at %s", r.Host))
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != AccountSid || pass != AuthToken {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if s.Fail(w) {
		return
	}
	if a := accountPath.FindStringSubmatch(r.URL.Path); a != nil && r.Method == http.MethodGet {
		if a[1] != user {
			writeError(w, http.StatusForbidden, 20003, "Authenticate")
			return
		}
		connectortest.ContentJSON.Write(w, http.StatusOK, map[string]any{"sid": user, "friendly_name": "Junction test account", "status": "active", "type": "Full"})
		return
	}
	m := messagesPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeError(w, http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
		return
	}
	if m[1] != user {
		// Twilio answers 403 when the credentials are not the account's.
		writeError(w, http.StatusForbidden, 20003, "Authenticate")
		return
	}
	switch {
	case r.Method == http.MethodPost && m[2] == "":
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			writeError(w, http.StatusBadRequest, 21602, "Message body is required.")
			return
		}
		s.create(w, user, form)
	case r.Method == http.MethodGet && m[2] != "":
		s.get(w, m[2], r.URL.Path)
	default:
		writeError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (s *Server) create(w http.ResponseWriter, account string, form url.Values) {
	to, from, service, body := form.Get("To"), form.Get("From"), form.Get("MessagingServiceSid"), form.Get("Body")
	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case !e164.MatchString(to):
		writeError(w, http.StatusBadRequest, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", to))
		return
	case from == "" && service == "":
		writeError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case from != "" && !e164.MatchString(from) && !alphaSender.MatchString(from):
		writeError(w, http.StatusBadRequest, 21212, fmt.Sprintf("The 'From' number %s is not a valid phone number, shortcode, or alphanumeric sender ID.", from))
		return
	case body == "":
		writeError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case utf8.RuneCountInString(body) > 1600:
		writeError(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	msg, _ := s.Add(func(sent []Message) (Message, error) {
		sid := fmt.Sprintf("SM%032x", 0x1001+len(sent))
		now := time.Now().UTC().Format(time.RFC1123Z)
		m := Message{
			Sid: sid, AccountSid: account, Status: "queued", To: to, Body: body,
			NumSegments: strconv.Itoa(1 + (utf8.RuneCountInString(body)-1)/153), NumMedia: "0",
			Direction: "outbound-api", APIVersion: "2010-04-01", DateCreated: now, DateUpdated: now,
			PriceUnit: "USD", URI: "/2010-04-01/Accounts/" + account + "/Messages/" + sid + ".json",
			StatusCallback: form.Get("StatusCallback"),
		}
		if from != "" {
			m.From = &from
		}
		if service != "" {
			m.MessagingServiceSid = &service
			m.Status = "accepted"
		}
		return m, nil
	})
	connectortest.ContentJSON.Write(w, http.StatusCreated, msg)
}

var alphaSender = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)

func (s *Server) get(w http.ResponseWriter, sid, path string) {
	if m, ok := s.Find(func(m Message) bool { return m.Sid == sid }); ok {
		connectortest.ContentJSON.Write(w, http.StatusOK, m)
		return
	}
	writeError(w, http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found", path))
}

// Webhook builds the POST Twilio makes to fullURL for an incoming SMS,
// with form as its body and signature (compute it with twilio.Sign) in
// X-Twilio-Signature.
func Webhook(fullURL string, form url.Values, signature string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, fullURL, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", signature)
	r.Header.Set("I-Twilio-Idempotency-Token", "fake-"+form.Get("MessageSid"))
	return r
}
