package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/junction-run/junction/definition"
)

// The Definitions section's pages past the list: a definition (its latest
// version, graph, versions and buttons), the editor, a diff of two
// versions, and the forms that enable, disable, delete and test-run it.
// Each one asks the API, as the signed-in key.

// maxVersionsShown is how many versions a definition's page lists.
const maxVersionsShown = 100

// newDefinitionTemplate is what the editor starts a new definition with:
// a small definition that saves as it is.
const newDefinitionTemplate = `{
  "trigger": "http_request",
  "status": "disabled",
  "definition": {
    "name": "New definition",
    "steps": [
      {
        "id": "call",
        "stepType": "HttpRequest",
        "inputs": {
          "url": "https://example.com/hook",
          "method": "POST",
          "body": {"order": "{{data.order}}"}
        }
      }
    ]
  }
}`

func (c *Console) definitionPageRoutes() {
	c.mux.HandleFunc("GET /console/definitions/new", c.signedIn(c.newDefinitionPage))
	c.mux.HandleFunc("POST /console/definitions/new", c.signedIn(c.createDefinition))
	c.mux.HandleFunc("GET /console/definitions/{id}", c.signedIn(c.definitionPage))
	c.mux.HandleFunc("GET /console/definitions/{id}/edit", c.signedIn(c.editDefinitionPage))
	c.mux.HandleFunc("POST /console/definitions/{id}/edit", c.signedIn(c.updateDefinition))
	c.mux.HandleFunc("GET /console/definitions/{id}/diff", c.signedIn(c.diffPage))
	c.mux.HandleFunc("POST /console/definitions/{id}/status", c.signedIn(c.setDefinitionStatus))
	c.mux.HandleFunc("POST /console/definitions/{id}/delete", c.signedIn(c.deleteDefinition))
	c.mux.HandleFunc("POST /console/definitions/{id}/test", c.signedIn(c.testRun))
}

// notices are the confirmations a page shows after a redirect, by
// ?notice=.
var notices = map[string]string{
	"created":  "Definition saved as version 1.",
	"saved":    "Definition saved as a new version.",
	"enabled":  "Definition enabled: its trigger starts runs.",
	"disabled": "Definition disabled: its trigger starts no runs.",
	"deleted":  "Definition deleted.",
}

// definitionPage shows a definition's latest version, its graph and its
// versions, newest first, with the buttons the key's scopes allow.
func (c *Console) definitionPage(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	versions, err := c.definitionVersions(r, s, id)
	if err != nil {
		c.render(w, r, statusOf(err), "definition", s, pageData{Title: "Definition", Section: "definitions", Error: err})
		return
	}
	c.render(w, r, http.StatusOK, "definition", s, pageData{Title: versions[0].Definition.Name, Section: "definitions",
		Notice: notices[r.URL.Query().Get("notice")], Data: newDefinitionView(versions, "{}")})
}

// definitionView is a definition's page: its latest version (Doc), all
// versions newest first, the graph, and the test run form's payload.
type definitionView struct {
	Doc      definition.Document
	Versions []definition.Document
	Graph    graph
	Payload  string
}

func newDefinitionView(versions []definition.Document, payload string) definitionView {
	latest := versions[0]
	return definitionView{Doc: latest, Versions: versions, Graph: drawGraph(&latest), Payload: payload}
}

// definitionVersions reads a definition's versions, newest first; none is
// the API's 404.
func (c *Console) definitionVersions(r *http.Request, s *Session, id string) ([]definition.Document, error) {
	var versions []definition.Document
	q := url.Values{"limit": {strconv.Itoa(maxVersionsShown)}}
	if err := c.call(r, http.MethodGet, s.AccountPath("/definitions/"+url.PathEscape(id))+"?"+q.Encode(), nil, &versions); err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return nil, &APIError{Status: http.StatusNotFound, Message: "Definition " + id + " not found."}
	}
	return versions, nil
}

// editorData is the editor's: the document's text, where the form posts,
// and the version it was read at (If-Match).
type editorData struct {
	ID       string
	Version  int
	Text     string
	Action   string
	Problems []FieldError
}

func (c *Console) newDefinitionPage(w http.ResponseWriter, r *http.Request, s *Session) {
	c.renderEditor(w, r, s, http.StatusOK, editorData{Text: newDefinitionTemplate, Action: "/console/definitions/new"}, nil)
}

func (c *Console) editDefinitionPage(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	versions, err := c.definitionVersions(r, s, id)
	if err != nil {
		c.render(w, r, statusOf(err), "definition_edit", s, pageData{Title: "Edit definition", Section: "definitions", Error: err})
		return
	}
	text, err := editableJSON(versions[0])
	c.renderEditor(w, r, s, http.StatusOK, editorData{ID: id, Version: versions[0].Version, Text: text,
		Action: "/console/definitions/" + url.PathEscape(id) + "/edit"}, err)
}

// renderEditor shows the editor; an API error's problems are listed with
// their paths.
func (c *Console) renderEditor(w http.ResponseWriter, r *http.Request, s *Session, status int, d editorData, err error) {
	title := "New definition"
	if d.ID != "" {
		title = "Edit definition"
	}
	var ae *APIError
	if errors.As(err, &ae) {
		d.Problems = ae.Errors
	}
	c.render(w, r, status, "definition_edit", s, pageData{Title: title, Section: "definitions", Error: err, Data: d})
}

// createDefinition saves the editor's text as a new definition; the API's
// problems come back to the editor.
func (c *Console) createDefinition(w http.ResponseWriter, r *http.Request, s *Session) {
	text := r.PostFormValue("document")
	var saved definition.Document
	if _, err := c.callJSON(r, http.MethodPost, s.AccountPath("/definitions"), []byte(text), nil, &saved); err != nil {
		c.renderEditor(w, r, s, statusOf(err), editorData{Text: text, Action: "/console/definitions/new"}, err)
		return
	}
	http.Redirect(w, r, "/console/definitions/"+url.PathEscape(saved.ID)+"?notice=created", http.StatusSeeOther)
}

// updateDefinition saves the editor's text as the next version, only while
// the version the editor read is the latest.
func (c *Console) updateDefinition(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	text := r.PostFormValue("document")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	d := editorData{ID: id, Version: version, Text: text, Action: "/console/definitions/" + url.PathEscape(id) + "/edit"}
	var header http.Header
	if version > 0 {
		header = http.Header{"If-Match": {fmt.Sprintf(`"v%d"`, version)}}
	}
	if _, err := c.callJSON(r, http.MethodPut, s.AccountPath("/definitions/"+url.PathEscape(id)), []byte(text), header, nil); err != nil {
		c.renderEditor(w, r, s, statusOf(err), d, err)
		return
	}
	http.Redirect(w, r, "/console/definitions/"+url.PathEscape(id)+"?notice=saved", http.StatusSeeOther)
}

// setDefinitionStatus enables or disables a definition as the API does it:
// its latest version saved again with the other status, as the next
// version, only while it is still the latest.
func (c *Console) setDefinitionStatus(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	status := r.PostFormValue("status")
	versions, err := c.definitionVersions(r, s, id)
	if err == nil {
		doc := editable(versions[0])
		doc.Status = status
		var body []byte
		if body, err = json.Marshal(doc); err == nil {
			header := http.Header{"If-Match": {fmt.Sprintf(`"v%d"`, versions[0].Version)}}
			_, err = c.callJSON(r, http.MethodPut, s.AccountPath("/definitions/"+url.PathEscape(id)), body, header, nil)
		}
	}
	if err != nil {
		c.render(w, r, statusOf(err), "definition", s, pageData{Title: "Definition", Section: "definitions", Error: err})
		return
	}
	http.Redirect(w, r, "/console/definitions/"+url.PathEscape(id)+"?notice="+url.QueryEscape(status), http.StatusSeeOther)
}

// deleteDefinition deletes every version (the API terminates their runs
// first).
func (c *Console) deleteDefinition(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	if err := c.call(r, http.MethodDelete, s.AccountPath("/definitions/"+url.PathEscape(id)), nil, nil); err != nil {
		c.render(w, r, statusOf(err), "definition", s, pageData{Title: "Definition", Section: "definitions", Error: err})
		return
	}
	http.Redirect(w, r, "/console/definitions?notice=deleted", http.StatusSeeOther)
}

// testRun starts a run of the latest version with the form's payload and
// goes to the run's page.
func (c *Console) testRun(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	payload := r.PostFormValue("payload")
	var run struct {
		WorkflowID string `json:"workflowId"`
	}
	if _, err := c.callJSON(r, http.MethodPost, s.AccountPath("/definitions/"+url.PathEscape(id)+"/workflows"), []byte(payload), nil, &run); err != nil {
		versions, readErr := c.definitionVersions(r, s, id)
		if readErr != nil {
			c.render(w, r, statusOf(err), "definition", s, pageData{Title: "Definition", Section: "definitions", Error: err})
			return
		}
		c.render(w, r, statusOf(err), "definition", s, pageData{Title: versions[0].Definition.Name, Section: "definitions", Error: err,
			Data: newDefinitionView(versions, payload)})
		return
	}
	http.Redirect(w, r, "/console/definitions/"+url.PathEscape(id)+"/runs/"+url.PathEscape(run.WorkflowID), http.StatusSeeOther)
}

// diffLine is one line of a diff: Op is "+" (added), "-" (removed) or " ".
type diffLine struct {
	Op, Text string
}

// diffPage shows the line diff of two versions' documents (?from=, ?to=;
// by default the latest against the one before).
func (c *Console) diffPage(w http.ResponseWriter, r *http.Request, s *Session) {
	id := r.PathValue("id")
	data := pageData{Title: "Changes", Section: "definitions"}
	versions, err := c.definitionVersions(r, s, id)
	if err != nil {
		data.Error = err
		c.render(w, r, statusOf(err), "definition_diff", s, data)
		return
	}
	from, to := versionQuery(r, "from", versions[0].Version-1), versionQuery(r, "to", versions[0].Version)
	docs := map[int]definition.Document{}
	for _, v := range versions {
		docs[v.Version] = v
	}
	var texts [2]string
	for i, n := range []int{from, to} {
		doc, ok := docs[n]
		if !ok {
			err = &APIError{Status: http.StatusNotFound, Message: fmt.Sprintf("Version %d of this definition not found.", n),
				Errors: []FieldError{{Path: []string{"from", "to"}[i], Message: "no such version"}}}
			break
		}
		if texts[i], err = editableJSON(doc); err != nil {
			break
		}
	}
	if err != nil {
		data.Error = err
		c.render(w, r, statusOf(err), "definition_diff", s, data)
		return
	}
	data.Title = fmt.Sprintf("%s: version %d to %d", versions[0].Definition.Name, from, to)
	data.Data = struct {
		ID       string
		From, To int
		Lines    []diffLine
		Versions []definition.Document
	}{id, from, to, lineDiff(texts[0], texts[1]), versions}
	c.render(w, r, http.StatusOK, "definition_diff", s, data)
}

// versionQuery reads a version number from the query, or def.
func versionQuery(r *http.Request, name string, def int) int {
	if n, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil {
		return n
	}
	return def
}

// lineDiff lists the lines of b against a: kept, removed and added, in
// order, with three lines of context around each change.
func lineDiff(a, b string) []diffLine {
	al, bl := difflib.SplitLines(a), difflib.SplitLines(b)
	m := difflib.NewMatcher(al, bl)
	var out []diffLine
	for i, group := range m.GetGroupedOpCodes(3) {
		if i > 0 {
			out = append(out, diffLine{Op: " ", Text: "…"})
		}
		for _, op := range group {
			switch op.Tag {
			case 'e':
				for _, l := range al[op.I1:op.I2] {
					out = append(out, diffLine{" ", strings.TrimRight(l, "\n")})
				}
			case 'd', 'r', 'i':
				for _, l := range al[op.I1:op.I2] {
					out = append(out, diffLine{"-", strings.TrimRight(l, "\n")})
				}
				for _, l := range bl[op.J1:op.J2] {
					out = append(out, diffLine{"+", strings.TrimRight(l, "\n")})
				}
			}
		}
	}
	return out
}

// editable is a version as its author writes it: without what the server
// sets (ids, versions, times, the app subscription).
func editable(doc definition.Document) definition.Document {
	doc.AccountID, doc.ID, doc.Version, doc.CreatedAt = "", "", 0, ""
	doc.Definition.ID, doc.Definition.Version = "", 0
	doc.AppSubscription = nil
	return doc
}

// editableJSON is editable(doc) as indented JSON, for the editor and diffs.
func editableJSON(doc definition.Document) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(editable(doc)); err != nil {
		return "", fmt.Errorf("encoding definition %s: %w", doc.ID, err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
