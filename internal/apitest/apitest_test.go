package apitest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that records Errorf instead of failing, so that
// the tests can assert what the validator reports.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, strings.TrimSpace(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")))
}

func (r *recorder) reported() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errors)
}

const (
	acct    = "/api/v1/accounts/acme"
	defID   = "5870442f-3ddd-4657-b74c-6e17308f5230"
	errBody = `{"code":1300,"message":"Definition 5870442f-3ddd-4657-b74c-6e17308f5230 not found.","errorId":"2558ff83-c8db-4890-805e-ad64001857a1","timestamp":"2021-07-13T01:28:37.66Z"}`
	runBody = `{"workflowId":"order-1","data":{"accountId":"acme","triggeredAt":"2026-01-02T15:04:05.00Z"},
		"definitionId":"` + defID + `","version":1,"status":"Complete","startedAt":"2026-01-02T15:04:05.00Z",
		"completedAt":"2026-01-02T15:04:06.00Z","temporalWorkflowId":"acme/` + defID + `/order-1","runId":"r1","temporalStatus":"Completed"}`
)

// exchange is one canned answer of the in-memory handler.
type exchange struct {
	status int
	header map[string]string
	body   string
}

func jsonAnswer(status int, body string) exchange {
	return exchange{status: status, header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, body: body}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		answer exchange
		want   []string // substrings of the one failure; none means the exchange conforms
	}{
		{
			name: "conforming list", method: "GET", path: acct + "/steps/timezones",
			answer: jsonAnswer(200, `[{"id":"W. Europe Standard Time","name":"Amsterdam, Berlin (UTC+01:00)"}]`),
		},
		{
			name: "conforming error", method: "GET", path: acct + "/definitions/" + defID + "/workflows",
			answer: jsonAnswer(404, errBody),
		},
		{
			name: "conforming run", method: "GET", path: acct + "/definitions/" + defID + "/workflows/order-1",
			answer: jsonAnswer(200, runBody),
		},
		{
			name: "open run without completedAt", method: "GET", path: acct + "/definitions/" + defID + "/workflows/order-1",
			answer: jsonAnswer(200, strings.Replace(runBody, `"completedAt":"2026-01-02T15:04:06.00Z",`, ``, 1)),
		},
		{
			name: "no content", method: "DELETE", path: acct + "/definitions/" + defID,
			answer: exchange{status: 202},
		},
		{
			name: "created with Location", method: "POST", path: acct + "/definitions/" + defID + "/workflows",
			answer: exchange{
				status: 201,
				header: map[string]string{"Content-Type": "application/json", "Location": acct + "/definitions/" + defID + "/workflows/e1"},
				body:   `{"definitionId":"` + defID + `","version":1,"workflowId":"e1","temporalWorkflowId":"acme/x/e1","runId":"r"}`,
			},
		},
		{
			name: "missing required field", method: "GET", path: acct + "/steps/timezones",
			answer: jsonAnswer(200, `[{"id":"W. Europe Standard Time"}]`),
			want:   []string{"GET /api/v1/accounts/acme/steps/timezones -> 200", `property "name" is missing`},
		},
		{
			name: "wrong type", method: "GET", path: acct + "/usage",
			answer: jsonAnswer(200, `{"accountId":"acme","executedWorkflowCount":"12","countStartedMonth":7,"countStartedYear":2026}`),
			want:   []string{"GET /api/v1/accounts/acme/usage -> 200", "executedWorkflowCount", "integer"},
		},
		{
			name: "empty string for a null timestamp", method: "GET", path: acct + "/definitions/" + defID + "/workflows/order-1",
			answer: jsonAnswer(200, strings.Replace(runBody, `"2026-01-02T15:04:06.00Z"`, `""`, 1)),
			want:   []string{"completedAt", "date-time"},
		},
		{
			// 8x8's schema types completedAt a string: an open run leaves it out.
			name: "null completedAt", method: "GET", path: acct + "/definitions/" + defID + "/workflows/order-1",
			answer: jsonAnswer(200, strings.Replace(runBody, `"2026-01-02T15:04:06.00Z"`, `null`, 1)),
			want:   []string{"completedAt", "not nullable"},
		},
		{
			name: "error body without errorId", method: "GET", path: acct + "/definitions",
			answer: jsonAnswer(400, `{"code":1010,"message":"limit must be an integer from 1 to 500.","timestamp":"2021-07-13T01:28:37.66Z"}`),
			want:   []string{"-> 400", `property "errorId" is missing`},
		},
		{
			name: "undocumented status", method: "GET", path: acct + "/steps/timezones",
			answer: jsonAnswer(418, errBody),
			want:   []string{"GET /api/v1/accounts/acme/steps/timezones -> 418", "status is not supported"},
		},
		{
			name: "route not in the document", method: "GET", path: acct + "/nothing-here",
			answer: jsonAnswer(404, errBody),
			want:   []string{"GET /api/v1/accounts/acme/nothing-here -> 404", "no such operation"},
		},
		{
			name: "method not in the document", method: "PATCH", path: acct + "/definitions",
			answer: jsonAnswer(405, errBody),
			want:   []string{"PATCH /api/v1/accounts/acme/definitions -> 405", "no such operation"},
		},
		{
			name: "created without Location", method: "POST", path: acct + "/definitions/" + defID + "/workflows",
			answer: jsonAnswer(201, `{"definitionId":"`+defID+`","version":1,"workflowId":"e1","temporalWorkflowId":"acme/x/e1","runId":"r"}`),
			want:   []string{`response header "Location" missing`},
		},
		{
			name: "429 without Retry-After", method: "GET", path: acct + "/definitions",
			answer: jsonAnswer(429, errBody),
			want:   []string{`response header "Retry-After" missing`},
		},
		{
			name: "body where the document has none", method: "DELETE", path: acct + "/definitions/" + defID,
			answer: jsonAnswer(202, `{}`),
			want:   []string{"-> 202", "no content", "2-byte body"},
		},
		{
			name: "not JSON", method: "GET", path: acct + "/steps/functions",
			answer: exchange{status: 200, header: map[string]string{"Content-Type": "text/plain"}, body: "hello"},
			want:   []string{"-> 200", "text/plain"},
		},
	}
	v := New(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			req := httptest.NewRequest(tt.method, tt.path, nil)
			header := http.Header{}
			for k, val := range tt.answer.header {
				header.Set(k, val)
			}
			v.Check(rec, req, nil, tt.answer.status, header, []byte(tt.answer.body))
			assertReported(t, rec.reported(), tt.want)
		})
	}
}

func assertReported(t *testing.T, got []string, want []string) {
	t.Helper()
	if len(want) == 0 {
		if len(got) > 0 {
			t.Errorf("a conforming exchange was reported:\n%s", strings.Join(got, "\n"))
		}
		return
	}
	if len(got) != 1 {
		t.Fatalf("got %d reports, want 1: %q", len(got), got)
	}
	for _, w := range want {
		if !strings.Contains(got[0], w) {
			t.Errorf("report %q does not mention %q", got[0], w)
		}
	}
}

// TestTransport runs real HTTP exchanges through the checking transport
// against an in-memory handler, and checks that bodies reach the caller
// unchanged and that Seen and Unseen follow.
func TestTransport(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/accounts/{accountId}/usage", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"accountId":"`+r.PathValue("accountId")+`","executedWorkflowCount":3,"countStartedMonth":7,"countStartedYear":2026}`)
	})
	mux.HandleFunc("POST /api/v1/accounts/{accountId}/triggers/http_request", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != `{"order":1}` {
			t.Errorf("handler got body %q", b)
		}
		w.Header().Set("Content-Type", "application/json")
		// runs is required: this answer does not conform.
		io.WriteString(w, `{"eventId":"e1"}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	v := New(t)
	rec := &recorder{TB: t}
	client := &http.Client{Transport: v.Transport(rec, nil)}

	resp, err := client.Get(srv.URL + acct + "/usage")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"executedWorkflowCount":3`) {
		t.Errorf("caller read %q", b)
	}
	if got := rec.reported(); len(got) > 0 {
		t.Errorf("conforming usage reported: %q", got)
	}

	resp, err = client.Post(srv.URL+acct+"/triggers/http_request", "application/json", strings.NewReader(`{"order":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	assertReported(t, rec.reported(), []string{"POST /api/v1/accounts/acme/triggers/http_request -> 200", `property "runs" is missing`, `request body: {"order":1}`})

	wantSeen := []string{
		"GET /api/v1/accounts/{accountId}/usage",
		"POST /api/v1/accounts/{accountId}/triggers/http_request",
	}
	if got := v.Seen(); !slices.Equal(got, wantSeen) {
		t.Errorf("Seen() = %q, want %q", got, wantSeen)
	}
	unseen := v.Unseen()
	if len(unseen) != len(v.Operations())-2 || slices.Contains(unseen, wantSeen[0]) || !slices.Contains(unseen, "GET /healthz") {
		t.Errorf("Unseen() = %q", unseen)
	}
}
