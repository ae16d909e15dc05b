package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Kind names an auth kind as connector manifests spell it.
type Kind string

// The auth kinds.
const (
	KindNone                    Kind = "none"
	KindBasic                   Kind = "basic"
	KindBearer                  Kind = "bearer"
	KindAPIKey                  Kind = "api_key"
	KindDigest                  Kind = "digest"
	KindSession                 Kind = "session"
	KindOAuth2AuthorizationCode Kind = "oauth2_authorization_code"
	KindOAuth2ClientCredentials Kind = "oauth2_client_credentials"
)

// Kinds lists every auth kind, in the order manifests document them.
func Kinds() []Kind {
	return []Kind{KindNone, KindBasic, KindBearer, KindAPIKey, KindDigest, KindSession,
		KindOAuth2AuthorizationCode, KindOAuth2ClientCredentials}
}

// Credentials are one connection's credentials for a third-party API.
type Credentials interface {
	// Transport wraps base (egress.Client.Transport in the worker; nil
	// means http.DefaultTransport) so that every request it carries is
	// authenticated. Transports built from one
	// Credentials share its state (nonce, session, token).
	Transport(base http.RoundTripper) http.RoundTripper
}

var (
	// ErrRejected marks an error where the provider refused the credentials
	// themselves: a wrong password at login, invalid_client or invalid_grant
	// from a token endpoint, an authorization that can no longer be
	// refreshed. Retrying cannot fix it; the connection must be fixed.
	ErrRejected = errors.New("credentials rejected")
	// ErrConfig marks an error where Credentials were built from an
	// incomplete or invalid configuration. Constructors do no I/O and
	// return no error; the transport reports the problem on every request.
	ErrConfig = errors.New("auth: invalid configuration")
)

// MaxReplayBody is the largest request body without GetBody that a
// transport buffers so that it can send the request a second time after
// re-authenticating. Requests built with http.NewRequest from a
// bytes.Buffer, bytes.Reader or strings.Reader have GetBody and are never
// buffered.
const MaxReplayBody = 8 << 20

// maxAnswer bounds what is read of a login or challenge answer.
const maxAnswer = 1 << 20

// printsAs gives a Credentials implementation a printed form without its
// fields (which hold secrets in unexported fields, where fmt would not
// call Secret's Format), whatever the verb.
type printsAs Kind

func (p printsAs) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "auth.Credentials(%s)", string(p))
}

// None returns Credentials that add nothing, for APIs without auth.
func None() Credentials { return noneCreds{printsAs(KindNone)} }

type noneCreds struct{ printsAs }

func (noneCreds) Transport(base http.RoundTripper) http.RoundTripper { return orDefault(base) }

// orDefault is what a nil base means: http.DefaultTransport, as for an
// http.Client with no Transport, so that a Credentials works on its own in
// tests and tools. The worker never passes nil: it passes egress's
// transport (egress.Client.Transport), which every third-party call must
// go through.
func orDefault(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		return http.DefaultTransport
	}
	return base
}

// failing is the transport of Credentials whose configuration is invalid.
type failing struct{ err error }

func (f failing) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody(req)
	return nil, f.err
}

func configError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// drain reads a little of an answer that is being replaced by a retry, so
// that its connection can be reused, and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// attempts hands out the copies of one request that a transport sends: the
// first one, and a second one after re-authenticating if the body can be
// replayed. The caller's request is never modified.
type attempts struct {
	req     *http.Request
	first   io.ReadCloser                 // body of the first attempt; nil when there is none
	getBody func() (io.ReadCloser, error) // fresh body for later attempts; nil when there is none
	replay  bool                          // whether a second attempt can carry the body
	sent    int
}

func newAttempts(req *http.Request) (*attempts, error) {
	a := &attempts{req: req, replay: true}
	if req.Body == nil || req.Body == http.NoBody {
		return a, nil
	}
	if req.GetBody != nil {
		a.first, a.getBody = req.Body, req.GetBody
		return a, nil
	}
	buf, err := io.ReadAll(io.LimitReader(req.Body, MaxReplayBody+1))
	if err != nil {
		_ = req.Body.Close()
		return nil, fmt.Errorf("auth: reading the request body: %w", err)
	}
	if len(buf) > MaxReplayBody {
		// Too large to hold: send it once, as it streams.
		a.first = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(buf), req.Body), req.Body}
		a.replay = false
		return a, nil
	}
	_ = req.Body.Close()
	a.getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	a.first, _ = a.getBody()
	return a, nil
}

// canRetry says whether another copy can be sent.
func (a *attempts) canRetry() bool { return a.replay }

// next returns a copy of the request to send, with its own headers, URL and
// body.
func (a *attempts) next() (*http.Request, error) {
	r := a.req.Clone(a.req.Context())
	a.sent++
	switch {
	case a.first == nil && a.getBody == nil:
		// no body (Clone kept nil or http.NoBody)
	case a.sent == 1:
		r.Body = a.first
	default:
		body, err := a.getBody()
		if err != nil {
			return nil, fmt.Errorf("auth: rewinding the request body for a retry: %w", err)
		}
		r.Body = body
	}
	if a.replay {
		r.GetBody = a.getBody
	} else {
		r.GetBody = nil
	}
	return r, nil
}

// abandon closes the body of a request that will not be sent.
func (a *attempts) abandon() {
	if a.sent == 0 && a.first != nil {
		_ = a.first.Close()
	}
}
