package devstack_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/eightbyeight/eightbyeighttest"
	"github.com/junction-run/junction/internal/devstack"
)

// TestSMSStepSendsWithItsConnection runs an SMS step that names a tenant's
// 8x8 connection: the message goes out with the connection's key to its
// region's host (through the eightbyeight connector's client), not with the
// worker's own key, and the key is in no history and no log.
func TestSMSStepSendsWithItsConnection(t *testing.T) {
	const tenantKey = "sk_live_tenant_8x8_key_Vn3q"
	tenantFake := eightbyeighttest.NewServer(t, eightbyeighttest.WithAPIKey(tenantKey))
	workerFake := eightbyeighttest.NewServer(t)
	sms, err := url.Parse(tenantFake.SMSURL())
	if err != nil {
		t.Fatal(err)
	}
	logger, logs := bufferLogger()
	s := startTestStack(t, devstack.Config{
		Logger: logger, EightByEight: workerFake.Config(), ConnectorTransport: connectortest.Redirect(sms, http.DefaultTransport),
	})
	requireVault(t, s)
	base := s.GatewayURL + "/api/v1/accounts/acme"

	created := call(t, http.MethodPost, base+"/connections", []byte(`{"app":"eightbyeight","name":"Acme 8x8","authKind":"bearer",
	  "fields":{"token":"`+tenantKey+`"},"properties":{"region":"europe"}}`), nil)
	if created.Status != http.StatusCreated {
		t.Fatalf("create connection: %d %s", created.Status, created.Body)
	}
	var conn struct{ ID string }
	created.decode(t, &conn)
	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Ship notice","steps":[
	  {"id":"notify","stepType":"SMS","connection":"`+conn.ID+`",
	   "inputs":{"subAccountId":"acme_sms","destination":"+6512345678","text":"Order {{data.order}} shipped"},
	   "outputs":{"smsStatus":"{{step.status}}"}}]}}`))
	res := trigger(t, s, "acme", `{"order":"1001"}`, nil)
	data := waitRun(t, s, res.Runs[0].TemporalWorkflowID)
	if data["smsStatus"] != "QUEUED" {
		t.Fatalf("the step's result: %v", data)
	}
	if got := tenantFake.Messages(); len(got) != 1 || got[0].SMS.Text != "Order 1001 shipped" {
		t.Fatalf("the connection's 8x8 got %d messages", len(got))
	}
	if n := workerFake.Requests(); n != 0 {
		t.Errorf("the worker's own 8x8 key sent %d requests", n)
	}

	var history strings.Builder
	for _, ev := range historyEvents(t, s, res.Runs[0].TemporalWorkflowID, "") {
		b, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		history.Write(b)
	}
	if !strings.Contains(history.String(), conn.ID) {
		t.Fatal("the history does not name the connection; the search proves nothing")
	}
	for what, text := range map[string]string{"history": history.String(), "logs": logs.String()} {
		if strings.Contains(text, tenantKey) {
			t.Errorf("the connection's key is in the %s", what)
		}
	}
}
