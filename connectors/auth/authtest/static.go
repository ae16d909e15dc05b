package authtest

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// OK is the default protected handler: 200 with a small JSON body.
var OK = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
})

func orOK(h http.Handler) http.Handler {
	if h == nil {
		return OK
	}
	return h
}

func unauthorized(w http.ResponseWriter, challenge, message string) {
	if challenge != "" {
		w.Header().Add("WWW-Authenticate", challenge)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"error":"` + message + `"}`))
}

// RequireBasic serves next only to requests with HTTP Basic credentials
// user and password (RFC 7617), and answers 401 with a Basic challenge
// otherwise.
func RequireBasic(user, password string, next http.Handler) http.Handler {
	next = orOK(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || !equal(u, user) || !equal(p, password) {
			unauthorized(w, `Basic realm="authtest", charset="UTF-8"`, "invalid credentials")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireBearer serves next only to requests with "Authorization: Bearer
// token" (RFC 6750), and answers 401 with an invalid_token challenge
// otherwise.
func RequireBearer(token string, next http.Handler) http.Handler {
	next = orOK(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearer(r)
		if !ok {
			unauthorized(w, `Bearer realm="authtest"`, "missing token")
			return
		}
		if !equal(got, token) {
			unauthorized(w, `Bearer realm="authtest", error="invalid_token"`, "invalid token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// RequireAPIKey serves next only to requests that carry value as the
// header, query parameter or cookie called name (in is "header", "query"
// or "cookie"), and answers 401 otherwise.
func RequireAPIKey(in, name, value string, next http.Handler) http.Handler {
	next = orOK(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got []string
		switch in {
		case "header":
			got = r.Header.Values(name)
		case "query":
			got = r.URL.Query()[name]
		case "cookie":
			for _, c := range r.CookiesNamed(name) {
				got = append(got, c.Value)
			}
		}
		if len(got) != 1 || !equal(got[0], value) {
			unauthorized(w, "", "invalid api key")
			return
		}
		next.ServeHTTP(w, r)
	})
}
