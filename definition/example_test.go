package definition_test

import (
	"encoding/json"
	"fmt"
	"time"

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

// Every problem has a path, a stable code and a message.
func ExampleValidationError() {
	_, err := definition.Parse([]byte(`{
		"trigger": "inbound_sms",
		"definition": {"name": "typo", "steps": [
			{"id": "ask", "stepType": "Wait", "inputs": {"duration": "00:01:00"}, "nextStepId": "sendd"},
			{"id": "send", "stepType": "SMS", "inputs": {"subAccountId": "acme", "destination": "{{data.payload.source}}", "text": "{{uper(data.payload.body)}}"}}
		]}
	}`))
	if ve, ok := err.(*definition.ValidationError); ok {
		for _, fe := range ve.Errors {
			fmt.Printf("%s [%s]\n", fe.Path, fe.Code)
		}
	}
	// Output:
	// definition.steps[0].nextStepId [dangling_reference]
	// definition.steps[1] [unreachable_step]
	// definition.steps[1].inputs.text [unknown_function]
}

// ParseDuration reads 8x8's d.HH:mm:ss and bare days as well as Go and ISO 8601 durations.
func ExampleParseDuration() {
	for _, s := range []string{"1.6:30:15", "00:02:00", "2", "90s", "PT15M"} {
		d, err := definition.ParseDuration(s)
		fmt.Println(s, d, err)
	}
	// Output:
	// 1.6:30:15 30h30m15s <nil>
	// 00:02:00 2m0s <nil>
	// 2 48h0m0s <nil>
	// 90s 1m30s <nil>
	// PT15M 15m0s <nil>
}

// Functions describes every function expressions can call, as 8x8's GET steps/functions does.
func ExampleFunctions() {
	for _, f := range definition.Functions()[:4] {
		fmt.Printf("%s: %s\n", f.Name, f.Example)
	}
	// Output:
	// isCountryCode: isCountryCode('+6512345678', 'SG')
	// stringContains: stringContains('hello, world', 'WOR', true)
	// isTimeOfDayBetween: isTimeOfDayBetween('2020-10-15T14:40:15+07:00', '09:00:00', '18:00:00', 'Singapore Standard Time')
	// isDayOfWeek: isDayOfWeek('2021-05-25', 'Tuesday')
}

// Inside a workflow, now() and uuid() read the Env, so a replay sees the same values.
func ExampleEnv() {
	env := definition.Env{
		Data: map[string]any{"payload": map[string]any{"user": map[string]any{"msisdn": "+6512345678"}}},
		Now:  func() time.Time { return time.Date(2024, 5, 1, 1, 30, 0, 0, time.UTC) },
		UUID: func() string { return "0b9f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4" },
	}
	for _, s := range []string{
		"{{now()}}",
		"{{isTimeOfDayBetween(now(), '09:00:00', '18:00:00', 'Singapore Standard Time')}}",
		"{{isCountryCode(data.payload.user.msisdn, 'SG')}}",
		"{{formatDate(now(), 'dddd h:mm tt', 'Singapore Standard Time')}}",
		"{{uuid()}}",
	} {
		v, err := definition.RenderString(s, env)
		fmt.Println(v, err)
	}
	// Output:
	// 2024-05-01T01:30:00.000Z <nil>
	// true <nil>
	// true <nil>
	// Wednesday 9:30 AM <nil>
	// 0b9f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4 <nil>
}
