package definition

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestRenderKeepingEnv(t *testing.T) {
	env := Env{Data: map[string]any{
		"order": "1001",
		// Text that looks like a reference, as a third party could send it.
		"note": "{{env.API_TOKEN}}",
		"n":    3.0,
	}}
	inputs := map[string]any{
		"url":     "https://api.example.com/{{env.REGION}}/orders/{{data.order}}",
		"method":  "POST",
		"headers": map[string]any{"Authorization": "Bearer {{env.API_TOKEN}}", "X-Count": "{{data.n}}"},
		"body": map[string]any{
			"token":   "{{ env.API_TOKEN }}",
			"note":    "{{data.note}}",
			"mixed":   "{{data.note}} and {{env.REGION}}",
			"a/b~c":   []any{"{{env.REGION}}", 1.0},
			"plain":   "no template",
			"counted": "{{data.n}}",
		},
	}
	out, slots, err := RenderKeepingEnv(inputs, env)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(map[string]any)
	body := got["body"].(map[string]any)
	for what, pair := range map[string][2]any{
		"url":             {got["url"], "https://api.example.com/{{env.REGION}}/orders/1001"},
		"header":          {got["headers"].(map[string]any)["Authorization"], "Bearer {{env.API_TOKEN}}"},
		"reference alone": {body["token"], "{{env.API_TOKEN}}"},
		"data copied":     {body["note"], "{{env.API_TOKEN}}"},
		"number kept":     {body["counted"], 3.0},
		"array element":   {body["a/b~c"].([]any)[0], "{{env.REGION}}"},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s renders as %#v, want %#v", what, pair[0], pair[1])
		}
	}
	pointers := map[string][]EnvPart{}
	for _, s := range slots {
		pointers[s.Pointer] = s.Parts
	}
	want := map[string][]EnvPart{
		"/url":                   {{Text: "https://api.example.com/"}, {Env: "REGION"}, {Text: "/orders/1001"}},
		"/headers/Authorization": {{Text: "Bearer "}, {Env: "API_TOKEN"}},
		"/body/token":            {{Env: "API_TOKEN"}},
		// Data that looks like a reference is text, never a reference.
		"/body/mixed":     {{Text: "{{env.API_TOKEN}} and "}, {Env: "REGION"}},
		"/body/a~1b~0c/0": {{Env: "REGION"}},
	}
	if !reflect.DeepEqual(pointers, want) {
		t.Fatalf("slots = %+v\nwant    %+v", pointers, want)
	}
	if names := EnvNames(slots); !reflect.DeepEqual(names, []string{"API_TOKEN", "REGION"}) && !reflect.DeepEqual(names, []string{"REGION", "API_TOKEN"}) {
		t.Errorf("EnvNames = %v", names)
	}

	values := map[string]string{"API_TOKEN": "s3cr3t", "REGION": "eu"}
	applied, err := ApplyEnv(out, slots, func(n string) (string, bool) { v, ok := values[n]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	a := applied.(map[string]any)
	ab := a["body"].(map[string]any)
	for what, pair := range map[string][2]any{
		"url":           {a["url"], "https://api.example.com/eu/orders/1001"},
		"header":        {a["headers"].(map[string]any)["Authorization"], "Bearer s3cr3t"},
		"alone":         {ab["token"], "s3cr3t"},
		"data copied":   {ab["note"], "{{env.API_TOKEN}}"},
		"mixed":         {ab["mixed"], "{{env.API_TOKEN}} and eu"},
		"array element": {ab["a/b~c"].([]any)[0], "eu"},
	} {
		if pair[0] != pair[1] {
			t.Errorf("applied %s = %#v, want %#v", what, pair[0], pair[1])
		}
	}
	if got["headers"].(map[string]any)["Authorization"] != "Bearer {{env.API_TOKEN}}" {
		t.Error("ApplyEnv modified its input")
	}

	if _, err := ApplyEnv(out, slots, func(n string) (string, bool) { return "", n == "REGION" }); err == nil || !strings.Contains(err.Error(), "API_TOKEN is not set") {
		t.Errorf("a missing variable: %v", err)
	}
	if _, err := ApplyEnv(map[string]any{}, slots, func(string) (string, bool) { return "x", true }); err == nil {
		t.Error("a slot whose pointer leads nowhere applied without error")
	}
}

func TestEnvReferencesInDefinitions(t *testing.T) {
	def := func(stepType, inputs string) string {
		return `{"trigger":"http_request","definition":{"name":"x","steps":[{"id":"a","stepType":"` + stepType + `","inputs":` + inputs + `}]}}`
	}
	tests := []struct {
		name, doc string
		code      string // "" when valid
	}{
		{"HttpRequest header", def("HttpRequest", `{"url":"https://x.example/{{env.PATH_PART}}","method":"GET","headers":{"Authorization":"Bearer {{env.TOKEN}}"}}`), ""},
		{"connector input", def("http.call", `{"url":"https://x.example","method":"POST","body":{"k":"{{env.KEY}}"}}`), ""},
		{"SetVariables", def("SetVariables", `{"k":"{{env.KEY}}"}`), CodeNotSupported},
		{"computed with", def("HttpRequest", `{"url":"https://x.example","method":"GET","headers":{"A":"{{'Bearer ' + env.TOKEN}}"}}`), CodeNotSupported},
		{"lower-case name", def("HttpRequest", `{"url":"https://x.example","method":"GET","headers":{"A":"{{env.token}}"}}`), CodeNotSupported},
		{"as an argument", def("HttpRequest", `{"url":"https://x.example","method":"GET","headers":{"A":"{{upper(env.TOKEN)}}"}}`), CodeNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse: %v, want a validation error", err)
			}
			found := false
			for _, fe := range ve.Errors {
				found = found || fe.Code == tt.code && strings.Contains(fe.Message, "env")
			}
			if !found {
				t.Fatalf("problems %+v, want %s about env", ve.Errors, tt.code)
			}
		})
	}
}

func TestRenderRefusesEnv(t *testing.T) {
	// Outside RenderKeepingEnv no expression reads env: the workflow has no values.
	_, err := Render(map[string]any{"a": "{{env.TOKEN}}"}, Env{})
	var ee *ExprError
	if !errors.As(err, &ee) || ee.Code != CodeNotSupported {
		t.Fatalf("Render: %v, want a not_supported expression error", err)
	}
}
