package apiclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/junction-run/junction/apiclient"
)

// A stand-in for `junction dev`, so the example runs anywhere.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "POST /api/v1/accounts/acme/definitions":
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"trigger":"http_request","status":"enabled","id":"3f0c4bd2-8f5e-4b8e-9c1a-0d6f4f3d2a10","version":1,
			  "definition":{"id":"3f0c4bd2-8f5e-4b8e-9c1a-0d6f4f3d2a10","name":"Forward orders","version":1,"steps":[]}}`)
		case "POST /api/v1/accounts/acme/triggers/http_request":
			fmt.Fprint(w, `{"eventId":"order-1001","runs":[{"definitionId":"3f0c4bd2-8f5e-4b8e-9c1a-0d6f4f3d2a10","version":1,
			  "workflowId":"order-1001","temporalWorkflowId":"acme/3f0c4bd2-8f5e-4b8e-9c1a-0d6f4f3d2a10/order-1001","runId":"r"}]}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"code":1300,"message":"No route.","errorId":"e-1","timestamp":"2026-11-24T07:41:06.22Z"}`)
		}
	}))
}

func ExampleClient() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	c := apiclient.New(srv.URL, "jk_dev_key", "acme")
	def, err := c.CreateDefinition(ctx, json.RawMessage(`{
	  "trigger": "http_request", "status": "enabled",
	  "definition": {"name": "Forward orders", "steps": [
	    {"id": "post", "stepType": "HttpRequest", "inputs": {"url": "http://127.0.0.1:9000/orders", "method": "POST"}}]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created", def.Definition.Name, "version", def.Version)

	res, err := c.Trigger(ctx, apiclient.TriggerHTTPRequest, json.RawMessage(`{"order":{"id":"1001"}}`),
		apiclient.TriggerOptions{IdempotencyKey: "order-1001"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, run := range res.Runs {
		fmt.Println("started", run.TemporalWorkflowID)
	}

	_, err = c.GetRun(ctx, def.ID, "no-such-run", false)
	var apiErr *apiclient.APIError
	if errors.As(err, &apiErr) && errors.Is(err, apiclient.ErrNotFound) {
		fmt.Println("not found, errorId", apiErr.ErrorID)
	}
	// Output:
	// created Forward orders version 1
	// started acme/3f0c4bd2-8f5e-4b8e-9c1a-0d6f4f3d2a10/order-1001
	// not found, errorId e-1
}
