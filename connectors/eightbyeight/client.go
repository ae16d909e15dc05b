package eightbyeight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/junction-run/junction/egress"
)

// Default base URLs: 8x8's Asia-Pacific region, which its docs call the
// default. Accounts provisioned elsewhere use their region's host:
//
//	region          SMS                      Chat Apps
//	Asia-Pacific    https://sms.8x8.com      https://chatapps.8x8.com
//	North America   https://sms.us.8x8.com   https://chatapps.us.8x8.com
//	Europe          https://sms.8x8.uk       https://chatapps.8x8.uk
//	Indonesia       https://sms.8x8.id       https://chatapps.8x8.id
const (
	DefaultSMSBaseURL      = "https://sms.8x8.com"
	DefaultChatAppsBaseURL = "https://chatapps.8x8.com"
)

// RequestIDHeader carries the id the client gives each request. 8x8 does not
// document a request-id header; the client sends one anyway (proxies and
// 8x8 support can correlate on it) and, if an answer carries this header,
// reports 8x8's value instead of its own.
const RequestIDHeader = "X-Request-Id"

// maxAnswerBytes bounds an answer: 8x8's are a few hundred bytes.
const maxAnswerBytes = 1 << 20

// subAccountPattern is the path parameter's schema in 8x8's OAS files.
var subAccountPattern = regexp.MustCompile(`^[A-Za-z0-9\-._&]{3,50}$`)

// Config says where and as whom the client calls 8x8. The zero value of each
// field but APIKey means its default.
type Config struct {
	// SMSBaseURL is the SMS API host (default DefaultSMSBaseURL). A path is
	// allowed and kept, e.g. for a proxy.
	SMSBaseURL string
	// ChatAppsBaseURL is the Chat Apps API host (default
	// DefaultChatAppsBaseURL).
	ChatAppsBaseURL string
	// APIKey is the bearer key from the 8x8 Connect portal; one key serves
	// both APIs.
	APIKey Secret
	// HTTPClient makes the calls (default: egress's, whose Timeout is 30
	// s). Each call is bounded by the client's Timeout, by egress's
	// default deadline (30 s) and by the context passed to it.
	HTTPClient *http.Client
	// UserAgent is sent with every request when set.
	UserAgent string
	// AuthenticatedTransport says HTTPClient already authenticates every
	// request, as a connector's call.HTTP does from its connection: the
	// client then sends no Authorization header of its own and needs no
	// APIKey (one given is only used to scrub answers).
	AuthenticatedTransport bool
}

// Client calls 8x8's SMS and Chat Apps APIs. It is safe for concurrent use
// and holds no connection state of its own. Build one with NewClient.
type Client struct {
	smsBase      string
	chatAppsBase string
	// key is a pointer so that printing a Client (%+v) shows an address,
	// never the key, whatever verb is used.
	key       *Secret
	sendKey   bool
	http      *http.Client
	userAgent string
	configErr error
	newID     func() string
}

// NewClient returns a client for cfg. It does no I/O; a bad base URL or a
// missing key is reported, wrapping ErrNotConfigured, by every send.
func NewClient(cfg Config) *Client {
	key := cfg.APIKey
	c := &Client{
		key:       &key,
		sendKey:   !cfg.AuthenticatedTransport,
		http:      cfg.HTTPClient,
		userAgent: cfg.UserAgent,
		newID:     uuid.NewString,
	}
	if c.http == nil {
		c.http = egress.Default().HTTPClient()
	}
	var err1, err2 error
	c.smsBase, err1 = baseURL("SMS", cfg.SMSBaseURL, DefaultSMSBaseURL)
	c.chatAppsBase, err2 = baseURL("Chat Apps", cfg.ChatAppsBaseURL, DefaultChatAppsBaseURL)
	switch {
	case key == "" && !cfg.AuthenticatedTransport:
		c.configErr = fmt.Errorf("%w: no API key", ErrNotConfigured)
	case err1 != nil:
		c.configErr = err1
	case err2 != nil:
		c.configErr = err2
	}
	return c
}

// String describes the client without its key.
func (c *Client) String() string {
	if c == nil {
		return "eightbyeight.Client(nil)"
	}
	return fmt.Sprintf("eightbyeight.Client{sms: %s, chatApps: %s, apiKey: %s}", c.smsBase, c.chatAppsBase, *c.key)
}

func baseURL(api, raw, def string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		raw = def
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: %s base URL %q is not an http(s) URL", ErrNotConfigured, api, raw)
	}
	u.User = nil
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/"), nil
}

// post sends body to {base}/api/v1/subaccounts/{subAccountID}/messages and
// decodes a 2xx answer into out. It returns the request id in every case
// where a request was sent.
func (c *Client) post(ctx context.Context, what, base, subAccountID string, body, out any) (string, error) {
	if c.configErr != nil {
		return "", c.configErr
	}
	if !subAccountPattern.MatchString(subAccountID) {
		return "", invalid("%s: subAccountId %q must be 3 to 50 letters, digits or -._&", what, subAccountID)
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return "", invalid("%s: encoding the body as JSON: %v", what, err)
	}
	endpoint := base + "/api/v1/subaccounts/" + url.PathEscape(subAccountID) + "/messages"
	requestID := c.newID()
	header := http.Header{}
	if c.sendKey {
		header.Set("Authorization", "Bearer "+c.key.Reveal())
	}
	header.Set("Content-Type", "application/json")
	header.Set(RequestIDHeader, requestID)
	if c.userAgent != "" {
		header.Set("User-Agent", c.userAgent)
	}

	resp, err := egress.JSON(ctx, c.http, egress.Request{
		Method: http.MethodPost, URL: endpoint, Header: header, Body: payload,
		MaxBodyBytes: maxAnswerBytes, Secrets: []string{c.key.Reveal()},
	}, out)
	if resp != nil {
		if id := strings.TrimSpace(resp.Header.Get(RequestIDHeader)); id != "" {
			requestID = c.scrub(id)
		}
	}
	var refused *egress.StatusError
	switch {
	case err == nil:
		return requestID, nil
	case errors.Is(err, egress.ErrInvalidRequest):
		return "", fmt.Errorf("%w: %s: %v", ErrNotConfigured, what, err)
	case errors.As(err, &refused):
		return requestID, fmt.Errorf("%s via 8x8 subaccount %s: %w", what, subAccountID, c.apiError(refused.Answer(), requestID))
	case errors.Is(err, egress.ErrUnexpectedResponse):
		return requestID, fmt.Errorf("%w: %s via 8x8 subaccount %s: %d answer is not the documented JSON (requestId %s): %s",
			ErrUnexpectedResponse, what, subAccountID, resp.StatusCode, requestID, c.snippet(resp.Body))
	case resp != nil:
		// 8x8 has accepted the message; the answer was lost on the way, or
		// is larger than any answer 8x8 documents.
		return requestID, fmt.Errorf("%w: %s via 8x8 subaccount %s: reading the %d answer (requestId %s): %v",
			ErrUnexpectedResponse, what, subAccountID, resp.StatusCode, requestID, err)
	}
	// egress's errors name the method and host only, and hold no
	// credential.
	return requestID, fmt.Errorf("%s via 8x8 subaccount %s (requestId %s): %w", what, subAccountID, requestID, err)
}

func (c *Client) apiError(resp *egress.Response, requestID string) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		RetryAfter: egress.RetryAfter(resp.Header, time.Now()),
		RequestID:  requestID,
	}
	raw := resp.Body
	var body errorBody
	if err := json.Unmarshal(raw, &body); err == nil && (body.Code != 0 || body.Message != "" || body.ErrorID != "") {
		e.Code = body.Code
		e.Message = c.scrub(body.Message)
		e.ErrorID = c.scrub(body.ErrorID)
		e.Timestamp = c.scrub(body.Timestamp)
	} else {
		e.Message = c.snippet(raw)
	}
	return e
}

// snippet is a short, single-line, key-free excerpt of an answer for error
// messages.
func (c *Client) snippet(raw []byte) string {
	const max = 256
	s := strings.Join(strings.Fields(string(raw)), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return c.scrub(s)
}

// scrub removes the API key from text 8x8 (or something pretending to be
// 8x8) sent back, in case an answer echoes the request's headers.
func (c *Client) scrub(s string) string {
	if k := c.key.Reveal(); k != "" {
		s = strings.ReplaceAll(s, k, "[redacted]")
	}
	return s
}

// SendResult is 8x8's answer to a send, flattened to what the Automation
// SMS and ChatAppsMessage steps expose as step outputs.
type SendResult struct {
	// UMID is 8x8's unique message id (a UUID).
	UMID string
	// ClientMessageID echoes the caller's own id, if one was sent.
	ClientMessageID string
	// Destination is the number 8x8 sends to: the SMS answer's destination,
	// or the Chat Apps answer's user.msisdn.
	Destination string
	// Encoding is the SMS encoding 8x8 chose (GSM7 or UCS2 when AUTO was
	// asked); empty for Chat Apps.
	Encoding string
	// Status is the message's state: SMS status.code (QUEUED or REJECTED),
	// Chat Apps status.state (queued, failed, …). A REJECTED or failed
	// message is still a successful call; the caller decides what it means.
	Status string
	// Description explains Status: SMS status.description, Chat Apps
	// status.detail or, failing that, status.errorMessage.
	Description string
	// RequestID identifies the HTTP request: 8x8's X-Request-Id answer
	// header when present, otherwise the id the client sent in it.
	RequestID string
}
