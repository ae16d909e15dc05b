package gateway_test

// The harness every handler test uses: the real gateway over a real SQLite
// store and a mocked Temporal client (go.temporal.io/sdk/mocks), no Vault,
// every answer checked against Junction's OpenAPI document by apitest.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/internal/apitest"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/vaultx"
)

const (
	acme  = "acme"
	other = "globex"
	// base is where acme's API lives.
	base = "/api/v1/accounts/" + acme
)

// testNow is the gateway's clock: error timestamps and usage months.
var testNow = time.Date(2026, 7, 13, 1, 28, 37, 660_000_000, time.UTC)

// env is one gateway under test.
type env struct {
	t        *testing.T
	store    *store.Store
	dbPath   string
	temporal *mocks.Client
	gateway  *gateway.Gateway
	client   *http.Client
	logs     *observer.ObservedLogs

	// Keys of acme by scope, of the other account, and a revoked one.
	admin, reader, runner, foreign, revoked string
	// oauth2Connection is acme's OAuth2 connection (newOAuth2Env).
	oauth2Connection string
}

// newEnv builds a gateway; options change its configuration (a Vault, say).
func newEnv(t *testing.T, options ...func(*gateway.Config)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, dbPath: filepath.Join(t.TempDir(), "junction.db"), temporal: mocks.NewClient(t)}
	st, err := store.Open(ctx, "sqlite:"+e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	for _, id := range []string{acme, other} {
		if _, err := st.CreateAccount(ctx, store.Account{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	key := func(account string, scope string) string {
		_, k, err := st.CreateAPIKey(ctx, account, scope+" key", []string{scope})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	e.admin, e.reader, e.runner = key(acme, store.ScopeAdmin), key(acme, store.ScopeRead), key(acme, store.ScopeRuns)
	e.foreign, e.revoked = key(other, store.ScopeAdmin), key(acme, store.ScopeAdmin)
	revoked, err := st.AuthenticateAPIKey(ctx, e.revoked)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeAPIKey(ctx, acme, revoked.ID); err != nil {
		t.Fatal(err)
	}

	core, logs := observer.New(zapcore.InfoLevel)
	log := zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel), zaptest.WrapOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewTee(c, core)
	})))
	e.logs = logs
	cfg := gateway.Config{
		Store: st, Temporal: e.temporal, Namespace: "default", Logger: log,
		Now:    func() time.Time { return testNow },
		Limits: gateway.Limits{APIKey: gateway.RateLimit{PerSecond: 1000, Burst: 1000}},
	}
	for _, o := range options {
		o(&cfg)
	}
	e.gateway = gateway.New(cfg)
	e.client = &http.Client{Transport: validator(t).Transport(t, handlerTransport{e.gateway.Handler()})}
	return e
}

// validator is one apitest.Validator per test binary: loading the document
// is the slow part.
var validator = func() func(t *testing.T) *apitest.Validator {
	var mu sync.Mutex
	var v *apitest.Validator
	return func(t *testing.T) *apitest.Validator {
		mu.Lock()
		defer mu.Unlock()
		if v == nil {
			v = apitest.New(t)
		}
		return v
	}
}()

// handlerTransport serves requests with the handler in-process: no socket.
// A request's peer address is what callFrom put in its context.
type handlerTransport struct{ h http.Handler }

// peerKey holds a request's peer address ("192.0.2.1:4711") in its context.
type peerKey struct{}

func (ht handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if peer, ok := r.Context().Value(peerKey{}).(string); ok {
		r.RemoteAddr = peer
	}
	rec := httptest.NewRecorder()
	ht.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// response is one answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request with key as the bearer key ("" for none); body is
// sent as it is when it is a string or []byte, as JSON otherwise; headers
// are name, value pairs.
func (e *env) call(method, path, key string, body any, headers ...string) response {
	e.t.Helper()
	return e.callFrom("192.0.2.1:4711", method, path, key, body, headers...)
}

// callFrom is call from the peer address peer ("192.0.2.1:4711").
func (e *env) callFrom(peer, method, path, key string, body any, headers ...string) response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(context.WithValue(context.Background(), peerKey{}, peer), method, "http://gateway.test"+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return readResponse(e.t, resp)
}

func readResponse(t *testing.T, resp *http.Response) response {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// apiError is the error body as a client reads it.
type apiError struct {
	Code      int    `json:"code"`
	Message   string `json:"message"`
	ErrorID   string `json:"errorId"`
	Timestamp string `json:"timestamp"`
	Errors    []struct {
		Path    string `json:"path"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %d %s: %v", r.status, r.body, err)
	}
}

// apiError decodes an error answer and checks what every one has: an
// errorId (a UUID) and the gateway's clock as the timestamp.
func (r response) apiError(t *testing.T) apiError {
	t.Helper()
	var e apiError
	r.decode(t, &e)
	if _, err := uuid.Parse(e.ErrorID); err != nil {
		t.Errorf("errorId %q is not a UUID", e.ErrorID)
	}
	if e.Timestamp != "2026-07-13T01:28:37.66Z" {
		t.Errorf("timestamp = %q, want the gateway's clock", e.Timestamp)
	}
	return e
}

// paths lists the errors[].path of an error answer.
func (e apiError) paths() []string {
	var out []string
	for _, f := range e.Errors {
		out = append(out, f.Path)
	}
	return out
}

// testdata reads a file of testdata/.
func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// createDefinition saves testdata/<name> for acme through the API and
// returns its id.
func (e *env) createDefinition(name string) string {
	e.t.Helper()
	resp := e.call(http.MethodPost, base+"/definitions", e.admin, testdata(e.t, name))
	if resp.status != http.StatusCreated {
		e.t.Fatalf("creating %s: %d %s", name, resp.status, resp.body)
	}
	var doc struct{ ID string }
	resp.decode(e.t, &doc)
	return doc.ID
}

// breakTable renames a table of the store's database behind its back, so
// that every query of it fails with an error only the logs may show.
func (e *env) breakTable(table string) {
	e.t.Helper()
	db, err := sql.Open("sqlite", e.dbPath)
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("ALTER TABLE " + table + " RENAME TO " + table + "_gone"); err != nil {
		e.t.Fatal(err)
	}
}

// payload is a Temporal payload of v, as search attributes and memos hold.
func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// expectList makes the next ListWorkflow answer execs, and returns where
// the query it was sent will be.
func (e *env) expectList(execs ...*workflowpb.WorkflowExecutionInfo) *string {
	var query string
	e.temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(
		func(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
			query = req.GetQuery()
			return &workflowservice.ListWorkflowExecutionsResponse{Executions: execs}, nil
		}).Once()
	return &query
}

// expectConversation expects the next message to go to its conversation
// with Update-with-Start, and answers with a receipt of no runs; it
// returns where the start options and the update will be.
func (e *env) expectConversation() (*client.StartWorkflowOptions, *client.UpdateWorkflowOptions) {
	var opts client.StartWorkflowOptions
	var update client.UpdateWorkflowOptions
	e.temporal.On("NewWithStartWorkflowOperation", mock.Anything, runs.ConversationWorkflow, mock.Anything).Return(
		func(o client.StartWorkflowOptions, _ any, _ ...any) client.WithStartWorkflowOperation {
			opts = o
			return nil
		}).Once()
	handle := mocks.NewWorkflowUpdateHandle(e.t)
	e.temporal.On("UpdateWithStartWorkflow", mock.Anything, mock.Anything).Return(
		func(_ context.Context, o client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error) {
			update = o.UpdateOptions
			return handle, nil
		}).Once()
	handle.On("Get", mock.Anything, mock.Anything).Return(func(_ context.Context, out any) error {
		m := update.Args[0].(runs.InboundMessage)
		*out.(*runs.MessageReceipt) = runs.MessageReceipt{ConversationID: "conv_1", UserID: "usr_1", MessageID: "cmsg_1",
			Dispatch: json.RawMessage(`{"eventId":"` + m.EventID + `","runs":[]}`)}
		return nil
	}).Once()
	return &opts, &update
}

// expectScheduleDeleted expects the poll schedule of acme's definition
// defID to be deleted (it need not exist).
func (e *env) expectScheduleDeleted(defID string) {
	sc, handle := mocks.NewScheduleClient(e.t), mocks.NewScheduleHandle(e.t)
	e.temporal.On("ScheduleClient").Return(sc).Once()
	sc.On("GetHandle", mock.Anything, runs.PollScheduleID(acme, defID)).Return(handle).Once()
	handle.On("Delete", mock.Anything).Return(nil).Once()
}

// loggedErrorIDs are the errorIds of the failures the gateway logged.
func (e *env) loggedErrorIDs() []string {
	var out []string
	for _, entry := range e.logs.FilterMessage("request failed").All() {
		out = append(out, entry.ContextMap()["errorId"].(string))
	}
	return out
}

// withVault gives the gateway v as its Vault.
func withVault(v *memVault) func(*gateway.Config) {
	return func(cfg *gateway.Config) { cfg.Secrets = v }
}

// memVault is Vault's KV v2 in memory, as much of it as package
// credentials uses: versions and check-and-set. With fail set, every call
// fails with it.
type memVault struct {
	mu      sync.Mutex
	entries map[string]map[string]any
	version map[string]int
	fail    error
}

func newMemVault() *memVault {
	return &memVault{entries: map[string]map[string]any{}, version: map[string]int{}}
}

func (v *memVault) Read(_ context.Context, path string) (vaultx.Entry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return vaultx.Entry{}, v.fail
	}
	data, ok := v.entries[path]
	if !ok {
		return vaultx.Entry{}, vaultx.ErrNotFound
	}
	out := vaultx.Entry{Data: map[string]vaultx.Secret{}, Version: v.version[path]}
	for k, val := range data {
		out.Data[k] = vaultx.Secret(fmt.Sprint(val))
	}
	return out, nil
}

func (v *memVault) Write(_ context.Context, path string, data map[string]any, cas int) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return 0, v.fail
	}
	if cas != v.version[path] {
		return 0, vaultx.ErrCASConflict
	}
	v.entries[path] = maps.Clone(data)
	v.version[path]++
	return v.version[path], nil
}

func (v *memVault) Patch(_ context.Context, path string, data map[string]any, cas int) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return 0, v.fail
	}
	if _, ok := v.entries[path]; !ok {
		return 0, vaultx.ErrNotFound
	}
	if cas != v.version[path] {
		return 0, vaultx.ErrCASConflict
	}
	for k, val := range data {
		if val == nil {
			delete(v.entries[path], k)
		} else {
			v.entries[path][k] = val
		}
	}
	v.version[path]++
	return v.version[path], nil
}

func (v *memVault) CurrentVersion(_ context.Context, path string) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return 0, v.fail
	}
	if _, ok := v.entries[path]; !ok {
		return 0, vaultx.ErrNotFound
	}
	return v.version[path], nil
}

func (v *memVault) Delete(_ context.Context, path string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return v.fail
	}
	if _, ok := v.entries[path]; !ok {
		return vaultx.ErrNotFound
	}
	delete(v.entries, path)
	return nil
}

// keys lists what is stored at path, sorted.
func (v *memVault) keys(path string) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Sorted(maps.Keys(v.entries[path]))
}

func (v *memVault) ReadFresh(ctx context.Context, path string) (vaultx.Entry, error) {
	return v.Read(ctx, path)
}
