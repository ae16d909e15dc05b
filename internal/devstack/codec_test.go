package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/payloadcodec"
)

// TestEncryptedPayloads runs the dev stack with payload encryption on: a run's raw history, read
// by a client without the codec, holds only ciphertext; the gateway still reads the run; the
// codec endpoint decrypts the history's payloads for an operator (by key or by the session
// cookie the UI sends) and refuses a caller without a key (401), a tenant's key and a foreign
// origin (403); and the embedded UI is configured to use it.
func TestEncryptedPayloads(t *testing.T) {
	s := startTestStack(t, devstack.Config{UIAddress: freeAddr(t), EncryptPayloads: true})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if len(s.PayloadKeyIDs) != 1 {
		t.Fatalf("payload keys %v, want one generated key", s.PayloadKeyIDs)
	}

	const plaintext = "order-plaintext-7Hq3Zx"
	sk := newSink(t)
	createDefinition(t, s, "acme", orderDefinition(sk.URL, "enabled"))
	res := trigger(t, s, "acme", `{"order":{"id":"`+plaintext+`","customer":"Ada","lines":[]}}`, nil)
	wfID := res.Runs[0].TemporalWorkflowID
	data := waitRun(t, s, wfID) // through the stack's client, which has the codec
	if !strings.Contains(mustJSON(data), plaintext) {
		t.Fatalf("the stack's own client cannot read the run: %v", data)
	}
	if len(sk.received()) != 1 {
		t.Fatalf("the warehouse got %d requests", len(sk.received()))
	}
	run := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID+"?includeLogs=true", nil, nil)
	if run.Status != http.StatusOK || !strings.Contains(string(run.Body), plaintext) {
		t.Fatalf("the gateway reads the run: %d %s", run.Status, run.Body)
	}
	// The step's attempts come from its call's summary, which is
	// encrypted too.
	if logs := runLogs(t, s, "acme", res.Runs[0].DefinitionID, res.Runs[0].WorkflowID); len(logs) != 1 || logs[0].Attempts != 1 {
		t.Errorf("the run's log %+v, want create_order's call on attempt 1", logs)
	}

	// A client without the codec sees ciphertext only.
	raw, err := client.Dial(client.Options{HostPort: s.Temporal.FrontendAddress, Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var history bytes.Buffer
	var started *commonpb.Payloads
	iter := raw.GetWorkflowHistory(ctx, wfID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			started = a.GetInput()
		}
		b, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		history.Write(b)
	}
	if strings.Contains(history.String(), plaintext) || strings.Contains(history.String(), "Ada") {
		t.Error("the raw history holds the input in clear text")
	}
	if !strings.Contains(history.String(), payloadcodec.EncodingEncrypted) || started == nil {
		t.Fatal("the raw history has no encrypted payloads; the search proves nothing")
	}

	body, err := protojson.Marshal(started)
	if err != nil {
		t.Fatal(err)
	}
	decode := s.GatewayURL + "/api/v1/codec/decode"
	operator := map[string]string{"Authorization": "Bearer " + s.DevAPIKey, "X-Namespace": "default"}
	with := func(h map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range h {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	decoded := func(r apiResponse) string {
		t.Helper()
		var ps commonpb.Payloads
		if err := protojson.Unmarshal(r.Body, &ps); err != nil {
			t.Fatalf("decoding the codec's answer: %v", err)
		}
		var out strings.Builder
		for _, p := range ps.GetPayloads() {
			out.Write(p.GetData())
		}
		return out.String()
	}

	if r := call(t, http.MethodPost, decode, body, map[string]string{"X-Namespace": "default"}); r.Status != http.StatusUnauthorized {
		t.Errorf("no key: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, decode, body, with(operator, "Origin", "http://evil.example")); r.Status != http.StatusForbidden {
		t.Errorf("a foreign origin: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, decode, body, with(operator, "Authorization", "Bearer "+keyFor(s.GatewayURL+"/api/v1/accounts/acme"))); r.Status != http.StatusForbidden {
		t.Errorf("a tenant's admin key: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, decode, body, operator); r.Status != http.StatusOK || !strings.Contains(decoded(r), plaintext) {
		t.Errorf("the operator's key: %d %s", r.Status, r.Body)
	}

	// The browser's way: a preflight, a session cookie, then the UI's request.
	origin := s.UIURL()
	if r := call(t, http.MethodOptions, decode, nil, map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"}); r.Status != http.StatusNoContent ||
		r.Header.Get("Access-Control-Allow-Origin") != origin || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight: %d %v", r.Status, r.Header)
	}
	session := s.GatewayURL + "/api/v1/codec/session"
	if r := call(t, http.MethodGet, session, nil, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `name="apiKey"`) {
		t.Errorf("sign-in page: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, session, nil, map[string]string{"Authorization": "Bearer not-a-key"}); r.Status != http.StatusUnauthorized {
		t.Errorf("signing in with a bad key: %d %s", r.Status, r.Body)
	}
	signIn := call(t, http.MethodPost, session, []byte(url.Values{"apiKey": {s.DevAPIKey}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	cookie := ""
	for _, c := range (&http.Response{Header: signIn.Header}).Cookies() {
		if c.Name == "junction_codec" && c.HttpOnly && c.SameSite == http.SameSiteStrictMode && c.Path == "/api/v1/codec" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if signIn.Status != http.StatusOK || cookie == "" {
		t.Fatalf("signing in: %d %v", signIn.Status, signIn.Header)
	}
	if r := call(t, http.MethodPost, session, nil, map[string]string{"Authorization": "Bearer " + s.DevAPIKey}); r.Status != http.StatusNoContent {
		t.Errorf("signing in with the header: %d %s", r.Status, r.Body)
	}
	ui := map[string]string{"Cookie": cookie, "Origin": origin, "X-Namespace": "default"}
	if r := call(t, http.MethodPost, decode, body, ui); r.Status != http.StatusOK || !strings.Contains(decoded(r), plaintext) ||
		r.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("the UI's request with the session cookie: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, decode, body, with(ui, "X-Namespace", "other")); r.Status != http.StatusForbidden {
		t.Errorf("another namespace: %d %s", r.Status, r.Body)
	}

	// Encoding a clear payload gives an encrypted one.
	clear, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{{
		Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"` + plaintext + `"`)}}})
	enc := call(t, http.MethodPost, s.GatewayURL+"/api/v1/codec/encode", clear, operator)
	if enc.Status != http.StatusOK || strings.Contains(string(enc.Body), plaintext) {
		t.Errorf("encode: %d %s", enc.Status, enc.Body)
	}
	if r := call(t, http.MethodOptions, s.GatewayURL+"/api/v1/codec/encode", nil, map[string]string{"Origin": "http://evil.example"}); r.Status != http.StatusForbidden {
		t.Errorf("a preflight from a foreign origin: %d", r.Status)
	}

	// The embedded UI decodes through the gateway, sending the browser's cookies.
	resp, err := http.Get(s.UIURL() + "/api/v1/settings")
	if err != nil {
		t.Fatal(err)
	}
	settings, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var ui2 struct {
		Codec struct {
			Endpoint           string
			IncludeCredentials bool
		}
	}
	if err := json.Unmarshal(settings, &ui2); err != nil || ui2.Codec.Endpoint != s.GatewayURL+"/api/v1/codec" || !ui2.Codec.IncludeCredentials {
		t.Errorf("the UI's codec settings: %s", settings)
	}
}
