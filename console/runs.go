package console

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/junction-run/junction/definition"
)

// runRoutes serve the Runs section: the account's runs, and one run with
// its step timeline and the buttons that control it.
func (c *Console) runRoutes() {
	c.mux.HandleFunc("GET /console/runs", c.signedIn(c.runsPage))
	c.mux.HandleFunc("GET /console/definitions/{definitionId}/runs/{workflowId}", c.signedIn(c.runPage))
	c.mux.HandleFunc("POST /console/definitions/{definitionId}/runs/{workflowId}", c.signedIn(c.controlRun))
}

// runStatuses are the API's run statuses, the list's status filter.
var runStatuses = []string{"Runnable", "Suspended", "Complete", "Terminated"}

// runFilters are what the runs list is narrowed by, in the API's words
// (GET /workflows), as the filter form holds them.
type runFilters struct {
	Status, DefinitionID, Version string
	// StartTimeFrom and StartTimeTo are datetime-local values, read as UTC
	// (the console shows every time in UTC).
	StartTimeFrom, StartTimeTo string
}

func runFiltersOf(r *http.Request) runFilters {
	q := r.URL.Query()
	return runFilters{Status: q.Get("status"), DefinitionID: q.Get("definitionId"), Version: q.Get("version"),
		StartTimeFrom: q.Get("startTimeFrom"), StartTimeTo: q.Get("startTimeTo")}
}

// form is the filters as the console's own query string, page excluded.
func (f runFilters) form() url.Values {
	v := url.Values{}
	for name, value := range map[string]string{"status": f.Status, "definitionId": f.DefinitionID, "version": f.Version,
		"startTimeFrom": f.StartTimeFrom, "startTimeTo": f.StartTimeTo} {
		if value != "" {
			v.Set(name, value)
		}
	}
	return v
}

// api is the filters as the API's query: the times in RFC 3339. A time the
// console cannot read goes to the API as it is, whose 400 names the field.
func (f runFilters) api() url.Values {
	v := f.form()
	for _, name := range []string{"startTimeFrom", "startTimeTo"} {
		if t, ok := localTime(v.Get(name)); ok {
			v.Set(name, t.Format(time.RFC3339))
		}
	}
	return v
}

// localTime reads a datetime-local value (minutes, or seconds) as UTC.
func localTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// runItem is a run as the API lists and shows it (gateway/runs.go).
type runItem struct {
	WorkflowID     string         `json:"workflowId"`
	DefinitionID   string         `json:"definitionId"`
	DefinitionName string         `json:"definitionName"`
	Version        int            `json:"version"`
	Status         string         `json:"status"`
	TemporalStatus string         `json:"temporalStatus"`
	StartedAt      string         `json:"startedAt"`
	CompletedAt    string         `json:"completedAt"`
	Data           map[string]any `json:"data"`
	Logs           []stepLog      `json:"logs"`
	HistoryURL     string         `json:"historyUrl"`
}

// Open reports whether the run has not ended: it may still change.
func (r runItem) Open() bool { return r.Status == "Runnable" || r.Status == "Suspended" }

// stepLog is one step execution of a run's log.
type stepLog struct {
	ID          string `json:"id"`
	StepName    string `json:"stepName"`
	StepType    string `json:"stepType"`
	StartedAt   string `json:"startedAt"`
	CompletedAt string `json:"completedAt"`
	Status      string `json:"status"`
	Inputs      any    `json:"inputs"`
	Output      any    `json:"output"`
	Error       string `json:"error"`
	// The step's call's attempts, from the run's history.
	Attempts        int    `json:"attempts"`
	MaximumAttempts int    `json:"maximumAttempts"`
	LastFailure     string `json:"lastFailure"`
	NextAttemptAt   string `json:"nextAttemptAt"`
}

// Retried reports whether the step's call has a story beyond its first
// try to show: more attempts, a failure, or a next attempt.
func (l stepLog) Retried() bool {
	return l.Attempts > 1 || l.LastFailure != "" || l.NextAttemptAt != ""
}

// AttemptText says which attempt the call is on or ended on, against its
// bound: "Succeeded on attempt 3 of 15", "Attempt 2 of 15 failed".
func (l stepLog) AttemptText() string {
	of := ""
	if l.MaximumAttempts > 0 {
		of = " of " + strconv.Itoa(l.MaximumAttempts)
	}
	n := strconv.Itoa(l.Attempts) + of
	switch {
	case l.NextAttemptAt != "":
		return "Attempt " + n + " failed"
	case l.Status == "Complete":
		return "Succeeded on attempt " + n
	case l.Status == "Failed":
		return "Failed on attempt " + n
	case l.CompletedAt == "":
		return "Attempt " + n + " running"
	default:
		return "Ended on attempt " + n
	}
}

// Duration is how long the step took, "" while it is open.
func (l stepLog) Duration() string {
	return duration(l.StartedAt, l.CompletedAt)
}

// runError is one item of the run's errors.
type runError struct {
	Step      string `json:"step"`
	Message   string `json:"message"`
	ErrorTime string `json:"errorTime"`
}

// runsPage lists the account's runs of every definition, filtered, a page
// at a time.
func (c *Console) runsPage(w http.ResponseWriter, r *http.Request, s *Session) {
	page := pageOf(r)
	filters := runFiltersOf(r)
	query := filters.api()
	for name, v := range page.query() {
		query[name] = v
	}
	var list []runItem
	err := c.call(r, http.MethodGet, s.AccountPath("/workflows")+"?"+query.Encode(), nil, &list)
	page = page.withCount(len(list))
	pager := runsPager{Page: page}
	if page.Number > 1 {
		pager.Prev = filteredPage(filters, page.Number-1)
	}
	if page.More {
		pager.Next = filteredPage(filters, page.Number+1)
	}
	c.render(w, r, statusOf(err), "runs", s, pageData{Title: "Runs", Section: "runs", Error: err,
		Data: struct {
			Runs     []runItem
			Filters  runFilters
			Statuses []string
			Pager    runsPager
		}{list, filters, runStatuses, pager}})
}

// runsPager is the list's paging, whose links keep the filters.
type runsPager struct {
	Page       listPage
	Prev, Next string
}

func filteredPage(f runFilters, n int) string {
	v := f.form()
	v.Set("page", strconv.Itoa(n))
	return "/console/runs?" + v.Encode()
}

// runView is what the run page shows.
type runView struct {
	DefinitionID, WorkflowID string
	// DefinitionName is the run's version's name, "" when it cannot be read.
	DefinitionName string
	Run            *runItem
	Errors         []runError
	// CanControl: the key may suspend, resume and terminate runs.
	CanControl bool
}

// Duration is how long the run took, "" while it is open.
func (v runView) Duration() string {
	return duration(v.Run.StartedAt, v.Run.CompletedAt)
}

// runNotices are what a control's redirect may say; nothing else from the
// query string is shown.
var runNotices = map[string]string{
	"started":    "Test run started.",
	"suspended":  "Run suspended: it holds before its next step.",
	"resumed":    "Run resumed.",
	"terminated": "Run terminated.",
}

// runPage shows one run: its status, times, context data, step timeline
// and errors, with the buttons the key may use.
func (c *Console) runPage(w http.ResponseWriter, r *http.Request, s *Session) {
	c.showRun(w, r, s, 0, nil, runNotices[r.URL.Query().Get("notice")])
}

// showRun draws the run page with status, or the API's when reading the
// run fails; failure is what a control just answered.
func (c *Console) showRun(w http.ResponseWriter, r *http.Request, s *Session, status int, failure error, notice string) {
	view := runView{DefinitionID: r.PathValue("definitionId"), WorkflowID: r.PathValue("workflowId"), CanControl: s.Can("runs")}
	runPath := s.AccountPath("/definitions/" + url.PathEscape(view.DefinitionID) + "/workflows/" + url.PathEscape(view.WorkflowID))
	var run runItem
	err := c.call(r, http.MethodGet, runPath+"?includeLogs=true", nil, &run)
	if err == nil {
		view.Run = &run
		view.DefinitionName = c.definitionName(r, s, view.DefinitionID, run.Version)
		if hasFailed(run) {
			err = c.call(r, http.MethodGet, runPath+"/errors", nil, &view.Errors)
		}
	}
	if status == 0 {
		status = statusOf(err)
	}
	if failure != nil {
		err = failure
	}
	title := "Run " + view.WorkflowID
	c.render(w, r, status, "run", s, pageData{Title: title, Section: "runs", Error: err, Notice: notice, Data: view})
}

// hasFailed reports whether the run has errors to list: it ended other
// than complete, or a step failed.
func hasFailed(run runItem) bool {
	if run.Status == "Terminated" {
		return true
	}
	for _, l := range run.Logs {
		if l.Status == "Failed" {
			return true
		}
	}
	return false
}

// definitionName reads the name of a definition's version; "" when it
// cannot be read (the page shows the id then).
func (c *Console) definitionName(r *http.Request, s *Session, id string, version int) string {
	var docs []definition.Document
	path := s.AccountPath("/definitions/"+url.PathEscape(id)) + "?version=" + strconv.Itoa(version)
	if err := c.call(r, http.MethodGet, path, nil, &docs); err != nil || len(docs) == 0 {
		return ""
	}
	return docs[0].Definition.Name
}

// controlRun sends the API's PATCH for the button pressed (suspend, resume
// or terminate) and returns to the run page.
func (c *Console) controlRun(w http.ResponseWriter, r *http.Request, s *Session) {
	action := r.PostFormValue("action")
	path := s.AccountPath("/definitions/" + url.PathEscape(r.PathValue("definitionId")) + "/workflows/" + url.PathEscape(r.PathValue("workflowId")))
	if err := c.call(r, http.MethodPatch, path, map[string]string{"status": action}, nil); err != nil {
		c.showRun(w, r, s, statusOf(err), err, "")
		return
	}
	notice := map[string]string{"suspend": "suspended", "resume": "resumed", "terminate": "terminated"}[action]
	http.Redirect(w, r, r.URL.Path+"?notice="+notice, http.StatusSeeOther)
}

// duration is the time from start to end, API times, rounded for a
// person; "" when either is missing.
func duration(start, end string) string {
	from, err1 := time.Parse(time.RFC3339Nano, start)
	to, err2 := time.Parse(time.RFC3339Nano, end)
	if err1 != nil || err2 != nil {
		return ""
	}
	d := to.Sub(from)
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// statusBadge is the badge class of a run's or a step's status: the
// colour beside its text.
func statusBadge(status string) string {
	switch status {
	case "Complete":
		return "badge-completed"
	case "Suspended":
		return "badge-suspended"
	case "Sleeping", "WaitingForEvent":
		return "badge-waiting"
	case "Failed":
		return "badge-failed"
	case "Terminated", "Cancelled":
		return "badge-terminated"
	}
	return "badge-running"
}

// stepStatusText is a step's status in words.
func stepStatusText(status string) string {
	switch status {
	case "WaitingForEvent":
		return "Waiting for an event"
	case "Sleeping":
		return "Waiting (sleeping)"
	}
	return status
}
