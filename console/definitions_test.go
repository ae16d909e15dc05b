package console_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// page GETs path and wants status.
func (s *site) page(path string, status int) string {
	s.t.Helper()
	res := s.do(http.MethodGet, path, nil)
	body := readAll(s.t, res)
	if res.StatusCode != status {
		s.t.Fatalf("GET %s: %d, want %d\n%s", path, res.StatusCode, status, body)
	}
	return body
}

// fixture reads a definition of testdata/graphs.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "graphs", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDefinitionEditorSavesAndShowsProblems: the editor (without
// JavaScript) sends the API request; a 400 comes back to the editor with
// each problem at its path and the text as typed; a valid document saves
// and its page shows it, with its graph and outline, and the list links
// it.
func TestDefinitionEditorSavesAndShowsProblems(t *testing.T) {
	s := newSite(t)
	s.signIn(s.admin)

	editor := html.UnescapeString(s.page("/console/definitions/new", http.StatusOK))
	for _, want := range []string{`<textarea id="document" name="document" class="code"`, `data-account="acme"`,
		`src="/console/static/editor.js"`, `id="problems" role="status" aria-live="polite"`, `"stepType": "HttpRequest"`} {
		if !strings.Contains(editor, want) {
			t.Errorf("the new definition's editor lacks %s", want)
		}
	}

	broken := strings.Replace(fixture(t, "onerror"), `"url": "https://example.com/confirm", `, "", 1)
	res := s.do(http.MethodPost, "/console/definitions/new", url.Values{"document": {broken}})
	page := readAll(t, res)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `<li data-path="definition.steps[1].inputs.url"><code>definition.steps[1].inputs.url</code>`) ||
		!strings.Contains(html.UnescapeString(page), `"id": "confirm", "stepType": "HttpRequest", "inputs": {"method": "POST"}`) {
		t.Fatalf("saving an invalid definition: %d\n%s", res.StatusCode, page)
	}
	res = s.do(http.MethodPost, "/console/definitions/new", url.Values{"document": {`{"trigger": `}})
	if page := readAll(t, res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `class="error" role="alert"`) {
		t.Fatalf("saving text that is not JSON: %d\n%s", res.StatusCode, page)
	}

	res = s.do(http.MethodPost, "/console/definitions/new", url.Values{"document": {fixture(t, "branches")}})
	loc := res.Header.Get("Location")
	m := regexp.MustCompile(`^/console/definitions/([0-9a-f-]{36})\?notice=created$`).FindStringSubmatch(loc)
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("saving a valid definition: %d to %q\n%s", res.StatusCode, loc, readAll(t, res))
	}
	id := m[1]
	page = s.page(loc, http.StatusOK)
	for _, want := range []string{"<h1>Route orders by size</h1>", "Definition saved as version 1.", "http_request",
		`<span class="badge badge-disabled">disabled</span>`,
		`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="graph-title graph-desc"`, `data-step="notify"`,
		`<ol class="outline">`, "otherwise normal", `href="/console/definitions/` + id + `/edit">Edit</a>`,
		`<button class="secondary">Enable</button>`, `data-confirm="Delete every version`, `<button class="danger">Delete</button>`,
		`<textarea id="payload" name="payload"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the definition's page lacks %s", want)
		}
	}
	list := s.page("/console/definitions", http.StatusOK)
	if !strings.Contains(list, `<a href="/console/definitions/`+id+`">Route orders by size</a>`) || !strings.Contains(list, `href="/console/definitions/new">New definition</a>`) {
		t.Errorf("the list does not link the definition or offer a new one:\n%s", list)
	}
	edit := s.page("/console/definitions/"+id+"/edit", http.StatusOK)
	if !strings.Contains(edit, `data-definition-id="`+id+`"`) || !strings.Contains(edit, `name="version" value="1"`) ||
		!strings.Contains(html.UnescapeString(edit), `"name": "Route orders by size"`) || strings.Contains(edit, `"createdAt"`) {
		t.Errorf("the editor of the definition:\n%s", edit)
	}
	// A test run the API refuses (before Temporal) comes back to the page
	// with the payload as typed; one it starts needs Temporal, and is the
	// browser test's.
	res = s.do(http.MethodPost, "/console/definitions/"+id+"/test", url.Values{"payload": {`["not an object"]`}})
	if page := readAll(t, res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `class="error" role="alert"`) ||
		!strings.Contains(html.UnescapeString(page), `["not an object"]</textarea>`) {
		t.Errorf("a test run with a payload that is not an object: %d\n%s", res.StatusCode, page)
	}
	s.page("/console/definitions/7f0c0a3e-5d1b-4c59-9a53-0d6f1d6f2a10", http.StatusNotFound)
}

// TestDefinitionDiff: the diff of two versions shows the changed line as
// removed and added, marked - and + (not by colour alone).
func TestDefinitionDiff(t *testing.T) {
	s := newSite(t)
	s.signIn(s.admin)
	res := s.do(http.MethodPost, "/console/definitions/new", url.Values{"document": {fixture(t, "wait")}})
	id := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/console/definitions/"), "?notice=created")
	// Version 2 goes into the store directly: a save through the API
	// updates the poll schedule in Temporal, which this site has not.
	ctx := context.Background()
	rec, err := s.store.Definition(ctx, "acme", id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body, &body); err != nil {
		t.Fatal(err)
	}
	body["definition"].(map[string]any)["name"] = "Remind after two days"
	rec.Body, _ = json.Marshal(body)
	rec.Name = "Remind after two days"
	if _, err := s.store.UpdateDefinition(ctx, rec); err != nil {
		t.Fatal(err)
	}

	page := s.page("/console/definitions/"+id, http.StatusOK)
	if !strings.Contains(page, `/diff?from=1&amp;to=2">Changes from version 1</a>`) {
		t.Errorf("the versions list does not link the diff:\n%s", page)
	}
	diff := html.UnescapeString(s.page("/console/definitions/"+id+"/diff?from=1&to=2", http.StatusOK))
	for _, want := range []string{
		`<del><span aria-hidden="true">- </span><span class="sr-only">removed: </span>    "name": "Remind after a day",</del>`,
		`<ins><span aria-hidden="true">+ </span><span class="sr-only">added: </span>    "name": "Remind after two days",</ins>`,
		`<span class="same">      "steps": [</span>`,
	} {
		if !strings.Contains(diff, want) {
			t.Errorf("the diff lacks %s:\n%s", want, diff)
		}
	}
	if strings.Count(diff, "<ins>") != 1 || strings.Count(diff, "<del>") != 1 {
		t.Errorf("the diff shows more than the one changed line:\n%s", diff)
	}
	s.page("/console/definitions/"+id+"/diff?from=1&to=9", http.StatusNotFound)
}

// TestDefinitionPagesForAReadKey: a read key sees no button it cannot use,
// and a form forged past them gets the API's 403, shown on the page.
func TestDefinitionPagesForAReadKey(t *testing.T) {
	s := newSite(t)
	s.signIn(s.admin)
	res := s.do(http.MethodPost, "/console/definitions/new", url.Values{"document": {fixture(t, "foreach")}})
	id := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/console/definitions/"), "?notice=created")
	s.do(http.MethodPost, "/console/logout", url.Values{})
	s.signIn(s.reader)

	page := s.page("/console/definitions/"+id, http.StatusOK)
	if !strings.Contains(page, `data-step="ship"`) {
		t.Errorf("a read key's page lacks the graph:\n%s", page)
	}
	for _, button := range []string{">Edit</a>", ">Enable</button>", ">Delete</button>", "Start a test run"} {
		if strings.Contains(page, button) {
			t.Errorf("a read key's page offers %s", button)
		}
	}
	if list := s.page("/console/definitions", http.StatusOK); strings.Contains(list, "New definition") {
		t.Error("a read key's list offers a new definition")
	}
	for _, forged := range []struct {
		path string
		form url.Values
	}{
		{"/console/definitions/" + id + "/edit", url.Values{"document": {fixture(t, "foreach")}, "version": {"1"}}},
		{"/console/definitions/new", url.Values{"document": {fixture(t, "foreach")}}},
		{"/console/definitions/" + id + "/delete", url.Values{}},
		{"/console/definitions/" + id + "/status", url.Values{"status": {"enabled"}}},
	} {
		res := s.do(http.MethodPost, forged.path, forged.form)
		if page := readAll(t, res); res.StatusCode != http.StatusForbidden || !strings.Contains(page, "This API key has scopes read; this request needs admin.") {
			t.Errorf("a forged POST %s: %d\n%s", forged.path, res.StatusCode, page)
		}
	}
	if versions := s.page("/console/definitions/"+id, http.StatusOK); !strings.Contains(versions, "<td>1</td>") || strings.Contains(versions, "<td>2</td>") {
		t.Errorf("the forged posts changed the definition:\n%s", versions)
	}
}
