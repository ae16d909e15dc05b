package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// pageData is what every page template gets. Data is the page's own.
type pageData struct {
	Title string
	// Section names the navigation entry the page belongs to.
	Section string
	Session *Session
	// Error is shown above the page's content: an *APIError lists its
	// problems with their paths.
	Error error
	// Notice is a one-line confirmation (saved, enabled, ...).
	Notice string
	// Next is where signing in leads.
	Next       string
	TemporalUI string
	Data       any
}

// APIError returns the page's error as the API's, when it is one.
func (p pageData) APIError() *APIError {
	var ae *APIError
	if errors.As(p.Error, &ae) {
		return ae
	}
	return nil
}

// sections are the navigation's entries, in order.
var sections = []struct{ Key, Label, Path string }{
	{"definitions", "Definitions", "/console/definitions"},
	{"runs", "Runs", "/console/runs"},
	{"connections", "Connections", "/console/connections"},
	{"apps", "Apps", "/console/apps"},
	{"subscriptions", "Subscriptions", "/console/subscriptions"},
	{"conversations", "Conversations", "/console/conversations"},
}

var funcs = template.FuncMap{
	"sections": func() any { return sections },
	// when formats an API time (RFC 3339) for a person, in UTC.
	"when": func(s string) string {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return s
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	// pretty is v as indented JSON.
	"pretty": func(v any) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return ""
		}
		return strings.TrimSuffix(b.String(), "\n")
	},
	"pathEscape": func(s string) string { return strings.ReplaceAll(template.URLQueryEscaper(s), "+", "%20") },
	"join":       strings.Join,
	"inc":        func(n int) int { return n + 1 },
	// The Runs section's: a status's badge class and its words.
	"statusBadge":    statusBadge,
	"stepStatusText": stepStatusText,
	"dec":            func(n int) int { return n - 1 },
}

// parsePages parses each page template with the layout around it. A page
// is templates/<name>.html defining "content"; the layout and partials
// are templates/_*.html.
func parsePages() map[string]*template.Template {
	base := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFiles, "templates/_*.html"))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		file := path.Base(name)
		if strings.HasPrefix(file, "_") {
			continue
		}
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFiles, name))
		pages[strings.TrimSuffix(file, ".html")] = t
	}
	return pages
}

// render writes page with data around it, with status. A template that
// fails is a bug; it answers 500 with nothing of the page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, s *Session, data pageData) {
	data.Session = s
	data.TemporalUI = c.temporalUI
	t, ok := c.pages[page]
	if !ok {
		http.Error(w, "no page "+page, http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "_layout.html", data); err != nil {
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = b.WriteTo(w)
}
