// Package console serves Junction's web console under /console: pages a
// person reads and acts on in a browser, rendered on the server from
// Junction's own API.
//
// The console holds no state and no privilege of its own. Every page asks
// the per-account API for what it shows, and every button sends the API
// request it stands for, in-process, with the browser's session cookie
// (gateway/console.go): the API answers the console exactly as it would
// answer the key the person signed in with, scopes, limits, audit log and
// errors included. So a read key's console shows no edit buttons, and a
// request forged past them gets the API's 403.
package console

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config is what the console needs from the gateway that serves it.
type Config struct {
	// API is the gateway's own handler: the console's requests go through
	// it in-process, authentication and all.
	API http.Handler
	// TemporalUI is the Temporal UI's base URL, for links to run
	// histories; "" shows none.
	TemporalUI string
}

// Console is the console's handler and what its pages share.
type Console struct {
	api        http.Handler
	temporalUI string
	mux        *http.ServeMux
	pages      map[string]*template.Template
}

// Handler returns the console, to serve under /console.
func Handler(cfg Config) http.Handler {
	c := &Console{api: cfg.API, temporalUI: strings.TrimRight(cfg.TemporalUI, "/"), mux: http.NewServeMux()}
	c.pages = parsePages()
	static, _ := fs.Sub(staticFiles, "static")
	c.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticHandler(static)))
	c.mux.HandleFunc("GET /console/login", c.loginPage)
	c.mux.HandleFunc("POST /console/login", c.login)
	c.mux.HandleFunc("POST /console/logout", c.signedIn(c.logout))
	c.mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/definitions", http.StatusSeeOther)
	})
	c.mux.HandleFunc("GET /console/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/definitions", http.StatusSeeOther)
	})
	c.definitionRoutes()
	c.runRoutes()
	c.connectionRoutes()
	c.appRoutes()
	c.subscriptionRoutes()
	c.conversationRoutes()
	c.mux.HandleFunc("/console/", c.signedIn(func(w http.ResponseWriter, r *http.Request, s *Session) {
		c.render(w, r, http.StatusNotFound, "notfound", s, pageData{Title: "Not found"})
	}))
	return c
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Pages are never cached and never framed by another site; scripts
	// and styles come from the console alone.
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	if r.Method == http.MethodPost && !sameOrigin(r) {
		http.Error(w, "cross-site form posts are refused", http.StatusForbidden)
		return
	}
	c.mux.ServeHTTP(w, r)
}

// sameOrigin reports whether a form post comes from a console page: the
// browser's Sec-Fetch-Site, or else its Origin, must name this host. The
// session cookie is SameSite=Strict as well; this refuses what an older
// browser might still send.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser's cross-site post: those carry Origin
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// Session is who a page is shown to: GET /api/v1/console/session.
type Session struct {
	AccountID string `json:"accountId"`
	Key       struct {
		ID     string   `json:"id"`
		Name   string   `json:"name"`
		Prefix string   `json:"prefix"`
		Scopes []string `json:"scopes"`
	} `json:"key"`
}

// Can reports whether the session's key has scope (read, runs or admin;
// admin includes runs, runs includes read), to show only the buttons the
// API would honour.
func (s *Session) Can(scope string) bool {
	rank := map[string]int{"read": 1, "runs": 2, "admin": 3}
	return slices.ContainsFunc(s.Key.Scopes, func(have string) bool { return rank[have] >= rank[scope] })
}

// AccountPath is the account's API path plus rest: "/definitions" gives
// "/api/v1/accounts/<account>/definitions".
func (s *Session) AccountPath(rest string) string {
	return "/api/v1/accounts/" + url.PathEscape(s.AccountID) + rest
}

// signedIn runs h with the browser's session, or sends the browser to the
// sign-in page.
func (c *Console) signedIn(h func(http.ResponseWriter, *http.Request, *Session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var s Session
		if err := c.call(r, http.MethodGet, "/api/v1/console/session", nil, &s); err != nil {
			var ae *APIError
			if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
				next := r.URL.Path
				if r.Method != http.MethodGet {
					next = "/console/"
				}
				http.Redirect(w, r, "/console/login?next="+url.QueryEscape(next), http.StatusSeeOther)
				return
			}
			c.render(w, r, http.StatusBadGateway, "error", nil, pageData{Title: "Error", Error: err})
			return
		}
		h(w, r, &s)
	}
}

// APIError is the API's error answer: its status, message and the
// problems it lists, each at a JSON path.
type APIError struct {
	Status  int
	Code    int          `json:"code"`
	Message string       `json:"message"`
	ErrorID string       `json:"errorId"`
	Errors  []FieldError `json:"errors"`
}

// FieldError is one problem the API names, at its JSON path.
type FieldError struct {
	Path    string `json:"path"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return http.StatusText(e.Status)
	}
	return e.Message
}

// call sends the API request method path with body (JSON, when not nil)
// in-process, as the browser's session, and decodes a 2xx answer into out
// (when not nil). Any other answer is an *APIError.
func (c *Console) call(r *http.Request, method, path string, body, out any) error {
	_, err := c.callHeaders(r, method, path, body, out)
	return err
}

// callHeaders is call, returning the answer's headers as well.
func (c *Console) callHeaders(r *http.Request, method, path string, body, out any) (http.Header, error) {
	var raw []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encoding the request to %s: %w", path, err)
		}
		raw = b
	}
	return c.callJSON(r, method, path, raw, nil, out)
}

// callJSON is callHeaders with a body already JSON (nil: none), sent as
// the person wrote it, and header added to the request.
func (c *Console) callJSON(r *http.Request, method, path string, body []byte, header http.Header, out any) (http.Header, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	rec, err := c.send(r.Context(), r, method, path, reader, "application/json", header)
	if err != nil {
		return nil, err
	}
	return rec.answer(method, path, out)
}

// answer decodes a 2xx answer into out (when not nil); any other is an
// *APIError.
func (rec *recorder) answer(method, path string, out any) (http.Header, error) {
	if rec.status < 200 || rec.status > 299 {
		ae := &APIError{Status: rec.status}
		_ = json.Unmarshal(rec.body.Bytes(), ae)
		return rec.header, ae
	}
	if out != nil && rec.body.Len() > 0 {
		if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
			return rec.header, fmt.Errorf("reading the answer of %s %s: %w", method, path, err)
		}
	}
	return rec.header, nil
}

// send makes the in-process request: the browser's cookie and address, the
// header the API asks of the console's changes, and the body.
func (c *Console) send(ctx context.Context, r *http.Request, method, path string, body io.Reader, contentType string, header ...http.Header) (*recorder, error) {
	req, err := http.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return nil, fmt.Errorf("making the request %s %s: %w", method, path, err)
	}
	req.RemoteAddr, req.Host = r.RemoteAddr, r.Host
	for _, name := range []string{"Cookie", "User-Agent", "X-Forwarded-For", "X-Forwarded-Proto"} {
		if v := r.Header.Values(name); len(v) > 0 {
			req.Header[name] = v
		}
	}
	for _, h := range header {
		for name, values := range h {
			req.Header[http.CanonicalHeaderKey(name)] = values
		}
	}
	req.Header.Set("X-Junction-Console", "1")
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	rec := &recorder{header: http.Header{}}
	c.api.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec, nil
}

// recorder keeps an in-process answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// loginPage asks for an API key.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "login", nil, pageData{Title: "Sign in", Next: safeNext(r.URL.Query().Get("next"))})
}

// login signs in through the API, which sets the session cookie this
// answer passes on to the browser.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	form := url.Values{"apiKey": {r.PostFormValue("apiKey")}}
	rec, err := c.send(r.Context(), r, http.MethodPost, "/api/v1/console/session", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	if err == nil && rec.status != http.StatusOK {
		ae := &APIError{Status: rec.status}
		_ = json.Unmarshal(rec.body.Bytes(), ae)
		err = ae
	}
	if err != nil {
		status := http.StatusUnauthorized
		var ae *APIError
		if errors.As(err, &ae) {
			status = ae.Status
		}
		c.render(w, r, status, "login", nil, pageData{Title: "Sign in", Next: next, Error: err})
		return
	}
	for _, cookie := range rec.header.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", cookie)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// safeNext keeps a redirect after sign-in inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) {
		return "/console/definitions"
	}
	return next
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, _ *Session) {
	rec, err := c.send(r.Context(), r, http.MethodDelete, "/api/v1/console/session", nil, "")
	if err == nil {
		for _, cookie := range rec.header.Values("Set-Cookie") {
			w.Header().Add("Set-Cookie", cookie)
		}
	}
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// staticHandler serves the embedded styles and scripts, which change only
// with the binary.
func staticHandler(files fs.FS) http.Handler {
	h := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		h.ServeHTTP(w, r)
	})
}
