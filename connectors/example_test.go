package connectors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/runs"
)

// A connector version is a Spec plus the actions that implement it; the
// schemas of an action built with NewAction come from its Go types.
func ExampleNewAction() {
	type sendIn struct {
		Channel string `json:"channel" description:"Where to post."`
		Text    string `json:"text"`
	}
	type sendOut struct {
		TS string `json:"ts"`
	}
	post := connectors.NewAction(connectors.ActionSpec{
		ID: "post_message", Name: "Post message", Kind: connectors.ActionOther,
		Description: "Posts a message to a channel.",
		SampleInput: json.RawMessage(`{"channel": "C1", "text": "hi"}`),
	}, func(ctx context.Context, call connectors.Call, in sendIn) (sendOut, error) {
		return sendOut{TS: "1700000000.000100"}, nil // a real action calls call.HTTP
	})
	c := connectors.New(connectors.Spec{
		ID: "chat", Name: "Chat", Description: "A chat service.", Version: "1.0.0", Status: connectors.StatusStable,
		Auth: []connectors.AuthSpec{connectors.BearerAuth()},
	}, post)

	r := connectors.NewRegistry()
	if err := r.Register(c); err != nil {
		fmt.Println(err)
		return
	}
	a, _ := r.Action("chat", "", "post_message")
	input, _ := json.Marshal(a.Spec().Input)
	fmt.Println(runs.ConnectorActivity("chat", a.Spec().ID))
	fmt.Println(string(input))
	_, err := a.Run(context.Background(), connectors.Call{Input: json.RawMessage(`{"channel": "C1"}`)})
	fmt.Println(err)
	// Output:
	// chat.post_message
	// {"type":"object","properties":{"channel":{"description":"Where to post.","type":"string"},"text":{"type":"string"}},"required":["channel","text"],"additionalProperties":false}
	// bad request: input of post_message: /text: is required
}

func ExampleFromHTTPResponse() {
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"30"}}}
	err := connectors.FromHTTPResponse(resp, []byte(`{"errors": "Exceeded 2 calls per second for api client."}`))
	fmt.Println(err.Kind, err.Kind.Retryable(), err.RetryAfter)
	fmt.Println(err)
	// Output:
	// RateLimited true 30s
	// rate limited (HTTP 429, retry after 30s): Exceeded 2 calls per second for api client.
}
