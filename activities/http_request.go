package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/internal/retryafter"
	"github.com/junction-run/junction/runs"
)

const defaultHTTPTimeout = 5 * time.Second // 8x8's documented default

// HTTPRequest performs one HTTP call. Following 8x8, an answer with any
// status the caller can act on (2xx, 3xx, 4xx other than 408 and 429)
// completes the step with its responseCode, so definitions can branch on it.
// 408, 429, 5xx and network errors are returned as retryable errors, so the
// step's retry policy (not a loop of ours) decides when to try again;
// Retry-After is honoured through NextRetryDelay.
func (a *Activities) HTTPRequest(ctx context.Context, in runs.HTTPRequest) (runs.HTTPResponse, error) {
	in, err := a.withEnv(ctx, in)
	if err != nil {
		return runs.HTTPResponse{}, prefixed("step "+in.StepID, err)
	}
	req, err := a.buildRequest(ctx, in)
	if err != nil {
		return runs.HTTPResponse{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s: %v", in.StepID, err), runs.ErrTypeBadRequest, nil)
	}
	timeout := defaultHTTPTimeout
	if in.TimeoutSeconds > 0 {
		timeout = time.Duration(in.TimeoutSeconds) * time.Second
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	resp, err := a.HTTPClient.Do(req.WithContext(callCtx))
	if err != nil {
		// The URL is the user's own (no credentials in it by construction of
		// url.Error's redaction), so naming it helps support staff.
		if errors.Is(err, context.DeadlineExceeded) {
			return runs.HTTPResponse{}, temporal.NewApplicationError(
				fmt.Sprintf("step %s: %s %s: no answer within %s", in.StepID, req.Method, redactURL(req.URL), timeout),
				runs.ErrTypeTimeout)
		}
		return runs.HTTPResponse{}, temporal.NewApplicationError(
			fmt.Sprintf("step %s: %s %s: %v", in.StepID, req.Method, redactURL(req.URL), unwrapURLError(err)),
			runs.ErrTypeUnavailable)
	}
	defer resp.Body.Close()

	limit := a.MaxResponseBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return runs.HTTPResponse{}, temporal.NewApplicationError(
			fmt.Sprintf("step %s: reading response of %s %s: %v", in.StepID, req.Method, redactURL(req.URL), err),
			runs.ErrTypeUnavailable)
	}
	if int64(len(raw)) > limit {
		return runs.HTTPResponse{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s: response of %s %s is larger than %d bytes", in.StepID, req.Method, redactURL(req.URL), limit),
			runs.ErrTypeResponseTooLarge, nil)
	}

	if retryable, errType := retryableStatus(resp.StatusCode); retryable {
		msg := fmt.Sprintf("step %s: %s %s answered %s", in.StepID, req.Method, redactURL(req.URL), resp.Status)
		if snippet := bodySnippet(raw); snippet != "" {
			msg += ": " + snippet
		}
		delay := retryafter.Parse(resp.Header.Get("Retry-After"), time.Now())
		return runs.HTTPResponse{}, temporal.NewApplicationErrorWithOptions(msg, errType,
			temporal.ApplicationErrorOptions{NextRetryDelay: delay})
	}

	return runs.HTTPResponse{
		ResponseCode: resp.StatusCode,
		ReasonPhrase: reasonPhrase(resp),
		ResponseBody: decodeBody(raw),
		Headers:      flattenHeaders(resp.Header),
	}, nil
}

func (a *Activities) buildRequest(ctx context.Context, in runs.HTTPRequest) (*http.Request, error) {
	method := strings.ToUpper(strings.TrimSpace(in.Method))
	if method == "" {
		return nil, errors.New("method is empty")
	}
	u, err := url.Parse(in.URL)
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", in.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("url %q: scheme must be http or https", in.URL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("url %q: no host", in.URL)
	}
	if len(in.Parameters) > 0 {
		q := u.Query()
		for _, k := range sortedKeys(in.Parameters) {
			q.Set(k, in.Parameters[k])
		}
		u.RawQuery = q.Encode()
	}
	var body io.Reader
	if in.Body != nil {
		b, err := json.Marshal(in.Body)
		if err != nil {
			return nil, fmt.Errorf("encoding body as JSON: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(in.Headers) {
		req.Header.Set(k, in.Headers[k])
	}
	if in.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("User-Agent") == "" && a.UserAgent != "" {
		req.Header.Set("User-Agent", a.UserAgent)
	}
	return req, nil
}

func retryableStatus(code int) (bool, string) {
	switch {
	case code == http.StatusTooManyRequests:
		return true, runs.ErrTypeRateLimited
	case code == http.StatusRequestTimeout:
		return true, runs.ErrTypeTimeout
	case code >= 500:
		return true, runs.ErrTypeUnavailable
	}
	return false, ""
}

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

func bodySnippet(raw []byte) string {
	const max = 256
	s := strings.TrimSpace(string(raw))
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

func reasonPhrase(resp *http.Response) string {
	if text := http.StatusText(resp.StatusCode); text != "" {
		return text
	}
	return strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
}

func flattenHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[k] = strings.Join(vs, ", ")
	}
	return out
}

// redactURL drops userinfo and the query string, which are where callers
// put tokens, before a URL goes into an error message.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "…"
	}
	return c.String()
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
