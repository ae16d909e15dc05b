package devstack_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/auth/authtest"
)

// echoRequest answers 500 with what the request carried, secrets first
// (the error snippet a step keeps is short): the worst third party there
// is, one whose error page repeats the request.
func echoRequest(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, "c=%s uri=%s partner=%s auth=%s key=%s cookie=%s body=%s",
		r.Header.Get("X-Canary"), r.RequestURI, r.Header.Get("X-Partner"), r.Header.Get("Authorization"),
		r.Header.Get("X-Api-Key"), r.Header.Get("Cookie"), body)
}

// TestSecretHygieneOnFailurePaths is the hygiene test on the paths where
// secrets used to escape: every call fails. Environment variables in a
// URL's path and query, a header and a body; connections of every auth
// kind; and answers that echo the request (500), never come (a timeout),
// cannot be had (a refused connection), or redirect to another origin.
// Zero hits in every workflow history (wire form), every log line and
// every API answer, while a canary the echo also repeats is found in each,
// so the search can fail. The cross-origin hop reaches the other origin
// without the secrets.
func TestSecretHygieneOnFailurePaths(t *testing.T) {
	const (
		envPath   = "envpath-Tq81mZ0x"
		envHeader = "envheader-Lw29vB7c"
		envQuery  = "envquery-Hs40pK3n"
		envBody   = "envbody-Ud62yR5e"
		pwBasic   = "pw-basic-fail-Kx51"
		tokBearer = "tok-bearer-fail-Rz83"
		keyHeader = "key-header-fail-Vn27"
		keyQuery  = "key-query-fail-Pm64"
		pwDigest  = "pw-digest-fail-Gy19"
		pwSession = "pw-session-fail-Wc36"
		csClient  = "cs-client-fail-Ja72"
		csCode    = "cs-code-fail-Eb48"
		canary    = "canary-failure-3f9a1c"
	)
	var tokens issued
	serve := func(h http.Handler) *httptest.Server {
		srv := httptest.NewServer(tokens.wrap(h))
		t.Cleanup(srv.Close)
		return srv
	}
	echo := serve(http.HandlerFunc(echoRequest))
	digestEcho := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Digest ") {
			w.Header().Set("WWW-Authenticate", `Digest realm="echo", nonce="n0nce", qop="auth", algorithm=SHA-256`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		echoRequest(w, r)
	}))
	hang := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	var otherMu sync.Mutex
	var otherSaw bytes.Buffer
	other := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		otherMu.Lock()
		fmt.Fprintf(&otherSaw, "%s %v %s\n", r.RequestURI, r.Header, body)
		otherMu.Unlock()
		echoRequest(w, r)
	}))
	away := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
	}))
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	// The authorization-code provider's token endpoint fails, echoing the
	// refresh request, once the connection is authorized.
	codeProvider := &authtest.OAuth2Provider{ClientID: "code-client", ClientSecret: csCode}
	var tokenDown atomic.Bool
	code := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tokenDown.Load() && r.URL.Path == "/token" {
			echoRequest(w, r)
			return
		}
		codeProvider.ServeHTTP(w, r)
	}))

	s, logs := startConnectionsStack(t, nil)
	base := s.GatewayURL + "/api/v1/accounts/acme"
	var answers apiAnswers
	keep := answers.keep
	if r := keep(call(t, http.MethodPut, base+"/apps/http/versions/1.0.0/env", []byte(`{"variables":{
	  "ENV_PATH":{"value":"`+envPath+`","secret":true},"ENV_HEADER":{"value":"`+envHeader+`","secret":true},
	  "ENV_QUERY":{"value":"`+envQuery+`","secret":true},"ENV_BODY":{"value":"`+envBody+`","secret":true}}}`), nil)); r.Status != http.StatusOK {
		t.Fatalf("set the environment: %d %s", r.Status, r.Body)
	}
	create := func(body string) string { t.Helper(); return answers.createConnection(t, base, body) }
	ids := map[string]string{
		"basic":  create(`{"app":"http","authKind":"basic","fields":{"username":"ann","password":"` + pwBasic + `"},"properties":{"check_url":"` + echo.URL + `/me"}}`),
		"bearer": create(`{"app":"http","authKind":"bearer","fields":{"token":"` + tokBearer + `"},"properties":{"check_url":"` + echo.URL + `/me"}}`),
		"keyhdr": create(`{"app":"http","authKind":"api_key","fields":{"key":"` + keyHeader + `","in":"header","name":"X-API-Key"}}`),
		"keyqry": create(`{"app":"http","authKind":"api_key","fields":{"key":"` + keyQuery + `","in":"query","name":"api_key"}}`),
		"digest": create(`{"app":"http","authKind":"digest","fields":{"username":"dee","password":"` + pwDigest + `"}}`),
		"session": create(`{"app":"http","authKind":"session","fields":{"username":"sam","password":"` + pwSession + `",
		  "login_url":"` + echo.URL + `/login","token_pointer":"/data/token"}}`),
		"cc": create(`{"app":"http","authKind":"oauth2_client_credentials","fields":{"token_url":"` + echo.URL + `/token",
		  "client_id":"cc-client","client_secret":"` + csClient + `"}}`),
		"code": create(`{"app":"http","authKind":"oauth2_authorization_code","fields":{"auth_url":"` + code.URL + `/authorize",
		  "token_url":"` + code.URL + `/token","client_id":"code-client","client_secret":"` + csCode + `"}}`),
	}
	oauthAnswers, authCode := authorizeOAuth2(t, s, "acme", ids["code"])
	for _, r := range oauthAnswers {
		keep(r)
	}
	// Connection tests that fail against the echo: their answers are API
	// answers too.
	for _, name := range []string{"basic", "bearer"} {
		r := keep(call(t, http.MethodPost, base+"/connections/"+ids[name]+"/test", nil, nil))
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"ok":false`) {
			t.Errorf("testing %s against the echo: %d %s", name, r.Status, r.Body)
		}
	}
	codeProvider.RevokeAccessTokens()
	tokenDown.Store(true)

	// One run walks every failure: each step fails once (no retry) and
	// goes on to the next.
	envInputs := func(url string) string {
		return `"url":"` + url + `/t/{{env.ENV_PATH}}/x","headers":{"X-Canary":"{{data.canary}}","X-Partner":"{{env.ENV_HEADER}}"},` +
			`"body":{"secret":"{{env.ENV_BODY}}"}`
	}
	type failing struct{ id, stepType, connection, inputs string }
	steps := []failing{
		{"request-echo", "HttpRequest", "", `{"method":"POST",` + envInputs(echo.URL) + `,"parameters":{"k":"{{env.ENV_QUERY}}"}}`},
		{"call-echo", "http.call", "", `{"method":"POST",` + envInputs(echo.URL) + `,"query":{"k":"{{env.ENV_QUERY}}"}}`},
		{"request-timeout", "HttpRequest", "", `{"method":"POST","timeoutSeconds":1,` + envInputs(hang.URL) + `}`},
		{"call-timeout", "http.call", "", `{"method":"POST","timeoutSeconds":1,` + envInputs(hang.URL) + `}`},
		{"request-refused", "HttpRequest", "", `{"method":"POST",` + envInputs(closed.URL) + `}`},
		{"request-away", "HttpRequest", "", `{"method":"GET",` + envInputs(away.URL) + `}`},
		{"call-away", "http.call", "", `{"method":"GET",` + envInputs(away.URL) + `}`},
	}
	for _, name := range []string{"basic", "bearer", "keyhdr", "keyqry", "session", "cc", "code"} {
		steps = append(steps, failing{"conn-" + name, "http.call", ids[name],
			`{"method":"POST","url":"` + echo.URL + `/api/{{env.ENV_PATH}}","headers":{"X-Canary":"{{data.canary}}"},"body":{"secret":"{{env.ENV_BODY}}"}}`})
	}
	steps = append(steps, failing{"conn-digest", "http.call", ids["digest"],
		`{"method":"POST","url":"` + digestEcho.URL + `/api","headers":{"X-Canary":"{{data.canary}}"}}`})
	var doc []string
	for i, st := range steps {
		next := `"done"`
		if i+1 < len(steps) {
			next = `"` + steps[i+1].id + `"`
		}
		conn := ""
		if st.connection != "" {
			conn = `"connection":"` + st.connection + `",`
		}
		doc = append(doc, `{"id":"`+st.id+`","stepType":"`+st.stepType+`",`+conn+`"inputs":`+st.inputs+`,
		  "retry":{"maximumAttempts":1},"onError":{"action":"goto","nextStepId":`+next+`},"nextStepId":`+next+`}`)
	}
	doc = append(doc, `{"id":"done","stepType":"SetVariables","inputs":{"finished":true}}`)
	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Everything fails","steps":[`+strings.Join(doc, ",")+`]}}`))
	res := trigger(t, s, "acme", `{"canary":"`+canary+`"}`, nil)
	if data := waitRun(t, s, res.Runs[0].TemporalWorkflowID); data["finished"] != true {
		t.Fatalf("the run did not walk every failure: %v", data)
	}
	run := base + "/definitions/" + res.Runs[0].DefinitionID + "/workflows/" + res.Runs[0].WorkflowID
	errs := keep(call(t, http.MethodGet, run+"/errors", nil, nil))
	keep(call(t, http.MethodGet, run+"?includeLogs=true", nil, nil))
	for _, st := range steps {
		if !strings.Contains(string(errs.Body), `"step":"`+st.id+`"`) {
			t.Errorf("the run's errors name no failure of step %s: %s", st.id, errs.Body)
		}
	}

	histories, _ := allHistories(t, s)
	sources := map[string]string{"histories": histories, "logs": logs.String(), "API answers": answers.String()}
	for what, text := range sources {
		if !strings.Contains(text, canary) {
			t.Fatalf("the echoed canary is not in the %s: the search proves nothing", what)
		}
	}
	secrets := map[string]string{
		"env in path": envPath, "env in header": envHeader, "env in query": envQuery, "env in body": envBody,
		"basic password": pwBasic, "basic credentials": "ann:" + pwBasic, "bearer token": tokBearer, "API key in a header": keyHeader, "API key in the query": keyQuery,
		"digest password": pwDigest, "session password": pwSession, "client credentials secret": csClient,
		"authorization code client secret": csCode, "authorization code": authCode,
	}
	for i, tok := range tokens.all() {
		secrets[fmt.Sprintf("issued token %d", i)] = tok
	}
	for what, text := range sources {
		if found := leaks(text, secrets); len(found) > 0 {
			t.Errorf("the %s contain: %v", what, found)
		}
	}
	otherMu.Lock()
	defer otherMu.Unlock()
	if !strings.Contains(otherSaw.String(), "/landing") {
		t.Fatal("the redirect never reached the other origin: the hop proves nothing")
	}
	if found := leaks(otherSaw.String(), secrets); len(found) > 0 {
		t.Errorf("a redirect carried to another origin: %v", found)
	}
}
