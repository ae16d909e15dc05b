package egress

import (
	"context"
	"net/http"
	"slices"
	"sync"
)

// secretsKey is the context key of the secrets in scope of a call.
type secretsKey struct{}

// WithSecrets returns a context in which every request sent through a
// Client knows values as secrets, besides those it finds in the request
// itself: its errors never quote them (in any of the forms Scrubber
// matches), and a redirect hop to another origin drops any header whose
// value holds one and does not re-send a body that holds one. An activity
// calls it once with the values in its scope (the environment variables a
// step reads, a connection's secret fields), so that every request made
// under it, by whatever code, is scrubbed by the same rules. Values
// already in ctx are kept.
func WithSecrets(ctx context.Context, values ...string) context.Context {
	var keep []string
	for _, v := range values {
		if v != "" {
			keep = append(keep, v)
		}
	}
	if len(keep) == 0 {
		return ctx
	}
	return context.WithValue(ctx, secretsKey{}, append(slices.Clone(SecretsOf(ctx)), keep...))
}

// SecretsOf returns the values WithSecrets put in ctx.
func SecretsOf(ctx context.Context) []string {
	v, _ := ctx.Value(secretsKey{}).([]string)
	return v
}

// sentKey is the context key of the sentRecord of one call.
type sentKey struct{}

// sentRecord collects what a call's requests carried when they left the
// process: the URL and headers below every RoundTripper that adds
// credentials (connectors/auth's), which the caller of Do never sees. Its
// values become secrets of the call's errors, so an answer echoing the
// Authorization header a connection added is scrubbed like one the caller
// set.
type sentRecord struct {
	mu   sync.Mutex
	seen []*http.Request
}

func (r *sentRecord) add(req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, req)
}

// addTo makes the credentials of every recorded request secrets of s.
func (r *sentRecord) addTo(s *Scrubber) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, req := range r.seen {
		s.AddRequest(req.URL, req.Header)
	}
}

// recordingTransport is the Client's transport as callers see it: every
// request that reaches it, from a call made through Do or JSON, is
// recorded in that call's sentRecord before it is sent, and traced when
// tracing is on (roundTripTraced). It adds no credentials (see
// PlainTransport).
type recordingTransport struct{ base *http.Transport }

func (t recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if rec, ok := req.Context().Value(sentKey{}).(*sentRecord); ok {
		rec.add(req)
	}
	return roundTripTraced(t.base, req)
}
