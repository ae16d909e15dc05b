package definition_test

import (
	"encoding/json"
	"fmt"

	"github.com/junction-run/junction/definition"
)

// Render evaluates the {{ }} expressions of an HttpRequest step's inputs (here the body of the
// 8x8 documentation's example) against the workflow context.
func ExampleRender() {
	inputs := map[string]any{
		"url":    "https://sample.api.com/newrecord/{{data.payload.user.msisdn}}",
		"method": "POST",
		"body": map[string]any{
			"property_1": 1,
			"property_2": "{{'umid: ' + data.payload.umid}}",
			"property_3": "{{data.payload.smsCount}}",
			"property_4": map[string]any{"nested_property": "{{data.payload.missing.field}}"},
			"property_5": "{{data.name || 'there'}}",
		},
	}
	env := definition.Env{Data: map[string]any{
		"payload": map[string]any{
			"umid":     "9e09ac86",
			"smsCount": 2.0,
			"user":     map[string]any{"msisdn": "+6512345678"},
		},
	}}

	rendered, err := definition.Render(inputs, env)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.MarshalIndent(rendered, "", "  ")
	fmt.Println(string(out))
	// Output:
	// {
	//   "body": {
	//     "property_1": 1,
	//     "property_2": "umid: 9e09ac86",
	//     "property_3": 2,
	//     "property_4": {
	//       "nested_property": null
	//     },
	//     "property_5": "there"
	//   },
	//   "method": "POST",
	//   "url": "https://sample.api.com/newrecord/+6512345678"
	// }
}

// A string that is exactly one expression keeps the value's type; text around an expression
// makes a string.
func ExampleRenderString() {
	env := definition.Env{Step: map[string]any{"responseCode": 404.0}}
	for _, s := range []string{
		"{{step.responseCode}}",
		"{{step.responseCode >= 400}}",
		"HTTP {{step.responseCode}}",
	} {
		v, err := definition.RenderString(s, env)
		fmt.Printf("%-30s %T %v %v\n", s, v, v, err)
	}
	// Output:
	// {{step.responseCode}}          float64 404 <nil>
	// {{step.responseCode >= 400}}   bool true <nil>
	// HTTP {{step.responseCode}}     string HTTP 404 <nil>
}

// Parse reports every problem of a definition with its JSON path.
func ExampleParse() {
	_, err := definition.Parse([]byte(`{
		"trigger": "http_request",
		"definition": {
			"steps": [{"id": "call", "stepType": "HttpRequest", "inputs": {"url": "/relative", "method": "GET"}, "nextStepId": "gone"}]
		}
	}`))
	fmt.Println(err)
	if ve, ok := err.(*definition.ValidationError); ok {
		for _, fe := range ve.Errors {
			fmt.Printf("%s: %s\n", fe.Path, fe.Message)
		}
	}
	// Output:
	// definition.name: is required (and 2 more problems)
	// definition.name: is required
	// definition.steps[0].inputs.url: must be an absolute http or https URL
	// definition.steps[0].nextStepId: refers to unknown step "gone"
}
