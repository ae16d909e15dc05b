package devstack_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/junction-run/junction/connectors/auth/authtest"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/shopify/shopifytest"
	"github.com/junction-run/junction/connectors/slack/slacktest"
	"github.com/junction-run/junction/connectors/twilio/twiliotest"
	"github.com/junction-run/junction/internal/devstack"
)

// hostRouter sends each third party's host to its fake and everything
// else (the authtest servers on 127.0.0.1) straight out.
type hostRouter map[string]*url.URL

func (r hostRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	for suffix, fake := range r {
		if strings.HasSuffix(req.URL.Hostname(), suffix) {
			return connectortest.Redirect(fake, http.DefaultTransport).RoundTrip(req)
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

func mustURL(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// issued records every token a login or token endpoint hands out, so the
// test knows the secrets it never chose.
type issued struct {
	mu     sync.Mutex
	tokens []string
}

var tokenField = regexp.MustCompile(`"(?:access_token|refresh_token|token)"\s*:\s*"([^"]+)"`)

func (i *issued) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for _, m := range tokenField.FindAllStringSubmatch(rec.Body.String(), -1) {
			i.mu.Lock()
			i.tokens = append(i.tokens, m[1])
			i.mu.Unlock()
		}
		if c := rec.Result().Cookies(); len(c) > 0 {
			i.mu.Lock()
			for _, ck := range c {
				i.tokens = append(i.tokens, ck.Value)
			}
			i.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = io.Copy(w, rec.Body)
	})
}

func (i *issued) all() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.tokens...)
}

// leaks returns, for each value found in text (as it is or base64-encoded,
// as HTTP Basic would carry it), a description.
func leaks(text string, values map[string]string) []string {
	var found []string
	for what, v := range values {
		for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v))} {
			if strings.Contains(text, form) {
				found = append(found, what)
				break
			}
		}
	}
	return found
}

// apiAnswers keeps every API answer a hygiene test sees, so the test can
// search them for secrets.
type apiAnswers struct{ bytes.Buffer }

func (a *apiAnswers) keep(r apiResponse) apiResponse {
	a.Write(r.Body)
	a.WriteString("\n")
	return r
}

// createConnection creates a connection of the account at base through the
// API and returns its id.
func (a *apiAnswers) createConnection(t *testing.T, base, body string) string {
	t.Helper()
	r := a.keep(call(t, http.MethodPost, base+"/connections", []byte(body), nil))
	if r.Status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", body, r.Status, r.Body)
	}
	var c struct{ ID string }
	r.decode(t, &c)
	return c.ID
}

// TestSecretHygieneEveryAuthKind runs a definition whose steps use a
// connection of every auth kind (none, basic, bearer, api_key, digest,
// session, OAuth2 client credentials, OAuth2 authorization code with a
// refresh, and the Slack, Shopify and Twilio connectors against their
// fakes), updates and tests connections, and then searches every workflow
// history in the namespace (refresher, test and authorization workflows
// included), every log line of the stack and every API answer the test
// saw, and the console's pages of the connections and the run, for every
// secret value: passwords, tokens, refresh tokens, client
// secrets, API keys, session tokens and the authorization code. Planted
// canaries prove the search reads each source.
func TestSecretHygieneEveryAuthKind(t *testing.T) {
	const (
		pwBasic    = "pw-basic-Qm81vT0x"
		tokBearer  = "tok-bearer-Zc4m1Lr9"
		tokWrong   = "tok-wrong-Hn27sPq0"
		keyAPI     = "key-api-Xw92kLm3"
		pwDigest   = "pw-digest-Vb51nQa8"
		pwSession  = "pw-session-Jt63rUe2"
		csClient   = "cs-client-credentials-Pd48wYz1"
		csCode     = "cs-code-Mr75cXk4"
		canaryHist = "canary-history-5b1e9a"
		canaryLog  = "canary-log-77aa31"
		canaryAns  = "canary-answer-c0de42"
	)
	var tokens issued
	serve := func(h http.Handler) *httptest.Server {
		srv := httptest.NewServer(tokens.wrap(h))
		t.Cleanup(srv.Close)
		return srv
	}
	basic := serve(authtest.RequireBasic("ann", pwBasic, nil))
	bearer := serve(authtest.RequireBearer(tokBearer, nil))
	apiKey := serve(authtest.RequireAPIKey("header", "X-API-Key", keyAPI, nil))
	digest := serve(&authtest.DigestServer{Username: "dee", Password: pwDigest})
	session := serve(&authtest.SessionServer{Username: "sam", Password: pwSession})
	ccProvider := &authtest.OAuth2Provider{ClientID: "cc-client", ClientSecret: csClient}
	cc := serve(ccProvider)
	codeProvider := &authtest.OAuth2Provider{ClientID: "code-client", ClientSecret: csCode, RotateRefreshTokens: true}
	code := serve(codeProvider)
	open := serve(authtest.OK)
	slackFake, shopifyFake, twilioFake := slacktest.New(t), shopifytest.New(t), twiliotest.New(t)

	s, logs := startConnectionsStack(t, hostRouter{
		"slack.com":      mustURL(t, slackFake.BaseURL()),
		".myshopify.com": mustURL(t, shopifyFake.BaseURL()),
		twiliotest.Host:  mustURL(t, twilioFake.BaseURL()),
	})
	base := s.GatewayURL + "/api/v1/accounts/acme"
	var answers apiAnswers
	keep := answers.keep
	create := func(body string) string { t.Helper(); return answers.createConnection(t, base, body) }
	ids := map[string]string{
		"none":   create(`{"app":"http","name":"` + canaryAns + `","authKind":"none"}`),
		"basic":  create(`{"app":"http","authKind":"basic","fields":{"username":"ann","password":"` + pwBasic + `"},"properties":{"check_url":"` + basic.URL + `/me"}}`),
		"bearer": create(`{"app":"http","authKind":"bearer","fields":{"token":"` + tokWrong + `"},"properties":{"check_url":"` + bearer.URL + `/me"}}`),
		"apikey": create(`{"app":"http","authKind":"api_key","fields":{"key":"` + keyAPI + `","in":"header","name":"X-API-Key"}}`),
		"digest": create(`{"app":"http","authKind":"digest","fields":{"username":"dee","password":"` + pwDigest + `"}}`),
		"session": create(`{"app":"http","authKind":"session","fields":{"username":"sam","password":"` + pwSession + `",
		  "login_url":"` + session.URL + `/login","token_pointer":"/data/token"}}`),
		"cc": create(`{"app":"http","authKind":"oauth2_client_credentials","fields":{"token_url":"` + cc.URL + `/token",
		  "client_id":"cc-client","client_secret":"` + csClient + `"}}`),
		"code": create(`{"app":"http","authKind":"oauth2_authorization_code","fields":{"auth_url":"` + code.URL + `/authorize",
		  "token_url":"` + code.URL + `/token","client_id":"code-client","client_secret":"` + csCode + `"}}`),
		"slack":   create(`{"app":"slack","authKind":"bearer","fields":{"token":"` + slacktest.Token + `"}}`),
		"shopify": create(`{"app":"shopify","authKind":"api_key","fields":{"key":"` + shopifytest.Token + `"},"properties":{"shop":"northwind.myshopify.com"}}`),
		"twilio":  create(`{"app":"twilio","authKind":"basic","fields":{"username":"` + twiliotest.AccountSid + `","password":"` + twiliotest.AuthToken + `"}}`),
	}
	oauthAnswers, authCode := authorizeOAuth2(t, s, "acme", ids["code"])
	for _, r := range oauthAnswers {
		keep(r)
	}

	// Connection tests: a wrong token is reported in the API's words; PUT
	// fixes it (the omitted name stays, the secret is patched in Vault);
	// the test then passes.
	test := func(name string) (ok bool, msg string) {
		t.Helper()
		r := keep(call(t, http.MethodPost, base+"/connections/"+ids[name]+"/test", nil, nil))
		if r.Status != http.StatusOK {
			t.Fatalf("test %s: %d %s", name, r.Status, r.Body)
		}
		var res struct {
			OK    bool
			Error string
		}
		r.decode(t, &res)
		return res.OK, res.Error
	}
	if ok, msg := test("bearer"); ok || !strings.Contains(msg, "401") {
		t.Errorf("testing the wrong bearer token: ok %v, %q; want a 401 in words", ok, msg)
	}
	r := keep(call(t, http.MethodPut, base+"/connections/"+ids["bearer"], []byte(`{"fields":{"token":"`+tokBearer+`"},"version":1}`), nil))
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"version":2`) {
		t.Fatalf("PUT the right token: %d %s", r.Status, r.Body)
	}
	if r := keep(call(t, http.MethodPut, base+"/connections/"+ids["bearer"], []byte(`{"name":"late","version":1}`), nil)); r.Status != http.StatusConflict {
		t.Errorf("PUT with a stale version: %d %s", r.Status, r.Body)
	}
	if r := keep(call(t, http.MethodPut, base+"/connections/"+ids["basic"], []byte(`{"fields":{"username":"ann","password":""}}`), nil)); r.Status != http.StatusBadRequest ||
		!strings.Contains(string(r.Body), "fields.password") {
		t.Errorf("PUT clearing a required secret: %d %s", r.Status, r.Body)
	}
	if r := keep(call(t, http.MethodPut, base+"/connections/"+ids["basic"], []byte(`{"name":"Basic API","fields":{"username":"ann","password":{"set":true}}}`), nil)); r.Status != http.StatusOK {
		t.Errorf("PUT keeping the secret as GET shows it: %d %s", r.Status, r.Body)
	}
	if r := keep(call(t, http.MethodPut, base+"/connections/"+ids["basic"], []byte(`{"authKind":"bearer"}`), nil)); r.Status != http.StatusBadRequest {
		t.Errorf("PUT changing the auth kind: %d %s", r.Status, r.Body)
	}
	for _, name := range []string{"bearer", "basic", "slack", "shopify", "twilio"} {
		if ok, msg := test(name); !ok {
			t.Errorf("testing %s: %s", name, msg)
		}
	}
	if ok, msg := test("apikey"); ok || !strings.Contains(msg, "check_url") {
		t.Errorf("testing a connection without a check_url: %v %q", ok, msg)
	}
	list := keep(call(t, http.MethodGet, base+"/connections?app=slack", nil, nil))
	if list.Status != http.StatusOK || strings.Count(string(list.Body), `"app":"slack"`) != 1 || strings.Contains(string(list.Body), `"app":"http"`) {
		t.Errorf("list by app: %d %s", list.Status, list.Body)
	}

	// One run through every kind; the authorization-code step meets a
	// revoked token and goes through the refresher.
	codeProvider.RevokeAccessTokens()
	step := func(id, next, conn, stepType, inputs string) string {
		n := ""
		if next != "" {
			n = `,"nextStepId":"` + next + `"`
		}
		return `{"id":"` + id + `","stepType":"` + stepType + `","connection":"` + conn + `","inputs":` + inputs + n + `}`
	}
	get := func(u string) string {
		return `{"method":"GET","url":"` + u + `/data","query":{"c":"{{data.canary}}"}}`
	}
	steps := []string{
		step("none", "basic", ids["none"], "http.call", get(open.URL)),
		step("basic", "bearer", ids["basic"], "http.call", get(basic.URL)),
		step("bearer", "apikey", ids["bearer"], "http.call", get(bearer.URL)),
		step("apikey", "digest", ids["apikey"], "http.call", get(apiKey.URL)),
		step("digest", "session", ids["digest"], "http.call", get(digest.URL)),
		step("session", "cc", ids["session"], "http.call", get(session.URL)),
		step("cc", "code", ids["cc"], "http.call", get(cc.URL)),
		step("code", "slack", ids["code"], "http.call", get(code.URL)),
		step("slack", "shopify", ids["slack"], "slack.post_message", `{"channel":"#general","text":"Order {{data.canary}} shipped"}`),
		step("shopify", "twilio", ids["shopify"], "shopify.update_order", `{"id":`+strconv.Itoa(shopifytest.OrderID)+`,"add_tags":["Shipped"]}`),
		step("twilio", "remember", ids["twilio"], "twilio.send_sms", `{"to":"+14155552671","from":"+15017122661","body":"Shipped"}`),
		// What the calls answered, kept in the account's state: states
		// outlive runs, so they must hold no secret either.
		`{"id":"remember","stepType":"SetState","inputs":{"scope":"account","values":{"basic":"{{steps.basic}}","session":"{{steps.session}}",` +
			`"code":"{{steps.code}}","slack":"{{steps.slack}}","twilio":"{{steps.twilio}}","canary":"{{data.canary}}"}}}`,
	}
	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Every auth kind","steps":[`+strings.Join(steps, ",")+`]}}`))
	res := trigger(t, s, "acme", `{"canary":"`+canaryHist+`"}`, nil)
	waitRun(t, s, res.Runs[0].TemporalWorkflowID)
	recordHistory(t, s, "connector_steps_every_auth_kind", res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
	if *recordHistories {
		// The Shopify connection's test, which passed.
		tests := executionsOfType(t, s, "connection.test")
		i := slices.IndexFunc(tests, func(ex *workflowpb.WorkflowExecutionInfo) bool {
			return strings.HasPrefix(ex.GetExecution().GetWorkflowId(), "connection-test/acme/"+ids["shopify"]+"/")
		})
		if i < 0 {
			t.Fatal("no connection.test workflow of the Shopify connection")
		}
		recordHistory(t, s, "connection_test", tests[i].GetExecution().GetWorkflowId(), tests[i].GetExecution().GetRunId())
	}
	keep(call(t, http.MethodGet, base+"/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID+"?includeLogs=true", nil, nil))
	if st := codeProvider.Stats(); st.Refreshes != 1 || st.InvalidGrant != 0 {
		t.Errorf("the authorization-code provider saw %+v; want one refresh", st)
	}
	if state := keep(call(t, http.MethodGet, base+"/state", nil, nil)); !strings.Contains(string(state.Body), `"twilio"`) {
		t.Errorf("the account's state: %s", state.Body)
	}
	// A request the access log records, with the log canary in its path.
	call(t, http.MethodGet, s.GatewayURL+"/api/v1/"+canaryLog, nil, map[string]string{uncheckedHeader: "1"})

	histories, types := allHistories(t, s)
	for _, want := range []string{"RunDefinition", "oauth2.refresher", "oauth2.authorize", "connection.test"} {
		if !types[want] {
			t.Errorf("no %s workflow among the histories read (%v)", want, types)
		}
	}
	// What a person reads in the console: every connection's page and
	// edit form, the connections list, the definition, the run, the apps.
	pages := []string{"/console/connections", "/console/definitions", "/console/runs", "/console/apps",
		"/console/definitions/" + res.Runs[0].DefinitionID,
		"/console/definitions/" + res.Runs[0].DefinitionID + "/runs/" + res.Runs[0].WorkflowID}
	for _, id := range ids {
		pages = append(pages, "/console/connections/"+id, "/console/connections/"+id+"/edit")
	}
	sources := map[string]string{"histories": histories, "logs": logs.String(), "API answers": answers.String(),
		"metadata store": metadataStore(t, s), "console pages": consolePages(t, s, "acme", pages...)}

	// The search can fail: each canary is where it was planted (the run's
	// canary is in its history and, through SetState, in the store; the
	// answers' canary names a connection, which the console lists).
	for what, canary := range map[string]string{"histories": canaryHist, "logs": canaryLog, "API answers": canaryAns, "metadata store": canaryHist,
		"console pages": canaryAns} {
		if got := leaks(sources[what], map[string]string{"canary": canary}); len(got) != 1 {
			t.Fatalf("the planted %s is not found in the %s: the search proves nothing", canary, what)
		}
	}
	secrets := map[string]string{
		"basic password": pwBasic, "bearer token": tokBearer, "wrong bearer token": tokWrong, "API key": keyAPI,
		"digest password": pwDigest, "session password": pwSession, "client credentials secret": csClient,
		"authorization code client secret": csCode, "authorization code": authCode, "Slack token": slacktest.Token,
		"Shopify token": shopifytest.Token, "Twilio auth token": twiliotest.AuthToken,
	}
	got := tokens.all()
	if len(got) < 6 { // session, client credentials, code exchange (access + refresh), refresh (access + refresh)
		t.Fatalf("only %d issued tokens recorded", len(got))
	}
	for i, tok := range got {
		secrets[fmt.Sprintf("issued token %d", i)] = tok
	}
	for what, text := range sources {
		searched := secrets
		if what == "metadata store" {
			// The store holds an authorization code by design, from the
			// callback that claims it to the activity that exchanges it
			// (and deletes the row, whose bytes SQLite leaves in free
			// pages): single-use, and spent by then.
			searched = maps.Clone(secrets)
			delete(searched, "authorization code")
		}
		if found := leaks(text, searched); len(found) > 0 {
			t.Errorf("the %s contain: %v", what, found)
		}
	}
}

// allHistories reads the history of every workflow in the namespace, in
// its wire form (payloads as raw bytes), and the workflow types it saw.
func allHistories(t *testing.T, s *devstack.Stack) (string, map[string]bool) {
	t.Helper()
	ctx := context.Background()
	var out bytes.Buffer
	types := map[string]bool{}
	var token []byte
	for {
		page, err := s.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 200, NextPageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range page.Executions {
			types[ex.GetType().GetName()] = true
			out.WriteString(wireHistory(t, s, ex.GetExecution().GetWorkflowId(), ex.GetExecution().GetRunId()))
		}
		if token = page.NextPageToken; len(token) == 0 {
			return out.String(), types
		}
	}
}

// metadataStore is the metadata store's SQLite files as they are on disk
// (the database and its write-ahead log): states, message logs,
// deliveries, everything Junction keeps outside Vault and Temporal.
func metadataStore(t *testing.T, s *devstack.Stack) string {
	t.Helper()
	path, ok := strings.CutPrefix(s.DatabaseURL, "sqlite:")
	if !ok {
		t.Fatalf("the metadata store is %s, not a SQLite file", s.DatabaseURL)
	}
	path, _, _ = strings.Cut(path, "?")
	var out bytes.Buffer
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		out.Write(b)
	}
	return out.String()
}
