package auth

import (
	"context"
	"net/http"
)

// renewingTransport is the round trip shared by the credentials that hold a
// renewable secret (an OAuth2 token, a session): it sends each request with
// the current credential, renewing it first when there is none usable, and
// once more after a 401 when the credential it sent was not just renewed.
// The credential type C is a pointer whose identity tells renew which one
// the caller saw, so concurrent requests renew only once.
type renewingTransport[C comparable] struct {
	base http.RoundTripper
	// current returns the credential to use and whether it is usable.
	current func() (C, bool)
	// renew returns a usable credential: a new one, or one another request
	// obtained since the caller read stale.
	renew func(ctx context.Context, base http.RoundTripper, stale C) (C, error)
	// apply puts the credential on a request.
	apply func(r *http.Request, cred C)
}

// Unwrap returns the transport underneath, which adds no credentials: a
// client following a redirect to another host sends that hop through it.
func (t *renewingTransport[C]) Unwrap() http.RoundTripper { return t.base }

func (t *renewingTransport[C]) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	a, err := newAttempts(req)
	if err != nil {
		return nil, err
	}
	cred, usable := t.current()
	fresh := false
	if !usable {
		if cred, err = t.renew(ctx, t.base, cred); err != nil {
			a.abandon()
			return nil, err
		}
		fresh = true
	}
	r, err := a.next()
	if err != nil {
		a.abandon()
		return nil, err
	}
	t.apply(r, cred)
	resp, err := t.base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || fresh || !a.canRetry() {
		return resp, err
	}
	// Refused: the credential was revoked or expired early. Renew it
	// (unless another request already has) and send the request once more.
	drain(resp)
	if cred, err = t.renew(ctx, t.base, cred); err != nil {
		return nil, err
	}
	if r, err = a.next(); err != nil {
		return nil, err
	}
	t.apply(r, cred)
	return t.base.RoundTrip(r)
}
