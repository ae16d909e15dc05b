package authtest

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"sync"
)

// SessionCookie is the name of the cookie a SessionServer in cookie mode
// sets.
const SessionCookie = "sid"

// SessionServer is a login-based API. POST /login with a JSON body
// {"username": ..., "password": ...} (or the same as a form) answers
// {"data": {"token": ..., "expires_in": 3600}}, or in cookie mode sets the
// cookie "sid"; a wrong password gets 401 {"error": "invalid_credentials",
// ...}. Every other path requires a live session, sent as "Authorization:
// Bearer <token>" (or the cookie), and answers 401 {"error":
// "session_expired"} without one. ExpireSessions ends every session, as an
// idle timeout or a server restart would.
type SessionServer struct {
	Username, Password string
	// Cookie switches to cookie mode.
	Cookie bool
	// Next serves requests with a live session (default: OK).
	Next http.Handler

	mu       sync.Mutex
	sessions map[string]bool
	stats    SessionStats
}

// SessionStats counts what a SessionServer saw.
type SessionStats struct {
	Logins       int // successful
	FailedLogins int
	Accepted     int // API requests with a live session
	Rejected     int // API requests without one
}

// Stats returns the counters so far.
func (s *SessionServer) Stats() SessionStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ExpireSessions ends every session.
func (s *SessionServer) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = nil
}

// ServeHTTP serves /login and the API; see SessionServer.
func (s *SessionServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/login" {
		s.login(w, r)
		return
	}
	var tok string
	if s.Cookie {
		if c, err := r.Cookie(SessionCookie); err == nil {
			tok = c.Value
		}
	} else {
		tok, _ = bearer(r)
	}
	s.mu.Lock()
	live := tok != "" && s.sessions[tok]
	if live {
		s.stats.Accepted++
	} else {
		s.stats.Rejected++
	}
	s.mu.Unlock()
	if !live {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "session_expired", "message": "log in again"})
		return
	}
	orOK(s.Next).ServeHTTP(w, r)
}

func (s *SessionServer) login(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"})
		return
	}
	var creds struct{ Username, Password string }
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&creds); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "message": "the body is not JSON"})
			return
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
			return
		}
		creds.Username, creds.Password = r.PostForm.Get("username"), r.PostForm.Get("password")
	default:
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "unsupported_media_type"})
		return
	}
	s.mu.Lock()
	if !equal(creds.Username, s.Username) || !equal(creds.Password, s.Password) {
		s.stats.FailedLogins++
		s.mu.Unlock()
		// Like many real APIs, the message quotes what the client sent.
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_credentials",
			"message": "no user " + strings.TrimSpace(creds.Username) + " with password " + creds.Password})
		return
	}
	tok := randomString(24)
	if s.sessions == nil {
		s.sessions = map[string]bool{}
	}
	s.sessions[tok] = true
	s.stats.Logins++
	s.mu.Unlock()
	if s.Cookie {
		http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"token": tok, "expires_in": 3600}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
