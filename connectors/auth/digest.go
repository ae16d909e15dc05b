package auth

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Digest returns HTTP Digest credentials (RFC 7616).
//
// The first request to an origin goes without credentials; the server's
// 401 challenge is answered and the request sent again. The nonce is then
// reused, with an increasing nonce count and a fresh cnonce, for later
// requests to that origin until the server declares it stale (or sends a
// nextnonce in Authentication-Info). Supported: algorithms MD5, SHA-256 and
// SHA-512-256 and their -sess variants (the strongest offered is used),
// qop=auth (and challenges without qop, as RFC 2069 servers send them),
// userhash, and UTF-8 user names (sent as username*). qop=auth-int is not
// supported.
//
// A 401 to a request that carried credentials is retried only when the
// server says the nonce was stale; otherwise the password is wrong and the
// 401 is returned, so that one call costs at most one failed attempt
// against the account's lockout counter.
func Digest(username, password Secret) Credentials {
	c := &digestCreds{
		printsAs: printsAs(KindDigest),
		username: username,
		password: password,
		origins:  map[string]*digestState{},
		cnonce:   newCnonce,
	}
	if username == "" {
		c.err = configError("digest: no username")
	}
	return c
}

// digestAlgorithm is one RFC 7616 §3.7 algorithm.
type digestAlgorithm struct {
	name     string // as registered, e.g. "SHA-256-sess"
	hash     func() hash.Hash
	sess     bool
	strength int
}

var digestAlgorithms = map[string]digestAlgorithm{}

func init() {
	for _, a := range []digestAlgorithm{
		{"MD5", md5.New, false, 1},
		{"SHA-256", sha256.New, false, 2},
		{"SHA-512-256", sha512.New512_256, false, 3},
	} {
		digestAlgorithms[strings.ToUpper(a.name)] = a
		sess := a
		sess.name, sess.sess = a.name+"-sess", true
		digestAlgorithms[strings.ToUpper(sess.name)] = sess
	}
}

// digestChallenge is what a request needs of the server's challenge.
type digestChallenge struct {
	realm, nonce, opaque string
	alg                  digestAlgorithm
	algParam             string // the algorithm parameter as the server sent it; "" when absent
	qop                  string // "auth", or "" for a challenge without qop
	userhash             bool
	stale                bool
}

// digestState is the challenge in use for one origin and the nonce count
// sent with it so far.
type digestState struct {
	ch digestChallenge
	nc uint32
}

type digestCreds struct {
	printsAs
	username, password Secret
	err                error
	cnonce             func() string

	mu      sync.Mutex
	origins map[string]*digestState // by scheme://host
}

func newCnonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (c *digestCreds) Transport(base http.RoundTripper) http.RoundTripper {
	if c.err != nil {
		return failing{c.err}
	}
	return &digestTransport{c: c, base: orDefault(base)}
}

type digestTransport struct {
	c    *digestCreds
	base http.RoundTripper
}

func origin(u *url.URL) string { return strings.ToLower(u.Scheme + "://" + u.Host) }

// Unwrap returns the transport underneath, which adds no credentials: a
// client following a redirect to another host sends that hop through it.
func (t *digestTransport) Unwrap() http.RoundTripper { return t.base }

func (t *digestTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	a, err := newAttempts(req)
	if err != nil {
		return nil, err
	}
	key := origin(req.URL)
	r, err := a.next()
	if err != nil {
		a.abandon()
		return nil, err
	}
	authorized := t.c.authorize(r, key)
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.c.nextNonce(resp, key)
		return resp, nil
	}
	ch, err := pickDigestChallenge(resp.Header.Values("Www-Authenticate"))
	if err != nil {
		drain(resp)
		return nil, err
	}
	if ch == nil {
		return resp, nil // not a Digest challenge: nothing to answer
	}
	t.c.use(key, *ch)
	if (authorized && !ch.stale) || !a.canRetry() {
		return resp, nil
	}
	drain(resp)
	r, err = a.next()
	if err != nil {
		return nil, err
	}
	t.c.authorize(r, key)
	resp, err = t.base.RoundTrip(r)
	if err == nil && resp.StatusCode != http.StatusUnauthorized {
		t.c.nextNonce(resp, key)
	}
	return resp, err
}

// use makes ch the challenge for key, with a fresh nonce count.
func (c *digestCreds) use(key string, ch digestChallenge) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.origins[key] = &digestState{ch: ch}
}

// nextNonce adopts the nextnonce of an Authentication-Info answer (RFC
// 7616 §3.5).
func (c *digestCreds) nextNonce(resp *http.Response, key string) {
	info := resp.Header.Get("Authentication-Info")
	if info == "" {
		return
	}
	next := parseParams(info)["nextnonce"]
	if next == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.origins[key]; ok && st.ch.nonce != next {
		ch := st.ch
		ch.nonce = next
		c.origins[key] = &digestState{ch: ch}
	}
}

// authorize sets r's Authorization from the challenge known for key, if
// any, and reports whether it did.
func (c *digestCreds) authorize(r *http.Request, key string) bool {
	c.mu.Lock()
	st, ok := c.origins[key]
	var ch digestChallenge
	var nc uint32
	if ok {
		st.nc++
		ch, nc = st.ch, st.nc
	}
	c.mu.Unlock()
	if !ok {
		return false
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	r.Header.Set("Authorization", digestAuthorization(ch, c.username.Reveal(), c.password.Reveal(),
		method, r.URL.RequestURI(), nc, c.cnonce()))
	return true
}

// digestUnsupported wraps errors.ErrUnsupported for challenges this
// package cannot answer.
func digestUnsupported(format string, args ...any) error {
	return fmt.Errorf("auth: digest: %w: "+format, append([]any{errors.ErrUnsupported}, args...)...)
}

// pickDigestChallenge returns the strongest Digest challenge it can
// answer, nil when there is no Digest challenge at all, and an error when
// there are Digest challenges but none it can answer.
func pickDigestChallenge(values []string) (*digestChallenge, error) {
	var best *digestChallenge
	var reasons []string
	for _, c := range parseChallenges(values) {
		if c.scheme != "digest" {
			continue
		}
		ch, reason := readDigestChallenge(c.params)
		if ch == nil {
			reasons = append(reasons, reason)
			continue
		}
		if best == nil || ch.alg.strength > best.alg.strength {
			best = ch
		}
	}
	if best == nil && len(reasons) > 0 {
		return nil, digestUnsupported("%s", strings.Join(reasons, "; "))
	}
	return best, nil
}

func readDigestChallenge(p map[string]string) (*digestChallenge, string) {
	ch := &digestChallenge{
		realm:    p["realm"],
		nonce:    p["nonce"],
		opaque:   p["opaque"],
		algParam: p["algorithm"],
		stale:    strings.EqualFold(p["stale"], "true"),
		userhash: strings.EqualFold(p["userhash"], "true"),
	}
	if ch.nonce == "" {
		return nil, "challenge without a nonce"
	}
	name := ch.algParam
	if name == "" {
		name = "MD5"
	}
	alg, ok := digestAlgorithms[strings.ToUpper(name)]
	if !ok {
		return nil, fmt.Sprintf("algorithm %q", name)
	}
	ch.alg = alg
	if qops, ok := p["qop"]; ok {
		for _, q := range strings.Split(qops, ",") {
			if strings.EqualFold(strings.TrimSpace(q), "auth") {
				ch.qop = "auth"
			}
		}
		if ch.qop == "" {
			return nil, fmt.Sprintf("qop %q (only auth is supported)", qops)
		}
	} else if alg.sess {
		return nil, "a -sess algorithm without qop"
	}
	return ch, ""
}

// digestResponse computes the request-digest of RFC 7616 §3.4.1.
func digestResponse(alg digestAlgorithm, username, realm, password, method, uri, nonce, cnonce string, nc uint32, qop string) string {
	h := func(s string) string {
		d := alg.hash()
		d.Write([]byte(s))
		return hex.EncodeToString(d.Sum(nil))
	}
	ha1 := h(username + ":" + realm + ":" + password)
	if alg.sess {
		ha1 = h(ha1 + ":" + nonce + ":" + cnonce)
	}
	ha2 := h(method + ":" + uri)
	if qop == "" {
		return h(ha1 + ":" + nonce + ":" + ha2)
	}
	return h(ha1 + ":" + nonce + ":" + ncString(nc) + ":" + cnonce + ":" + qop + ":" + ha2)
}

func ncString(nc uint32) string {
	s := strconv.FormatUint(uint64(nc), 16)
	return strings.Repeat("0", 8-len(s)) + s
}

// digestAuthorization builds the Authorization field value (RFC 7616
// §3.4).
func digestAuthorization(ch digestChallenge, username, password, method, uri string, nc uint32, cnonce string) string {
	var b strings.Builder
	b.WriteString("Digest ")
	switch {
	case ch.userhash:
		d := ch.alg.hash()
		d.Write([]byte(username + ":" + ch.realm))
		b.WriteString("username=" + quote(hex.EncodeToString(d.Sum(nil))))
	case quotable(username):
		b.WriteString("username=" + quote(username))
	default:
		b.WriteString("username*=UTF-8''" + extValue(username))
	}
	b.WriteString(", realm=" + quote(ch.realm))
	b.WriteString(", uri=" + quote(uri))
	if ch.algParam != "" {
		b.WriteString(", algorithm=" + ch.alg.name)
	}
	b.WriteString(", nonce=" + quote(ch.nonce))
	if ch.qop != "" {
		b.WriteString(", nc=" + ncString(nc))
		b.WriteString(", cnonce=" + quote(cnonce))
		b.WriteString(", qop=" + ch.qop)
	}
	b.WriteString(", response=" + quote(digestResponse(ch.alg, username, ch.realm, password, method, uri, ch.nonce, cnonce, nc, ch.qop)))
	if ch.opaque != "" {
		b.WriteString(", opaque=" + quote(ch.opaque))
	}
	if ch.userhash {
		b.WriteString(", userhash=true")
	}
	return b.String()
}

// quotable reports whether s can travel as a plain quoted-string: printable
// ASCII only.
func quotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// extValue percent-encodes s as an RFC 8187 ext-value's value-chars.
func extValue(s string) string {
	const attrChars = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(attrChars, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
