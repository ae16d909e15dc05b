package workflows_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/runs"
)

// A Reply step sends each message type through the channel: natively
// when the channel says it can (with the inputs that make it), else as
// text; a type that lacks what it needs fails the step for good.
func TestReplyStepMessageTypes(t *testing.T) {
	for _, tc := range []struct {
		name, inputs string
		want         map[string]any // the action's input, but the address
		wantErr      string
	}{
		{"text", `{"text": "hi"}`, map[string]any{"text": "hi"}, ""},
		{"markdown, which the channel sends", `{"text": "*hi*", "type": "markdown"}`, map[string]any{"text": "*hi*", "parse_mode": "Markdown"}, ""},
		{"an image, which it does not: its url after the text", `{"text": "Your label", "type": "image", "url": "https://example.com/l.png"}`,
			map[string]any{"text": "Your label\nhttps://example.com/l.png"}, ""},
		{"a file without a caption", `{"text": "", "type": "file", "url": "https://example.com/i.pdf"}`, map[string]any{"text": "https://example.com/i.pdf"}, ""},
		{"a choice, numbered", `{"text": "Which?", "type": "choice", "choices": ["A", "B"]}`, map[string]any{"text": "Which?\n1. A\n2. B"}, ""},
		{"an image without its url", `{"text": "x", "type": "image"}`, nil, "needs its url"},
		{"a choice without choices", `{"text": "x", "type": "choice", "choices": "{{ data.none ?? [] }}"}`, nil, "needs its choices"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv()
			var sent map[string]any
			env.RegisterActivityWithOptions(func(_ context.Context, in runs.ConnectorCall) (any, error) {
				sent = in.Input
				return map[string]any{"ok": true}, nil
			}, activity.RegisterOptions{Name: "telegram.send_message"})
			in := input(steps(t, `[{"id":"answer","stepType":"Reply","inputs":`+tc.inputs+`}]`), nil)
			in.ReplyTo = &runs.ReplyTo{StepType: "telegram.send_message", Connection: "c1", TextInput: "text",
				Inputs: map[string]any{"chat_id": float64(42)}, TypeInputs: map[string]map[string]any{"markdown": {"parse_mode": "Markdown"}}}
			env.ExecuteWorkflow(runs.RunDefinitionWorkflow, in)
			err := env.GetWorkflowError()
			if tc.wantErr != "" {
				var app *temporal.ApplicationError
				if !errors.As(err, &app) || app.Type() != runs.ErrTypeInvalidStep || !strings.Contains(app.Error(), tc.wantErr) {
					t.Fatalf("error %v, want InvalidStep saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sent["chat_id"] != float64(42) {
				t.Errorf("sent to %v", sent["chat_id"])
			}
			delete(sent, "chat_id")
			if len(sent) != len(tc.want) {
				t.Errorf("sent %v, want %v", sent, tc.want)
			}
			for k, v := range tc.want {
				if sent[k] != v {
					t.Errorf("sent %s = %q, want %q", k, sent[k], v)
				}
			}
		})
	}
}
