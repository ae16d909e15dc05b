package httpconn

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"time"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/runs"
)

// ConnectorID is the generic HTTP connector's id: its action runs as the
// activity "http.call".
const ConnectorID = "http"

// CallInput is the input of the http.call action: a Request whose timeout is
// in seconds, as definitions write it.
type CallInput struct {
	Method            string            `json:"method" enum:"GET,POST,PUT,PATCH,DELETE" description:"The HTTP method."`
	URL               string            `json:"url" description:"The absolute http or https URL to call."`
	Query             map[string]string `json:"query,omitempty" description:"Query parameters added to the URL."`
	Headers           map[string]string `json:"headers,omitempty" description:"Request headers. Credentials belong in the connection, not here."`
	BodyFormat        string            `json:"bodyFormat,omitempty" enum:"json,xml,form,text,none" description:"How Body is encoded; json when not given."`
	Body              any               `json:"body,omitempty" description:"The request body: an object for json, xml (@attr and #text keys) and form, or the text itself."`
	XMLRoot           string            `json:"xmlRoot,omitempty" description:"The root element's name when Body is an object sent as XML."`
	TimeoutSeconds    int               `json:"timeoutSeconds,omitempty" description:"How long one attempt may take; 30 when not given."`
	MaxResponseBytes  int64             `json:"maxResponseBytes,omitempty" description:"The largest answer accepted; 1 MiB when not given, and never more than the worker's maximum (2 MiB unless its operator set another)."`
	FollowRedirects   int               `json:"followRedirects,omitempty" description:"How many redirects to follow; 5 when not given, -1 for none."`
	SuccessStatuses   []string          `json:"successStatuses,omitempty" description:"Statuses that count as success, such as 2xx, 3xx or 404; 2xx and 3xx when not given."`
	Extract           map[string]string `json:"extract,omitempty" description:"Output fields to fill from the answer: a JSONPath ($.data.id) for JSON answers or an XPath (/order/id/text()) for XML. A path that needs more than a million units of work on the answer (roughly, nodes visited) fails the step."`
	IdempotencyHeader *string           `json:"idempotencyHeader,omitempty" description:"The header that carries the step's idempotency key, the same on every retry of the step in a run; Idempotency-Key when not given, an empty string for none."`
}

// CallOutput is what the http.call action returns.
type CallOutput struct {
	Status    int               `json:"status" description:"The answer's HTTP status."`
	Headers   map[string]string `json:"headers,omitempty" description:"The answer's headers."`
	Body      any               `json:"body,omitempty" description:"The answer's body: decoded JSON, XML as an object, or text."`
	Extracted map[string]any    `json:"extracted,omitempty" description:"The values Extract asked for."`
}

// Connector is the generic HTTP connector: call any HTTP API, the EddyDesk
// seed's outbound webhook, with the connection's authentication.
func Connector() *connectors.Static {
	return connectors.New(connectors.Spec{
		ID:   ConnectorID,
		Name: "HTTP",
		Description: "Calls any HTTP API: JSON, XML, form or text bodies built from the step's inputs, " +
			"the answer written into outputs by JSONPath or XPath, and the connection's authentication.",
		Version: "1.0.0",
		Status:  connectors.StatusStable,
		Auth: []connectors.AuthSpec{
			connectors.NoAuth(), connectors.BasicAuth(), connectors.BearerAuth(), apiKeyAuth(), connectors.DigestAuth(),
			connectors.ConfigurableSessionAuth(),
			connectors.ConfigurableOAuth2(connectors.AuthOAuth2AuthorizationCode),
			connectors.ConfigurableOAuth2(connectors.AuthOAuth2ClientCredentials),
		},
		Properties: []connectors.Field{{Name: PropertyCheckURL, Type: connectors.FieldURL,
			Description: "A URL that POST .../connections/{id}/test GETs with the connection's credentials; any 2xx answer means they work."}},
		// The API is the account's own: its settings and keys are too.
		CustomEnv: true,
	}, connectors.NewAction(connectors.ActionSpec{
		ID:          "call",
		Name:        "Call an HTTP API",
		Kind:        connectors.ActionOther,
		Description: "Sends one request; statuses outside successStatuses fail the step (408, 429 and 5xx are retried).",
		SampleInput: json.RawMessage(`{"method": "POST", "url": "https://api.example.com/orders", "body": {"id": "1001"}, "extract": {"orderId": "$.id"}}`),
	}, runCall)).WithCheck(check)
}

// PropertyCheckURL is the connection property naming what a connection
// test GETs.
const PropertyCheckURL = "check_url"

// apiKeyAuth is an API key that the connection places: in a header, a
// query parameter or a cookie, under the name it gives.
func apiKeyAuth() connectors.AuthSpec {
	a := connectors.AuthSpec{Kind: connectors.AuthAPIKey, Fields: []connectors.Field{
		{Name: connectors.FieldKey, Type: connectors.FieldString, Description: "The API key.", Required: true, Secret: true},
		{Name: "in", Type: connectors.FieldString, Description: "Where the key goes.", Required: true,
			Enum: []string{connectors.APIKeyInHeader, connectors.APIKeyInQuery, connectors.APIKeyInCookie}},
		{Name: "name", Type: connectors.FieldString, Description: "The header, query parameter or cookie, such as X-API-Key.", Required: true},
	}}
	return a
}

func runCall(ctx context.Context, call connectors.Call, in CallInput) (CallOutput, error) {
	if in.MaxResponseBytes < 0 {
		return CallOutput{}, &connectors.Error{Kind: connectors.BadRequest, Message: "maxResponseBytes must not be negative"}
	}
	maxBytes := in.MaxResponseBytes
	if call.MaxResponseBytes > 0 {
		// The operator's maximum wins over the definition's wish; with no
		// wish, the default stays the default when it is lower.
		if maxBytes == 0 {
			maxBytes = DefaultMaxResponseBytes
		}
		maxBytes = min(maxBytes, call.MaxResponseBytes)
	}
	req := Request{
		Method: in.Method, URL: in.URL, Query: in.Query, Headers: WithIdempotencyKey(in.Headers, in.IdempotencyHeader, call.IdempotencyKey),
		BodyFormat: in.BodyFormat, Body: in.Body, XMLRoot: in.XMLRoot,
		Timeout: time.Duration(in.TimeoutSeconds) * time.Second, MaxResponseBytes: maxBytes,
		FollowRedirects: in.FollowRedirects, SuccessStatuses: in.SuccessStatuses, Extract: in.Extract,
	}
	resp, err := Do(ctx, call.HTTP, req)
	if err != nil {
		return CallOutput{}, ConnectorError(err)
	}
	return CallOutput{Status: resp.Status, Headers: resp.Headers, Body: resp.Body, Extracted: resp.Extracted}, nil
}

// connectorError gives the engine's failures the kinds the activities map
// to Temporal's retry behaviour.
// ConnectorError is the connectors.Error of a failed Do: what the step's
// retry policy acts on (package activities maps it to Temporal). Every
// caller of Do reports its failures through it, so http.call and the
// HttpRequest step fail alike.
func ConnectorError(err error) *connectors.Error {
	var status *StatusError
	switch {
	case errors.Is(err, ErrRefused):
		return &connectors.Error{Kind: connectors.DestinationRefused, Message: err.Error()}
	case errors.As(err, &status):
		return &connectors.Error{Kind: connectors.StatusKind(status.Status), StatusCode: status.Status,
			Message: status.Body, RetryAfter: status.RetryAfter}
	case errors.Is(err, ErrInvalidRequest), errors.Is(err, ErrResponseTooLarge), errors.Is(err, ErrTooManyRedirects),
		errors.Is(err, ErrUnexpectedResponse):
		return &connectors.Error{Kind: connectors.BadRequest, Message: err.Error()}
	case errors.Is(err, ErrTimeout):
		return &connectors.Error{Kind: connectors.Timeout, Message: err.Error()}
	case errors.Is(err, auth.ErrRejected):
		// The connection's credentials failed below the request (a
		// refused refresh or login): no retry fixes that, a person must.
		return &connectors.Error{Kind: connectors.Unauthorized, Message: err.Error()}
	}
	return &connectors.Error{Kind: connectors.Unavailable, Message: err.Error()}
}

// WithIdempotencyKey returns headers with key under header (nil:
// runs.IdempotencyKeyHeader; "": none), unless the step sets that header
// itself or there is no key. headers is not changed.
func WithIdempotencyKey(headers map[string]string, header *string, key string) map[string]string {
	name := runs.IdempotencyKeyHeader
	if header != nil {
		name = *header
	}
	if name == "" || key == "" {
		return headers
	}
	for k := range headers {
		if strings.EqualFold(k, name) {
			return headers
		}
	}
	out := make(map[string]string, len(headers)+1)
	maps.Copy(out, headers)
	out[name] = key
	return out
}
