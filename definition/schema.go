package definition

import (
	"encoding/json"
	"fmt"
	"strings"
)

// SchemaID is the $id of the generated JSON Schema.
const SchemaID = "https://github.com/junction-run/junction/docs/definition.schema.json"

// JSONSchema returns a JSON Schema (draft 2020-12) of definition documents: the 8x8 fields, every
// built-in step type with its inputs, connector actions and Junction's extensions. It is
// generated from the same step specifications Validate uses; docs/definition.schema.json is its
// output (a test keeps the file current). The schema checks structure; what it cannot express
// (references between steps, reachability, expressions that compile, durations' ranges) only
// Validate checks.
func JSONSchema() []byte {
	b, err := json.MarshalIndent(schemaDocument(), "", "  ")
	if err != nil {
		panic(fmt.Sprintf("definition: marshalling the JSON Schema: %v", err)) // static data; cannot happen
	}
	return append(b, '\n')
}

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/$defs/" + name} }

// orTemplate allows a {{ }} template where a value of another type is expected: the template's
// value is only known at run time.
func orTemplate(s obj) obj { return obj{"anyOf": []any{s, ref("template")}} }

func nullable(types ...string) []any {
	out := make([]any, 0, len(types)+1)
	for _, t := range types {
		out = append(out, t)
	}
	return append(out, "null")
}

// caseInsensitive returns a regular expression matching s in any letter case.
func caseInsensitive(s string) string {
	var b strings.Builder
	for _, c := range s {
		lo, up := strings.ToLower(string(c)), strings.ToUpper(string(c))
		switch {
		case lo != up:
			b.WriteString("[" + up + lo + "]")
		case strings.ContainsRune(`\.+*?()|[]{}^$`, c):
			b.WriteString(`\` + string(c))
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func enumPattern(values []string) string {
	alts := make([]string, len(values))
	for i, v := range values {
		alts[i] = caseInsensitive(v)
	}
	return "^(?:" + strings.Join(alts, "|") + ")$"
}

// durationPattern matches the duration forms ParseDuration reads (loosely: ranges are
// Validate's to check).
const durationPattern = `^\s*(?:[-+]?\d+|-?(?:\d+\.)?\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?|[-+]?(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+|[-+]?[Pp](?:\d+(?:[.,]\d+)?[WwDd])*(?:[Tt](?:\d+(?:[.,]\d+)?[HhMmSs])+)?)\s*$`

func fieldSchema(f fieldSpec) obj {
	var s obj
	switch f.Kind {
	case kindString:
		s = obj{"type": "string"}
		if len(f.Enum) > 0 {
			s = orTemplate(obj{"type": "string", "pattern": enumPattern(f.Enum)})
		}
	case kindURL:
		s = obj{"type": "string", "format": "uri"}
	case kindTimestamp:
		s = obj{"type": "string", "format": "date-time"}
	case kindObject:
		s = orTemplate(obj{"type": "object"})
	case kindNumber, kindInteger:
		n := obj{"type": "number"}
		if f.Kind == kindInteger {
			n["type"] = "integer"
		}
		if f.Min != 0 || f.Max != 0 {
			n["minimum"], n["maximum"] = f.Min, f.Max
		}
		s = orTemplate(n)
	case kindBoolean:
		s = orTemplate(obj{"type": "boolean"})
	case kindDuration:
		s = ref("duration")
	case kindExpression:
		s = obj{"anyOf": []any{ref("template"), obj{"type": "boolean"}}}
	case kindArray:
		s = orTemplate(obj{"type": "array"})
	case kindItems:
		s = orTemplate(obj{"type": "array"})
	case kindStringMap:
		s = orTemplate(obj{"type": "object", "additionalProperties": obj{"type": "string"}})
	default:
		s = obj{}
	}
	if f.Description != "" {
		s["description"] = f.Description
	}
	if f.Default != nil {
		s["default"] = f.Default
	}
	return s
}

// stepTypeSchema is the schema a step of one built-in type must also satisfy.
func stepTypeSchema(spec *stepSpec) obj {
	s := obj{"description": spec.Summary}
	props := obj{}
	var required []any
	switch {
	case spec.AnyInputs:
		props["inputs"] = obj{
			"type": "object", "minProperties": 1,
			"propertyNames":        obj{"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
			"additionalProperties": true,
			"description":          "Each input name becomes data.<name>; values may be {{ }} expressions.",
		}
		required = append(required, "inputs")
	case len(spec.Inputs) > 0 || !spec.OpenInputs:
		in := obj{"type": nullable("object")}
		inProps := obj{}
		var inRequired []any
		for _, f := range spec.Inputs {
			inProps[f.Name] = fieldSchema(f)
			if f.Alias != "" {
				alias := fieldSchema(f)
				alias["description"] = "Alias of " + f.Name + "."
				inProps[f.Alias] = alias
			}
			if f.Required && !spec.Lenient {
				inRequired = append(inRequired, f.Name)
			}
		}
		in["properties"] = inProps
		if !spec.OpenInputs {
			in["additionalProperties"] = false
		}
		switch {
		case spec.Type == StepWait:
			in["type"] = "object"
			in["oneOf"] = []any{obj{"required": []any{"duration"}}, obj{"required": []any{"minutes"}}}
			required = append(required, "inputs")
		case len(inRequired) > 0:
			in["type"] = "object"
			in["required"] = inRequired
			required = append(required, "inputs")
		}
		props["inputs"] = in
	}
	if len(spec.Results) > 0 {
		var names []string
		for _, r := range spec.Results {
			names = append(names, "step."+r.Name)
		}
		props["outputs"] = obj{"description": "Results readable in outputs and selectNextStep: " + strings.Join(names, ", ") + "."}
	}
	if spec.NeedsSelect {
		props["selectNextStep"] = obj{"type": "object", "minProperties": 1}
		required = append(required, "selectNextStep")
	}
	block := obj{"type": "array", "minItems": 1, "items": ref("step")}
	switch spec.Do {
	case doNone:
		props["do"] = obj{"type": nullable("array"), "items": obj{"type": "array", "maxItems": 0},
			"description": "Only If, ForEach and Parallel steps have do blocks; other steps may carry an empty one."}
	case doBlocks:
		props["do"] = obj{"type": "array", "minItems": 1, "items": block, "description": "Blocks of steps run when the condition holds."}
		required = append(required, "do")
	case doBody:
		props["do"] = obj{"type": "array", "minItems": 1, "maxItems": 1, "items": block, "description": "One block: the loop body."}
		required = append(required, "do")
	case doBranches:
		props["do"] = obj{"type": "array", "minItems": 2, "items": block, "description": "Blocks run at once, one per branch."}
		required = append(required, "do")
	}
	if !spec.Connection {
		props["connection"] = false
	}
	if !spec.Connection && spec.Type != StepHTTPRequest {
		props["retry"] = false
		props["timeout"] = false
	}
	s["properties"] = props
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func schemaDocument() obj {
	defs := obj{
		"template": obj{
			"type": "string", "pattern": `\{\{`,
			"description": "Text holding {{ }} expressions over data, step, steps, item, index and env. A string that is exactly one expression yields the expression's value with its own type.",
		},
		"condition": obj{
			"type": "string", "pattern": `\{\{`,
			"description": "A {{ }} expression whose truthiness decides.",
		},
		"duration": obj{
			"description": "d.HH:mm:ss (1.06:30:15), a whole number of days (\"2\" or 2), a Go duration (90s, 1h30m) or ISO 8601 (PT15M).",
			"anyOf": []any{
				obj{"type": "string", "pattern": durationPattern},
				obj{"type": "number", "minimum": 0},
				ref("template"),
			},
		},
		"durationString": obj{
			"type": "string", "pattern": durationPattern,
			"description": "d.HH:mm:ss, a whole number of days, a Go duration (90s) or ISO 8601 (PT15M).",
		},
		"steps": obj{"type": "array", "items": ref("step")},
		"retryPolicy": obj{
			"type":                 "object",
			"description":          "Junction: the step's Temporal retry policy.",
			"additionalProperties": false,
			"properties": obj{
				"initialInterval":        obj{"$ref": "#/$defs/durationString", "description": "Wait before the first retry."},
				"backoffCoefficient":     obj{"type": "number", "minimum": 1, "description": "Factor by which the wait grows."},
				"maximumInterval":        obj{"$ref": "#/$defs/durationString", "description": "Longest wait between retries."},
				"maximumAttempts":        obj{"type": "integer", "minimum": 0, "description": "Attempts in all, the first included; 0 or absent keeps the default (15), and with expiration set and no maximumAttempts the expiration alone bounds them."},
				"expiration":             obj{"$ref": "#/$defs/durationString", "description": "Time budget across all attempts."},
				"nonRetryableErrorTypes": obj{"type": "array", "items": obj{"type": "string", "minLength": 1}, "description": "Error types that are not retried."},
			},
		},
		"onError": obj{
			"type":                 "object",
			"description":          "Junction: what a failure does once retries are spent.",
			"required":             []any{"action"},
			"additionalProperties": false,
			"properties": obj{
				"action":     obj{"type": "string", "pattern": enumPattern([]string{OnErrorFail, OnErrorContinue, OnErrorGoTo})},
				"nextStepId": obj{"type": "string", "description": "The step to go to (action goto only)."},
			},
			"if":   obj{"properties": obj{"action": obj{"pattern": "^" + caseInsensitive(OnErrorGoTo) + "$"}}},
			"then": obj{"required": []any{"nextStepId"}},
		},
	}

	typePatterns := []any{}
	var allOf []any
	for _, spec := range stepSpecs {
		pattern := "^" + caseInsensitive(spec.Type) + "$"
		typePatterns = append(typePatterns, obj{"type": "string", "pattern": pattern})
		name := "step" + spec.Type
		defs[name] = stepTypeSchema(spec)
		allOf = append(allOf, obj{
			"if":   obj{"properties": obj{"stepType": obj{"pattern": pattern}}, "required": []any{"stepType"}},
			"then": ref(name),
		})
	}
	connectorPattern := `^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`
	typePatterns = append(typePatterns, obj{"type": "string", "pattern": connectorPattern,
		"description": "Junction: a connector action, app.action in lower case, e.g. shopify.update_order. Its inputs are checked against the action's schema once connectors exist."})
	defs["step"] = obj{
		"type":     "object",
		"required": []any{"id", "stepType"},
		"properties": obj{
			"id":       obj{"type": "string", "minLength": 1, "description": "Unique across the whole definition, nested steps included."},
			"stepType": obj{"anyOf": typePatterns, "description": "A built-in step type (any letter case) or a connector action."},
			"inputs":   obj{"type": nullable("object"), "description": "The step's parameters; any string may hold {{ }} expressions."},
			"outputs": obj{"type": nullable("object"), "additionalProperties": true,
				"description": "data key -> value saved after the step ran, usually {{step.<result>}}."},
			"nextStepId": obj{"type": nullable("string"), "description": "The step to run next, in the same list; none ends the path."},
			"selectNextStep": obj{
				"type": nullable("object"), "additionalProperties": obj{"anyOf": []any{ref("condition"), obj{"type": "null"}}},
				"description": "step id -> condition; every step whose condition is true runs next; null marks the default. Not with nextStepId.",
			},
			"do":         obj{"type": nullable("array"), "items": ref("steps"), "description": "Nested blocks of steps (If, ForEach, Parallel)."},
			"connection": obj{"type": "string", "minLength": 1, "description": "Junction: the connection a connector action or 8x8 messaging step uses."},
			"retry":      ref("retryPolicy"),
			"timeout":    obj{"$ref": "#/$defs/durationString", "description": "Junction: bound on one attempt of the step."},
			"onError":    ref("onError"),
		},
		"allOf": allOf,
	}

	return obj{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         SchemaID,
		"title":       "Junction workflow definition",
		"description": "A definition as POST/PUT /definitions take it: 8x8 Automation API definitions plus Junction's extensions. Generated by definition.JSONSchema; see docs/definition.md.",
		"type":        "object",
		"required":    []any{"trigger", "definition"},
		"properties": obj{
			"subAccountId": obj{"type": nullable("string"), "description": "Only events of this subaccount start runs; none means any subaccount."},
			"subaccountId": obj{"type": nullable("string"), "description": "Spelling of subAccountId in 8x8's examples; accepted on input."},
			"trigger": obj{"type": "string", "anyOf": []any{
				obj{"enum": []any{TriggerInboundSMS, TriggerInboundChatApps, TriggerHTTPRequest}},
				obj{"pattern": `^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`, "description": "Junction: an app's trigger, such as shopify.orders_create."},
			}, "description": "The event that starts runs."},
			"triggerConnection": obj{"type": "string", "minLength": 1,
				"description": "Junction: the connection whose events start runs; required with an app trigger, refused otherwise."},
			"pollFrom": obj{"enum": []any{PollFromOldest, PollFromNow},
				"description": "Junction, polling triggers only: where the first poll starts, oldest (a backfill) or now; the trigger's default when absent."},
			"pollInterval": obj{"$ref": "#/$defs/durationString",
				"description": "Junction, polling triggers only: how often the trigger is polled, at least a minute; the trigger's default when absent."},
			"status": obj{"enum": []any{StatusEnabled, StatusDisabled, nil}, "default": StatusDisabled,
				"description": "enabled definitions start runs on their trigger; disabled ones are stored only."},
			"conditions": obj{"type": nullable("array"), "items": ref("condition"),
				"description": "Junction: expressions over the trigger's data; an event starts a run only when every one is true."},
			"apps": obj{"type": nullable("object"), "propertyNames": obj{"pattern": `^[a-z][a-z0-9_]*$`},
				"additionalProperties": obj{"type": "string", "pattern": semverPattern.String()},
				"description":          "Junction: connector id -> the version its steps and trigger use, e.g. {\"shopify\": \"1.0.0\"}. Apps not named get the latest stable version when the definition is saved."},
			"states": obj{"type": nullable("object"), "propertyNames": obj{"enum": []any{"account", "user", "conversation"}},
				"additionalProperties": obj{"type": "object", "additionalProperties": false, "properties": obj{
					"schema":    obj{"type": "object", "description": "The JSON schema the scope's values keep to."},
					"expiresIn": ref("durationString"),
				}},
				"description": "Junction: per state scope (account, user, conversation), the JSON schema its values keep to and how long a write keeps them."},
			"definition": obj{
				"type":     "object",
				"required": []any{"name", "steps"},
				"properties": obj{
					"name":    obj{"type": "string", "minLength": 1},
					"steps":   obj{"type": "array", "minItems": 1, "items": ref("step"), "description": "The first step is the entry point."},
					"id":      obj{"description": "Set by the server; ignored on input."},
					"version": obj{"description": "Set by the server; ignored on input."},
				},
			},
			"accountId":       obj{"description": "Set by the server; ignored on input."},
			"id":              obj{"description": "Set by the server; ignored on input."},
			"version":         obj{"description": "Set by the server; ignored on input."},
			"createdAt":       obj{"description": "Set by the server; ignored on input."},
			"appSubscription": obj{"description": "Set by the server: the state of the subscription Junction keeps at the app for the trigger; ignored on input."},
		},
		"$defs": defs,
	}
}
