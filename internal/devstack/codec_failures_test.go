package devstack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"github.com/junction-run/junction/internal/devstack"
)

// TestEncryptedFailureMessages: with payload encryption on, a failure's
// message (which quotes the third party's answer) is encrypted in the
// history like every payload, and the gateway's run errors still read it.
func TestEncryptedFailureMessages(t *testing.T) {
	const plaintext = "failure-plaintext-Xv82Lq"
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"order `+plaintext+` is unknown"}`, http.StatusUnprocessableEntity)
	}))
	t.Cleanup(partner.Close) // after the stack stops: cleanups run last first
	s := startTestStack(t, devstack.Config{EncryptPayloads: true})
	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Rejected","steps":[
	  {"id":"book","stepType":"http.call","inputs":{"method":"POST","url":"`+partner.URL+`/orders"}}]}}`))
	res := trigger(t, s, "acme", `{}`, nil)
	wfID := res.Runs[0].TemporalWorkflowID
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Client.GetWorkflow(ctx, wfID, "").Get(ctx, nil); err == nil || !strings.Contains(err.Error(), plaintext) {
		t.Fatalf("the run ended with %v; want a failure that quotes the answer (read with the codec)", err)
	}

	raw, err := client.Dial(client.Options{HostPort: s.Temporal.FrontendAddress, Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var history strings.Builder
	failed := false
	iter := raw.GetWorkflowHistory(ctx, wfID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetWorkflowExecutionFailedEventAttributes(); a != nil {
			failed = a.GetFailure().GetMessage() == "Encoded failure"
		}
		b, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		history.Write(b)
	}
	if !failed {
		t.Error("the run's failure is not encoded in the raw history")
	}
	if strings.Contains(history.String(), plaintext) {
		t.Error("the raw history holds the failure's message in clear text")
	}

	errs := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID+"/errors", nil, nil)
	if errs.Status != http.StatusOK || strings.Count(string(errs.Body), plaintext) < 2 || strings.Contains(string(errs.Body), "Encoded failure") {
		t.Errorf("the run's errors, through the gateway: %d %s; want the step's and the run's message, decoded", errs.Status, errs.Body)
	}
}
