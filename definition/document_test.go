package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/<name>, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what Parse produced (run go test -update to accept)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func fixtures(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".golden.json") {
			names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
		}
	}
	if len(names) == 0 {
		t.Fatalf("no fixtures in testdata/%s", dir)
	}
	return names
}

// TestParseValid parses every testdata/valid/*.json and compares the document as the API would
// return it with testdata/valid/*.golden.json.
func TestParseValid(t *testing.T) {
	for _, name := range fixtures(t, "valid") {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "valid", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if err := doc.Validate(); err != nil {
				t.Errorf("Validate after Parse: %v", err)
			}
			out, err := json.MarshalIndent(doc, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("valid", name+".golden.json"), append(out, '\n'))

			// What the API returns must parse back to the same document.
			again, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse of the marshalled document: %v", err)
			}
			out2, _ := json.MarshalIndent(again, "", "  ")
			if !bytes.Equal(out, out2) {
				t.Errorf("round trip changed the document:\n%s\n---\n%s", out, out2)
			}

			// The interpreter reads stored documents with encoding/json: the struct tags must
			// give the same document back.
			var stored Document
			if err := json.Unmarshal(out, &stored); err != nil {
				t.Fatalf("json.Unmarshal of the stored document: %v", err)
			}
			if err := stored.Validate(); err != nil {
				t.Errorf("Validate of the json.Unmarshal'd document: %v", err)
			}
			out3, _ := json.MarshalIndent(&stored, "", "  ")
			if !bytes.Equal(out, out3) {
				t.Errorf("json.Unmarshal round trip changed the document:\n%s\n---\n%s", out, out3)
			}
		})
	}
}

// TestParseInvalid parses every testdata/invalid/*.json and compares the problems, one
// "path [code]: message" per line (or the malformed-JSON error), with
// testdata/invalid/*.golden.
func TestParseInvalid(t *testing.T) {
	for _, name := range fixtures(t, "invalid") {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "invalid", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Parse(data)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", doc)
			}
			if doc != nil {
				t.Errorf("Parse returned a document with an error")
			}
			var b strings.Builder
			var ve *ValidationError
			switch {
			case strings.HasPrefix(name, "malformed"):
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("error %v does not wrap ErrMalformed", err)
				}
				b.WriteString(err.Error() + "\n")
			case errors.As(err, &ve):
				if len(ve.Errors) == 0 {
					t.Fatal("ValidationError without problems")
				}
				for _, fe := range ve.Errors {
					if fe.Code == "" {
						t.Errorf("problem without a code: %v", fe)
					}
					fmt.Fprintf(&b, "%s [%s]: %s\n", fe.Path, fe.Code, fe.Message)
				}
			default:
				t.Fatalf("error is %T, want *ValidationError: %v", err, err)
			}
			golden(t, filepath.Join("invalid", name+".golden"), []byte(b.String()))
		})
	}
}

func TestParseDefaultsAndAliases(t *testing.T) {
	tests := []struct {
		name string
		json string
		want func(*Document) string // returns "" when the document is as expected
	}{
		{
			name: "status defaults to disabled",
			json: `{"trigger":"http_request","definition":{"name":"n","steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"https://x.io","method":"GET"}}]}}`,
			want: func(d *Document) string { return expect(d.Status == StatusDisabled, "status %q", d.Status) },
		},
		{
			name: "null status defaults to disabled",
			json: `{"trigger":"http_request","status":null,"definition":{"name":"n","steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"https://x.io","method":"GET"}}]}}`,
			want: func(d *Document) string { return expect(d.Status == StatusDisabled, "status %q", d.Status) },
		},
		{
			name: "subaccountId spelling",
			json: `{"subaccountId":"sub","trigger":"http_request","definition":{"name":"n","steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"https://x.io","method":"GET"}}]}}`,
			want: func(d *Document) string { return expect(d.SubAccountID == "sub", "subAccountId %q", d.SubAccountID) },
		},
		{
			name: "subAccountId wins over subaccountId",
			json: `{"subAccountId":"A","subaccountId":"b","trigger":"http_request","definition":{"name":"n","steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"https://x.io","method":"GET"}}]}}`,
			want: func(d *Document) string { return expect(d.SubAccountID == "A", "subAccountId %q", d.SubAccountID) },
		},
		{
			name: "server-owned fields are ignored",
			json: `{"accountId":"acc","id":"i","version":9,"createdAt":"t","trigger":"http_request","definition":{"id":"x","version":4,"name":"n","steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"https://x.io","method":"GET"}}]}}`,
			want: func(d *Document) string {
				return expect(d.AccountID == "" && d.ID == "" && d.Version == 0 && d.CreatedAt == "" &&
					d.Definition.ID == "" && d.Definition.Version == 0, "%+v", d)
			},
		},
		{
			name: "step type canonicalised",
			json: `{"trigger":"http_request","definition":{"name":"n","steps":[{"id":"a","stepType":"hTtPrEqUeSt","inputs":{"url":"https://x.io","method":"GET"}}]}}`,
			want: func(d *Document) string {
				return expect(d.Definition.Steps[0].StepType == StepHTTPRequest, "stepType %q", d.Definition.Steps[0].StepType)
			},
		},
		{
			name: "selectNextStep null value kept as the default branch",
			json: `{"trigger":"http_request","definition":{"name":"n","steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"https://x.io","method":"GET"},"selectNextStep":{"b":null}},{"id":"b","stepType":"HttpRequest","inputs":{"url":"https://x.io","method":"GET"}}]}}`,
			want: func(d *Document) string {
				v, ok := d.Definition.Steps[0].SelectNextStep["b"]
				return expect(ok && v == nil, "selectNextStep %v", d.Definition.Steps[0].SelectNextStep)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse([]byte(tt.json))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if msg := tt.want(doc); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func expect(ok bool, format string, args ...any) string {
	if ok {
		return ""
	}
	return "unexpected " + fmt.Sprintf(format, args...)
}

func TestMalformedSaysWhere(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"empty input", ``, "line 1, column 1 (byte offset 0)"},
		{"second line", "{\n  \"a\": ,\n}", "line 2, column 8 (byte offset 9)"},
		{"unterminated", `{"a": "b`, "line 1, column 9 (byte offset 8)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.json))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestValidationErrorSummary(t *testing.T) {
	tests := []struct {
		errs []FieldError
		want string
	}{
		{nil, "invalid definition"},
		{[]FieldError{{"definition.name", CodeRequired, "is required"}}, "definition.name: is required"},
		{[]FieldError{{"definition.name", CodeRequired, "is required"}, {"trigger", CodeRequired, "is required"}}, "definition.name: is required (and 1 more problem)"},
		{[]FieldError{{"definition.name", CodeRequired, "is required"}, {"a", "c", "x"}, {"b", "c", "y"}}, "definition.name: is required (and 2 more problems)"},
		{[]FieldError{{"", CodeInvalidType, "must be a JSON object"}}, "must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			err := &ValidationError{Errors: tt.errs}
			if got := err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMissingNameIsReportedForCode5001(t *testing.T) {
	for _, body := range []string{
		`{"trigger":"http_request","definition":{"steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"https://x.io","method":"GET"}}]}}`,
		`{"trigger":"http_request","definition":{"name":"","steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"https://x.io","method":"GET"}}]}}`,
		`{"trigger":"http_request","definition":{"name":null,"steps":[{"id":"a","stepType":"HttpRequest","inputs":{"url":"https://x.io","method":"GET"}}]}}`,
	} {
		_, err := Parse([]byte(body))
		var ve *ValidationError
		if !errors.As(err, &ve) || !ve.Has("definition.name", "is required") {
			t.Errorf("Parse(%s) = %v, want definition.name: is required", body, err)
		}
	}
}

// TestValidateGoDocument covers documents built in Go rather than parsed.
func TestValidateGoDocument(t *testing.T) {
	step := func(id, typ string) Step {
		return Step{ID: id, StepType: typ, Inputs: map[string]any{"url": "https://x.io", "method": "GET"}}
	}
	cond := "{{data.ok}}"
	tests := []struct {
		name string
		doc  Document
		want []string // "path: message"; nil when valid
	}{
		{
			name: "valid with empty status and lower-case type",
			doc:  Document{Trigger: TriggerHTTPRequest, Definition: Workflow{Name: "n", Steps: []Step{step("a", "httprequest")}}},
		},
		{
			name: "typed inputs built in Go",
			doc: Document{Trigger: TriggerInboundSMS, Definition: Workflow{Name: "n", Steps: []Step{{
				ID: "a", StepType: StepHTTPRequest,
				Inputs: map[string]any{"url": "https://x.io", "method": "POST", "headers": map[string]string{"A": "b"},
					"parameters": map[string]string{"q": "{{data.q}}"}, "timeoutSeconds": 5},
				SelectNextStep: map[string]*string{"a": &cond},
			}}}},
		},
		{
			name: "nil and empty steps",
			doc:  Document{Trigger: TriggerHTTPRequest, Definition: Workflow{Name: "n"}},
			want: []string{"definition.steps: is required"},
		},
		{
			name: "empty steps",
			doc:  Document{Trigger: TriggerHTTPRequest, Definition: Workflow{Name: "n", Steps: []Step{}}},
			want: []string{"definition.steps: must contain at least one step"},
		},
		{
			name: "nested duplicate id",
			doc: Document{Trigger: TriggerHTTPRequest, Definition: Workflow{Name: "n", Steps: []Step{
				{ID: "if", StepType: StepIf, Do: [][]Step{{step("a", StepHTTPRequest)}, {step("if", StepHTTPRequest)}}},
				step("a", StepHTTPRequest),
			}}},
			want: []string{
				`definition.steps[0].inputs.condition: is required`,
				`definition.steps[0].do[1][0].id: duplicate step id "if" (also used by definition.steps[0])`,
				`definition.steps[1]: step "a" is unreachable: no nextStepId, selectNextStep or onError leads to it from the first step "if"`,
				`definition.steps[1].id: duplicate step id "a" (also used by definition.steps[0].do[0][0])`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.doc.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			var got []string
			for _, fe := range ve.Errors {
				got = append(got, fe.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestCanonicalStepType(t *testing.T) {
	tests := map[string]string{
		"HttpRequest": StepHTTPRequest, "httprequest": StepHTTPRequest, "branch": StepBranch,
		"WAITFORDTMF": StepWaitForDTMF, "sms": StepSMS, "JumpTo": "", "": "",
		"foreach": StepForEach, "PARALLEL": StepParallel, "setvariables": StepSetVariables,
		"shopify.update_order": "shopify.update_order", "Shopify.update_order": "", "shopify.": "", ".x": "",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := CanonicalStepType(in); got != want {
				t.Errorf("CanonicalStepType(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestPathKey(t *testing.T) {
	tests := []struct{ base, key, want string }{
		{"", "trigger", "trigger"},
		{"inputs.headers", "Content-Type", "inputs.headers.Content-Type"},
		{"outputs", "a.b", `outputs["a.b"]`},
		{"outputs", "", `outputs[""]`},
		{"x", `sp "q"`, `x["sp \"q\""]`},
	}
	for _, tt := range tests {
		if got := PathKey(tt.base, tt.key); got != tt.want {
			t.Errorf("pathKey(%q, %q) = %q, want %q", tt.base, tt.key, got, tt.want)
		}
	}
}

// TestShapeLimits checks that definitions too big or too deeply nested are rejected quickly with
// one limit_exceeded problem, whether parsed or built in Go.
func TestShapeLimits(t *testing.T) {
	nested := func(depth int) string {
		var b strings.Builder
		b.WriteString(`{"trigger":"http_request","definition":{"name":"n","steps":`)
		for i := range depth {
			fmt.Fprintf(&b, `[{"id":"if%d","stepType":"If","inputs":{"condition":"{{true}}"},"do":[`, i)
		}
		b.WriteString(`[{"id":"leaf","stepType":"Wait","inputs":{"duration":"1"}}]` + strings.Repeat(`]}]`, depth) + `}}`)
		return b.String()
	}
	var many strings.Builder
	many.WriteString(`{"trigger":"http_request","definition":{"name":"n","steps":[`)
	for i := range MaxSteps + 5 {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `{"id":"s%d","stepType":"Wait","inputs":{"duration":"1"},"nextStepId":"s%d"}`, i, i+1)
	}
	many.WriteString(`]}}`)
	tests := []struct {
		name, json, path string
	}{
		{"nesting", nested(3000), "definition.steps[0]" + strings.Repeat(".do[0][0]", MaxNesting) + ".do"},
		{"steps", many.String(), fmt.Sprintf("definition.steps[%d]", MaxSteps)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse([]byte(tt.json))
			if time.Since(start) > time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !ve.HasCode(tt.path, CodeLimitExceeded) {
				t.Fatalf("Parse = %v, want limit_exceeded at %s", err, tt.path)
			}
		})
	}
	if _, err := Parse([]byte(nested(MaxNesting))); err != nil {
		t.Errorf("nesting of %d: %v", MaxNesting, err)
	}

	// Built in Go.
	steps := []Step{{ID: "leaf", StepType: StepWait, Inputs: map[string]any{"duration": "1"}}}
	for i := range MaxNesting + 2 {
		steps = []Step{{ID: fmt.Sprint("if", i), StepType: StepIf, Inputs: map[string]any{"condition": "{{true}}"}, Do: [][]Step{steps}}}
	}
	doc := Document{Trigger: TriggerHTTPRequest, Definition: Workflow{Name: "n", Steps: steps}}
	var ve *ValidationError
	if err := doc.Validate(); !errors.As(err, &ve) || ve.Errors[0].Code != CodeLimitExceeded {
		t.Errorf("Validate of a deep Go document = %v, want limit_exceeded", err)
	}
}

func TestStepTypeQueries(t *testing.T) {
	supported := map[string]bool{
		"HttpRequest": true, "sms": true, "ChatAppsMessage": true, "Wait": true, "Branch": true, "If": true,
		"WaitForReply": true, "ForEach": true, "Parallel": true, "SetVariables": true,
		"VoiceMessage": false, "WaitForDTMF": false, "SendToConverse": false, "shopify.update_order": false, "Nope": false,
	}
	for typ, want := range supported {
		if got := IsSupportedStepType(typ); got != want {
			t.Errorf("IsSupportedStepType(%q) = %v, want %v", typ, got, want)
		}
	}
	app, action, ok := ConnectorAction("slack.post_message")
	if !ok || app != "slack" || action != "post_message" {
		t.Errorf("ConnectorAction = %q, %q, %v", app, action, ok)
	}
	for _, bad := range []string{"slack", "slack.", "Slack.post", "slack.post.message", "1app.x", "app.x-y"} {
		if IsConnectorAction(bad) {
			t.Errorf("IsConnectorAction(%q) = true", bad)
		}
	}
}
