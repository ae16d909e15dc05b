package devstack_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/junction-run/junction/connectors/auth/authtest"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/internal/apitest"
	"github.com/junction-run/junction/internal/devstack"
)

// startConnectionsStack starts a stack whose connector calls go through
// transport (nil: straight out) and whose every log line lands in logs.
func startConnectionsStack(t *testing.T, transport http.RoundTripper) (*devstack.Stack, *syncBuffer) {
	t.Helper()
	logger, logs := bufferLogger()
	s := startTestStack(t, devstack.Config{Logger: logger, TemporalLogLevel: "debug", ConnectorTransport: transport})
	requireVault(t, s)
	return s, logs
}

// authorizeOAuth2 runs the authorization-code flow through the gateway
// as a browser would, keeping cookies: the start endpoint, the
// authorization link (which binds the flow to this browser), the
// provider's consent (the fake approves at once) and the callback. It
// returns every answer the gateway gave, and the code.
func authorizeOAuth2(t *testing.T, s *devstack.Stack, account, connectionID string) ([]apiResponse, string) {
	t.Helper()
	start := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/"+account+"/connections/"+connectionID+"/oauth2/authorize", nil, nil)
	if start.Status != http.StatusOK {
		t.Fatalf("start authorization: %d %s", start.Status, start.Body)
	}
	var started struct{ AuthorizationURL, RedirectURL string }
	start.decode(t, &started)
	if started.RedirectURL != s.GatewayURL+"/api/v1/oauth2/callback" {
		t.Errorf("redirect URL %q", started.RedirectURL)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	link := browse(t, browser, started.AuthorizationURL, true)
	if link.Status != http.StatusFound || !strings.HasPrefix(started.AuthorizationURL, s.GatewayURL+"/api/v1/oauth2/link?") {
		t.Fatalf("the authorization link %s: %d %s", started.AuthorizationURL, link.Status, link.Body)
	}
	consent := browse(t, browser, link.Header.Get("Location"), false)
	back, err := url.Parse(consent.Header.Get("Location"))
	if consent.Status != http.StatusFound || err != nil || back.Query().Get("code") == "" {
		t.Fatalf("the provider answered %d, Location %q", consent.Status, consent.Header.Get("Location"))
	}
	// Another browser (no cookie) cannot use the state and code: the flow
	// is bound to the one that opened the link, and the refusal spends
	// nothing.
	stranger := call(t, http.MethodGet, back.String(), nil, nil)
	if stranger.Status != http.StatusBadRequest || !strings.Contains(string(stranger.Body), "cookie.junction_oauth2") {
		t.Errorf("the callback from another browser: %d %s", stranger.Status, stranger.Body)
	}
	done := browse(t, browser, back.String(), true)
	if done.Status != http.StatusOK {
		t.Fatalf("callback: %d %s", done.Status, done.Body)
	}
	// The state works once.
	again := browse(t, browser, back.String(), true)
	if again.Status != http.StatusBadRequest {
		t.Errorf("the callback a second time: %d %s", again.Status, again.Body)
	}
	return []apiResponse{start, link, stranger, done, again}, back.Query().Get("code")
}

// browse GETs rawURL with browser; gateway answers are held to the OpenAPI
// document, a provider's are not.
func browse(t *testing.T, browser *http.Client, rawURL string, gateway bool) apiResponse {
	t.Helper()
	validatorOnce.Do(func() { validator = apitest.New(t) })
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if gateway {
		validator.Check(t, req, nil, resp.StatusCode, resp.Header, raw)
	}
	return apiResponse{resp.StatusCode, resp.Header, raw}
}

// expireToken rewrites the connection's stored token with an expiry in
// the past, as time would.
func expireToken(t *testing.T, s *devstack.Stack, account, connectionID string) {
	t.Helper()
	ctx := context.Background()
	path := credentials.TokenPath("", account, connectionID)
	e, err := s.Vault.ReadFresh(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{}
	for k, v := range e.Data {
		data[k] = v
	}
	data["expiry"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	if _, err := s.Vault.Write(ctx, path, data, e.Version); err != nil {
		t.Fatal(err)
	}
}

// TestOAuth2OneRefresherForConcurrentRuns: one OAuth2 connection whose
// provider rotates refresh tokens (and treats a reused one as theft), an
// expired access token, 20 runs at once that all need it. Every run
// succeeds, the provider sees exactly one refresh and no invalid_grant:
// the connection's refresher workflow serialized them.
func TestOAuth2OneRefresherForConcurrentRuns(t *testing.T) {
	var apiCalls sync.Map
	provider := &authtest.OAuth2Provider{
		ClientID: "junction-client", ClientSecret: "cs-rotating-7d1f0c9a",
		RotateRefreshTokens: true, TokenDelay: 100 * time.Millisecond,
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			apiCalls.Store(r.URL.Query().Get("run"), true)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"items":[1,2,3]}`))
		}),
	}
	srv := httptest.NewServer(provider)
	defer srv.Close()
	s, _ := startConnectionsStack(t, nil)
	base := s.GatewayURL + "/api/v1/accounts/acme"

	created := call(t, http.MethodPost, base+"/connections", []byte(`{"app":"http","name":"Rotating provider","authKind":"oauth2_authorization_code",
	  "fields":{"auth_url":"`+srv.URL+`/authorize","token_url":"`+srv.URL+`/token","client_id":"junction-client","client_secret":"cs-rotating-7d1f0c9a","scopes":"read"}}`), nil)
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	var conn struct{ ID string }
	created.decode(t, &conn)
	authorizeOAuth2(t, s, "acme", conn.ID)
	if st := provider.Stats(); st.AuthorizationCode != 1 {
		t.Fatalf("provider stats after the authorization: %+v", st)
	}
	expireToken(t, s, "acme", conn.ID)
	provider.RevokeAccessTokens() // and the provider agrees it is dead

	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Read the items","steps":[
	  {"id":"read","stepType":"http.call","connection":"`+conn.ID+`",
	   "inputs":{"method":"GET","url":"`+srv.URL+`/items","query":{"run":"{{data.run}}"}},
	   "outputs":{"status":"{{step.status}}"}}]}}`))

	const runs = 20
	ids := make([]string, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := trigger(t, s, "acme", `{"run":"`+strconv.Itoa(i)+`"}`, nil)
			ids[i] = res.Runs[0].TemporalWorkflowID
		}()
	}
	wg.Wait()
	for i, id := range ids {
		if data := waitRun(t, s, id); data["status"] != float64(200) {
			t.Errorf("run %d: %v", i, data)
		}
	}
	n := 0
	apiCalls.Range(func(any, any) bool { n++; return true })
	if n != runs {
		t.Errorf("the API saw %d runs, want %d", n, runs)
	}
	st := provider.Stats()
	if st.Refreshes != 1 || st.InvalidGrant != 0 || st.Reuses != 0 {
		t.Errorf("provider saw %d refreshes, %d invalid_grant, %d reused refresh tokens; want 1, 0, 0", st.Refreshes, st.InvalidGrant, st.Reuses)
	}
	// The refresher is the one workflow per connection that did it.
	desc, err := s.Client.DescribeWorkflowExecution(context.Background(), "oauth2-refresh/acme/"+conn.ID, "")
	if err != nil {
		t.Fatalf("the refresher workflow: %v", err)
	}
	if desc.WorkflowExecutionInfo.GetType().GetName() != "oauth2.refresher" {
		t.Errorf("refresher type %v", desc.WorkflowExecutionInfo.GetType())
	}
	if *recordHistories {
		// The refresher idles for an hour: record its open history once no
		// workflow task is pending, after the refresh and the updates.
		refresher := "oauth2-refresh/acme/" + conn.ID
		waitFor(t, "the refresher to idle", 30*time.Second, func() bool {
			events := historyEvents(t, s, refresher, "")
			last := events[len(events)-1].GetEventType()
			return last != enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED && last != enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED
		})
		recordHistory(t, s, "oauth2_refresher_open", refresher, "")
		authorizations := executionsOfType(t, s, "oauth2.authorize")
		if len(authorizations) != 1 {
			t.Fatalf("%d oauth2.authorize workflows, want 1", len(authorizations))
		}
		recordHistory(t, s, "oauth2_authorize", authorizations[0].GetExecution().GetWorkflowId(), authorizations[0].GetExecution().GetRunId())
	}
	e, err := s.Vault.ReadFresh(context.Background(), credentials.TokenPath("", "acme", conn.ID))
	if err != nil || e.Version != 3 { // the exchange, the test's expiry, the one refresh
		t.Errorf("token path at version %d (%v), want 3", e.Version, err)
	}
	if e.Data["refresh_token"] == "" || e.Data["access_token"] == "" {
		t.Error("the stored token lost a part")
	}
}
