package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/runs"
)

const defaultHTTPTimeout = 5 * time.Second // 8x8's documented default

// httpRequestCompletes are the statuses that complete an HttpRequest step:
// following 8x8, any answer the caller can act on (1xx-3xx, and 4xx other
// than 408 and 429) completes it with its responseCode, so definitions can
// branch on it. 408, 429 and 5xx fail the attempt as retryable, so the
// step's retry policy (not a loop of ours) decides when to try again.
var httpRequestCompletes = []string{"1xx", "2xx", "3xx", "400-407", "409-428", "430-499"}

// HTTPRequest performs one HTTP call through the code http.call runs
// (httpconn.Do over the egress client): the same request building,
// redirect policy, body cap and secret scrubbing, and the same mapping of
// failures to Temporal (httpconn.ConnectorError, then mapConnectorError):
// Retry-After is honoured through NextRetryDelay. Only the answer's shape is
// the step's own: 8x8's responseCode, reasonPhrase and responseBody.
func (a *Activities) HTTPRequest(ctx context.Context, in runs.HTTPRequest) (runs.HTTPResponse, error) {
	in, env, err := a.withEnv(ctx, in)
	if err != nil {
		return runs.HTTPResponse{}, prefixed("step "+in.StepID, err)
	}
	scope := newSecretScope(connectors.Connection{}, env)
	ctx = scope.bind(ctx)
	timeout := defaultHTTPTimeout
	if in.TimeoutSeconds > 0 {
		timeout = time.Duration(in.TimeoutSeconds) * time.Second
	}
	headers := httpconn.WithIdempotencyKey(in.Headers, in.IdempotencyHeader, idempotencyKey(ctx))
	if a.UserAgent != "" && !hasHeader(headers, "User-Agent") {
		headers = maps.Clone(headers)
		if headers == nil {
			headers = map[string]string{}
		}
		headers["User-Agent"] = a.UserAgent
	}
	// 8x8's body is a value serialised as JSON: a string is sent as a JSON
	// string ("Order 1001" quoted), not as JSON text the way http.call
	// reads a string body, so the step encodes it here.
	var body any
	if in.Body != nil {
		raw, err := json.Marshal(in.Body)
		if err != nil {
			return runs.HTTPResponse{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("step %s: encoding body as JSON: %v", in.StepID, err), runs.ErrTypeBadRequest, nil)
		}
		body = json.RawMessage(raw)
	}
	eg := a.Egress
	if eg == nil {
		eg = egress.Default()
	}
	resp, err := httpconn.Do(ctx, eg.HTTPClient(), httpconn.Request{
		Method:           in.Method,
		URL:              in.URL,
		Query:            in.Parameters,
		Headers:          headers,
		Body:             body,
		Timeout:          timeout,
		MaxResponseBytes: a.MaxResponseBytes,
		SuccessStatuses:  httpRequestCompletes,
	})
	if err != nil {
		msg := scope.clean(fmt.Sprintf("step %s: %v", in.StepID, err))
		if errors.Is(err, egress.ErrResponseTooLarge) {
			return runs.HTTPResponse{}, temporal.NewNonRetryableApplicationError(msg, runs.ErrTypeResponseTooLarge, nil)
		}
		return runs.HTTPResponse{}, mapConnectorError(msg, httpconn.ConnectorError(err))
	}
	return runs.HTTPResponse{
		ResponseCode: resp.Status,
		ReasonPhrase: reasonPhrase(resp.Status),
		ResponseBody: decodeBody(resp.Raw),
		Headers:      resp.Headers,
	}, nil
}

func hasHeader(h map[string]string, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// decodeBody is 8x8's responseBody: the JSON value when the body is JSON,
// whatever its Content-Type, otherwise the text; nil when empty.
func decodeBody(raw []byte) any {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err == nil {
		return v
	}
	return string(raw)
}

func reasonPhrase(status int) string { return http.StatusText(status) }
