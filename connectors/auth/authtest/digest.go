package authtest

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// DigestServer protects Next with HTTP Digest authentication (RFC 7616)
// and checks every Authorization the way a strict server does: user name
// (plain, username* or userhash), realm, uri against the request target,
// an algorithm it offered, a nonce it issued and has not retired, qop=auth
// with an 8-hex-digit nonce count never used before with that nonce, a
// cnonce, the opaque value, and the response digest.
//
// A nonce is retired after NonceUses accepted requests, or by ExpireNonces;
// a request with a retired nonce and an otherwise valid digest gets a new
// challenge with stale=true, as RFC 7616 §3.3 prescribes. Set the fields
// before serving.
type DigestServer struct {
	Realm              string // default "authtest@example.org"
	Username, Password string
	// Algorithms are offered one challenge each, in this order (default
	// SHA-256 then MD5).
	Algorithms []string
	// NoQOP sends RFC 2069 challenges, without qop.
	NoQOP bool
	// UserHash asks clients to hash the user name.
	UserHash bool
	// NonceUses retires a nonce after that many accepted requests (0: no
	// limit).
	NonceUses int
	// Next serves authenticated requests (default: OK).
	Next http.Handler

	mu     sync.Mutex
	nonces map[string]*digestNonce
	opaque string
	stats  DigestStats
}

type digestNonce struct {
	retired bool
	uses    int
	seen    map[uint64]bool
}

// DigestStats counts what a DigestServer saw.
type DigestStats struct {
	Challenges int // 401 answers with a fresh challenge (stale ones included)
	Stale      int // of which stale=true
	Accepted   int
	Rejected   int            // requests with a Digest Authorization that failed a check
	Replays    int            // of which reused a nonce count
	Algorithms map[string]int // accepted requests by algorithm
}

// Stats returns the counters so far.
func (s *DigestServer) Stats() DigestStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Algorithms = map[string]int{}
	for k, v := range s.stats.Algorithms {
		st.Algorithms[k] = v
	}
	return st
}

// ExpireNonces retires every nonce issued so far.
func (s *DigestServer) ExpireNonces() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.nonces {
		n.retired = true
	}
}

func (s *DigestServer) realm() string {
	if s.Realm == "" {
		return "authtest@example.org"
	}
	return s.Realm
}

func (s *DigestServer) algorithms() []string {
	if len(s.Algorithms) == 0 {
		return []string{"SHA-256", "MD5"}
	}
	return s.Algorithms
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// challenge answers 401 with one challenge per algorithm, all with one new
// nonce. Call with s.mu held.
func (s *DigestServer) challenge(w http.ResponseWriter, stale bool) {
	if s.nonces == nil {
		s.nonces = map[string]*digestNonce{}
		s.opaque = randomString(24)
	}
	nonce := randomString(24)
	s.nonces[nonce] = &digestNonce{seen: map[uint64]bool{}}
	s.stats.Challenges++
	if stale {
		s.stats.Stale++
	}
	for _, alg := range s.algorithms() {
		c := fmt.Sprintf(`Digest realm=%q`, s.realm())
		if !s.NoQOP {
			c += `, qop="auth"`
		}
		c += fmt.Sprintf(`, algorithm=%s, nonce=%q, opaque=%q`, alg, nonce, s.opaque)
		if stale {
			c += ", stale=true"
		}
		if s.UserHash {
			c += ", userhash=true"
		}
		w.Header().Add("WWW-Authenticate", c)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = io.WriteString(w, `{"error":"unauthorized"}`)
}

// ServeHTTP challenges, verifies and serves; see DigestServer.
func (s *DigestServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Digest") {
		s.challenge(w, false)
		s.mu.Unlock()
		return
	}
	ok, stale, alg := s.verify(r, parseAuthParams(rest))
	switch {
	case ok:
		s.stats.Accepted++
		if s.stats.Algorithms == nil {
			s.stats.Algorithms = map[string]int{}
		}
		s.stats.Algorithms[alg]++
	case stale:
		s.challenge(w, true)
		s.mu.Unlock()
		return
	default:
		s.stats.Rejected++
		s.challenge(w, false)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	orOK(s.Next).ServeHTTP(w, r)
}

// verify checks p; call with s.mu held. stale reports a valid digest with
// a retired nonce.
func (s *DigestServer) verify(r *http.Request, p map[string]string) (ok, stale bool, alg string) {
	realm := s.realm()
	alg = p["algorithm"]
	if alg == "" {
		alg = "MD5"
	}
	offered := false
	for _, a := range s.algorithms() {
		offered = offered || strings.EqualFold(a, alg)
	}
	h := digestHash(alg)
	if !offered || h == nil {
		return false, false, alg
	}
	sess := strings.HasSuffix(strings.ToLower(alg), "-sess")
	// User name.
	switch {
	case s.UserHash:
		if p["userhash"] != "true" || !equal(p["username"], hexHash(h, s.Username+":"+realm)) {
			return false, false, alg
		}
	case p["username*"] != "":
		enc, ok := strings.CutPrefix(p["username*"], "UTF-8''")
		name, err := url.PathUnescape(enc)
		if !ok || err != nil || name != s.Username {
			return false, false, alg
		}
	default:
		if p["username"] != s.Username {
			return false, false, alg
		}
	}
	if p["realm"] != realm || p["uri"] != r.URL.RequestURI() || p["opaque"] != s.opaque {
		return false, false, alg
	}
	nonce, ok := s.nonces[p["nonce"]]
	if !ok {
		return false, false, alg
	}
	var nc uint64
	if s.NoQOP {
		if p["qop"] != "" || sess {
			return false, false, alg
		}
	} else {
		var err error
		nc, err = strconv.ParseUint(p["nc"], 16, 32)
		if p["qop"] != "auth" || len(p["nc"]) != 8 || err != nil || nc == 0 || p["cnonce"] == "" {
			return false, false, alg
		}
	}
	want := Response(alg, s.Username, realm, s.Password, r.Method, p["uri"], p["nonce"], p["nc"], p["cnonce"], p["qop"])
	if !equal(p["response"], want) {
		return false, false, alg
	}
	if nonce.retired {
		return false, true, alg
	}
	if !s.NoQOP {
		if nonce.seen[nc] {
			s.stats.Replays++
			return false, false, alg
		}
		nonce.seen[nc] = true
	}
	nonce.uses++
	if s.NonceUses > 0 && nonce.uses >= s.NonceUses {
		nonce.retired = true
	}
	return true, false, alg
}

func digestHash(alg string) func() hash.Hash {
	switch strings.TrimSuffix(strings.ToUpper(alg), "-SESS") {
	case "MD5":
		return md5.New
	case "SHA-256":
		return sha256.New
	case "SHA-512-256":
		return sha512.New512_256
	}
	return nil
}

func hexHash(h func() hash.Hash, s string) string {
	d := h()
	d.Write([]byte(s))
	return hex.EncodeToString(d.Sum(nil))
}

// Response computes an RFC 7616 §3.4.1 response value, as a server checks
// it: nc is the 8-digit string the client sent, qop "" means an RFC 2069
// challenge without qop. It returns "" for an unknown algorithm.
func Response(alg, username, realm, password, method, uri, nonce, nc, cnonce, qop string) string {
	h := digestHash(alg)
	if h == nil {
		return ""
	}
	ha1 := hexHash(h, username+":"+realm+":"+password)
	if strings.HasSuffix(strings.ToLower(alg), "-sess") {
		ha1 = hexHash(h, ha1+":"+nonce+":"+cnonce)
	}
	ha2 := hexHash(h, method+":"+uri)
	if qop == "" {
		return hexHash(h, ha1+":"+nonce+":"+ha2)
	}
	return hexHash(h, strings.Join([]string{ha1, nonce, nc, cnonce, qop, ha2}, ":"))
}

// parseAuthParams reads name=value and name="quoted value" pairs.
func parseAuthParams(s string) map[string]string {
	p := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimLeft(s, " \t,") {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val strings.Builder
		if strings.HasPrefix(s, `"`) {
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			s = s[min(i+1, len(s)):]
		} else {
			end := strings.IndexAny(s, ", \t")
			if end < 0 {
				end = len(s)
			}
			val.WriteString(s[:end])
			s = s[end:]
		}
		p[name] = val.String()
	}
	return p
}
