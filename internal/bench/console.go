package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SystemConsole selects the console scenario: how long the console's pages
// take for an account with many definitions and many runs (issue 19).
const SystemConsole = "console"

// ConsoleConfig is the console scenario: Definitions definitions (one of
// them enabled), Runs runs of the enabled one, then each page requested
// Requests times by a signed-in browser, one request at a time.
type ConsoleConfig struct {
	Definitions int
	Runs        int
	Requests    int
	Persistence string
	// Timeout bounds the whole scenario, starting the runs included.
	Timeout time.Duration
}

// ConsoleResult is what the console scenario saw.
type ConsoleResult struct {
	Persistence       string        `json:"persistence"`
	Definitions       int           `json:"definitions"`
	Runs              int           `json:"runs"`
	RunsCompleted     int           `json:"runsCompleted"`
	DefinitionSeconds float64       `json:"definitionSeconds"`
	RunSeconds        float64       `json:"runSeconds"`
	Pages             []ConsolePage `json:"pages"`
	LoadAvg           string        `json:"loadAvgAfter"`
	Notes             []string      `json:"notes,omitempty"`
	Error             string        `json:"error,omitempty"`
}

// ConsolePage is one page's answer times.
type ConsolePage struct {
	Name string `json:"name"`
	Path string `json:"path"`
	// Latency is over Requests requests after one unmeasured first one.
	Latency Percentiles `json:"latencyMs"`
	Bytes   int         `json:"bytes"`
	Error   string      `json:"error,omitempty"`
}

// RunConsole fills an account with definitions and runs, signs a browser
// in, and times each console page.
func (c Config) RunConsole(ctx context.Context, sink *Sink) ConsoleResult {
	p := c.Console
	res := ConsoleResult{Persistence: p.Persistence, Definitions: p.Definitions, Runs: p.Runs}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	fail := func(err error) ConsoleResult {
		res.Error = err.Error()
		return res
	}
	sut, err := c.startSUT(ctx, SystemConsole, p.Persistence, Setting{}, false)
	if err != nil {
		return fail(err)
	}
	defer sut.stop()
	api, err := sut.api(16)
	if err != nil {
		return fail(err)
	}
	if err := loopbackOnly(api.gateway); err != nil {
		return fail(err)
	}

	// The definitions: one enabled, the others disabled copies, so every
	// event starts exactly one run.
	start := time.Now()
	var enabledID string
	errs := make(chan error, 8)
	ids := make(chan int)
	go func() {
		defer close(ids)
		for i := 1; i < p.Definitions; i++ {
			select {
			case ids <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range 8 {
		go func() {
			for i := range ids {
				doc := throughputDefinition(sink.URL)
				doc["status"] = "disabled"
				doc["definition"].(map[string]any)["name"] = fmt.Sprintf("Disabled copy %04d", i)
				if _, err := postForID(ctx, api.hc, api.account()+"/definitions", api.apiKey, doc); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			cancel()
			return fail(fmt.Errorf("creating definitions: %w", err))
		}
	}
	doc := throughputDefinition(sink.URL)
	if enabledID, err = postForID(ctx, api.hc, api.account()+"/definitions", api.apiKey, doc); err != nil {
		return fail(fmt.Errorf("creating the enabled definition: %w", err))
	}
	res.DefinitionSeconds = time.Since(start).Seconds()
	c.logf("console: %d definitions in %.1fs", p.Definitions, res.DefinitionSeconds)

	// The runs, every event passing the condition.
	send, err := api.sender(fmt.Sprintf("console-%d", time.Now().UnixNano()))
	if err != nil {
		return fail(err)
	}
	sink.Reset()
	start = time.Now()
	lr := Load{N: p.Runs, Concurrency: 16, MaxDuration: p.Timeout, Send: send}.Run(ctx)
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Minute)
	sink.WaitFor(wctx, lr.Passing())
	wcancel()
	res.RunsCompleted = sink.countOf(lr.Passing())
	res.RunSeconds = time.Since(start).Seconds()
	c.logf("console: %d runs started, %d completed in %.1fs", lr.Accepted, res.RunsCompleted, res.RunSeconds)
	if lr.Errors > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d events failed, first: %s", lr.Errors, lr.FirstError))
	}

	// A browser signs in, as a person would.
	cookie, err := consoleSignIn(ctx, api)
	if err != nil {
		return fail(err)
	}
	var runs []struct {
		WorkflowID string `json:"workflowId"`
	}
	if err := api.get(ctx, api.account()+"/definitions/"+enabledID+"/workflows?limit=1", &runs); err != nil || len(runs) == 0 {
		return fail(fmt.Errorf("reading a run to show: %v (%d runs)", err, len(runs)))
	}
	// One run of 1,000 calls, whose page reads a long history for its
	// steps' attempts.
	longID, longRun, err := consoleLongRun(ctx, api, sink.URL, consoleLongRunCalls)
	if err != nil {
		return fail(fmt.Errorf("the run of %d calls: %w", consoleLongRunCalls, err))
	}
	lastPage := (p.Definitions + 49) / 50
	pages := []ConsolePage{
		{Name: "definitions, first page", Path: "/console/definitions"},
		{Name: fmt.Sprintf("definitions, page %d (the last)", lastPage), Path: fmt.Sprintf("/console/definitions?page=%d", lastPage)},
		{Name: "a definition (graph, versions)", Path: "/console/definitions/" + enabledID},
		{Name: "the editor", Path: "/console/definitions/" + enabledID + "/edit"},
		{Name: "runs, first page", Path: "/console/runs"},
		{Name: "runs of one definition", Path: "/console/runs?definitionId=" + enabledID},
		{Name: "runs, page 20", Path: "/console/runs?page=20"},
		{Name: "a run (its steps)", Path: "/console/definitions/" + enabledID + "/runs/" + url.PathEscape(runs[0].WorkflowID)},
		{Name: fmt.Sprintf("a run of %d calls (ForEach)", consoleLongRunCalls), Path: "/console/definitions/" + longID + "/runs/" + url.PathEscape(longRun)},
		{Name: "connections", Path: "/console/connections"},
		{Name: "apps", Path: "/console/apps"},
	}
	for i := range pages {
		pages[i] = timePage(ctx, api, cookie, pages[i], max(p.Requests, 1))
		c.logf("console: %s: p50 %.1f ms, p90 %.1f ms", pages[i].Name, pages[i].Latency.P50, pages[i].Latency.P90)
	}
	res.Pages = pages
	res.LoadAvg = loadAvg()
	return res
}

// consoleLongRunCalls is how many calls the console scenario's long run
// makes: a ForEach over that many items, each an HttpRequest step.
const consoleLongRunCalls = 1000

// consoleLongRun starts a test run of a definition whose ForEach calls the
// sink once per item, n items, and waits until it is complete; it returns
// the definition's id and the run's.
func consoleLongRun(ctx context.Context, api junctionAPI, sinkURL string, n int) (definitionID, workflowID string, err error) {
	items := make([]int, n)
	for i := range items {
		items[i] = i
	}
	doc := map[string]any{
		"trigger": "http_request",
		"status":  "disabled",
		"definition": map[string]any{
			"name": fmt.Sprintf("bench: a ForEach of %d calls", n),
			"steps": []any{map[string]any{
				"id": "each", "stepType": "ForEach", "inputs": map[string]any{"items": "{{data.items}}"},
				"do": []any{[]any{map[string]any{
					"id": "call_api", "stepType": "HttpRequest",
					"inputs": map[string]any{"url": sinkURL + "/ingest", "method": "POST", "body": map[string]any{"item": "{{item}}"}},
				}}},
			}},
		},
	}
	definitionID, err = postForID(ctx, api.hc, api.account()+"/definitions", api.apiKey, doc)
	if err != nil {
		return "", "", err
	}
	// The test run's answer is the run, as a trigger lists it.
	var started struct {
		WorkflowID string `json:"workflowId"`
	}
	if err := postCreated(ctx, api.hc, api.account()+"/definitions/"+definitionID+"/workflows", api.apiKey, map[string]any{"items": items}, &started); err != nil {
		return "", "", err
	}
	workflowID = started.WorkflowID
	for {
		var run struct {
			Status string `json:"status"`
		}
		if err := api.get(ctx, api.account()+"/definitions/"+definitionID+"/workflows/"+url.PathEscape(workflowID), &run); err != nil {
			return "", "", err
		}
		switch run.Status {
		case "Complete":
			return definitionID, workflowID, nil
		case "Terminated":
			return "", "", fmt.Errorf("run %s ended %s", workflowID, run.Status)
		}
		select {
		case <-ctx.Done():
			return "", "", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// consoleSignIn signs in at /api/v1/console/session and returns the
// session cookie.
func consoleSignIn(ctx context.Context, api junctionAPI) (*http.Cookie, error) {
	body, err := json.Marshal(map[string]string{"apiKey": api.apiKey})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, api.gateway+"/api/v1/console/session", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := api.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("signing in to the console: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	for _, c := range resp.Cookies() {
		if c.Name == "junction_console" && resp.StatusCode == http.StatusOK {
			return c, nil
		}
	}
	return nil, fmt.Errorf("signing in to the console: %s, no session cookie", resp.Status)
}

// timePage requests one page n times after a first, unmeasured request.
func timePage(ctx context.Context, api junctionAPI, cookie *http.Cookie, page ConsolePage, n int) ConsolePage {
	var took []time.Duration
	for i := 0; i <= n; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, api.gateway+page.Path, nil)
		if err != nil {
			page.Error = err.Error()
			return page
		}
		req.AddCookie(cookie)
		t0 := time.Now()
		resp, err := api.hc.Do(req)
		if err != nil {
			page.Error = err.Error()
			return page
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if err != nil || resp.StatusCode != http.StatusOK {
			page.Error = fmt.Sprintf("%s: %v %.200s", resp.Status, err, b)
			return page
		}
		page.Bytes = len(b)
		if i > 0 {
			took = append(took, d)
		}
	}
	page.Latency = percentiles(took)
	return page
}

// Markdown is the console scenario's table.
func (r ConsoleResult) Markdown() string {
	var b strings.Builder
	b.WriteString("\n### Console pages\n\n")
	if r.Error != "" {
		fmt.Fprintf(&b, "Not measured: %s\n", mdEscape(r.Error))
		return b.String()
	}
	fmt.Fprintf(&b, "An account with %d definitions (created in %.1f s) and %d runs (%d completed, in %.1f s), on %s; each page requested by a signed-in browser, one request at a time, after one unmeasured request.\n\n",
		r.Definitions, r.DefinitionSeconds, r.Runs, r.RunsCompleted, r.RunSeconds, r.Persistence)
	b.WriteString("| page | path | requests | p50 ms | p90 ms | max ms | bytes |\n|---|---|---|---|---|---|---|\n")
	for _, p := range r.Pages {
		if p.Error != "" {
			fmt.Fprintf(&b, "| %s | `%s` | failed: %s |||||\n", p.Name, p.Path, mdEscape(p.Error))
			continue
		}
		fmt.Fprintf(&b, "| %s | `%s` | %d | %.1f | %.1f | %.1f | %d |\n", p.Name, p.Path, p.Latency.Count, p.Latency.P50, p.Latency.P90, p.Latency.Max, p.Bytes)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\n- console: %s\n", mdEscape(n))
	}
	return b.String()
}
