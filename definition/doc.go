// Package definition is Junction's workflow definition language: the JSON documents of the 8x8
// Automation API (a trigger, a status and a list of steps), their validation with a JSON path
// for every problem, and the {{ }} expressions that step inputs, outputs and routing conditions
// contain.
//
// The package imports only the standard library and github.com/expr-lang/expr, because it runs in
// two places: the gateway parses and validates definitions with Parse, and the interpreter
// workflow renders step inputs with Render inside deterministic Temporal workflow code.
//
// # Documents
//
// Parse accepts what 8x8 clients and the 8x8 Automation Builder export send: unknown fields are
// ignored, "subaccountId" is accepted for "subAccountId", step types match case-insensitively,
// and the empty values the UI emits ("nextStepId": null, "do": [], "inputs": {},
// "selectNextStep": {}) are fine. Validate reports every problem at once, each with a path such as
// definition.steps[1].inputs.url.
//
// Validate also checks the shape of the workflow: ids unique across the document (nested steps
// included), every nextStepId, selectNextStep key and onError target naming a step of the same
// list (a do block is a list of its own: steps cannot jump into or out of it), every step
// reachable from its list's first step, the inputs of each step type (a table of stepSpecs that
// also generates JSONSchema and the step reference of docs/definition.md), and every {{ }}
// expression compiled. Each problem carries a stable code (CodeRequired, CodeDanglingReference,
// CodeUnknownFunction, ...). Definitions are bounded: MaxSteps steps, do blocks MaxNesting deep.
//
// Step types: the 8x8 ones (SMS, ChatAppsMessage, HttpRequest, Wait, Branch, If, WaitForReply;
// VoiceMessage, WaitForDTMF and SendToConverse validate but IsSupportedStepType is false for
// them, so the interpreter fails them at run time), Junction's ForEach, Parallel and
// SetVariables, and connector actions "app.action" (IsConnectorAction), whose inputs will be
// checked against the action's schema once connectors exist. Junction's step fields connection,
// retry, timeout and onError and the document's conditions are validated too. ParseDuration reads
// every duration form (8x8's d.HH:mm:ss and bare days, Go durations, ISO 8601), so the
// interpreter runs exactly what validation accepted.
//
// # Templates
//
// A string containing "{{" is a template. Each {{ expr }} in it is evaluated against Env:
//
//   - "{{data.payload.user.msisdn}}": a string that is exactly one expression (spaces around it
//     allowed) yields the value with its own type: a number, a boolean, an object, nil.
//   - "umid: {{data.umid}}": text mixed with expressions yields a string; nil is formatted as "",
//     numbers as JavaScript prints them, objects and arrays as compact JSON.
//
// An expression ends at the first "}}" outside quotes and outside its own braces, so
// {{ {a: {b: 1}} }} works. In a template an unclosed "{{", a stray "}}" and an empty {{ }} are
// errors; a string without "{{" is literal text and may contain "}}". There is no escape for a
// literal "{{" inside a template; write {{'{{'}}.
//
// # Expressions
//
// The 8x8 documentation writes expressions in JavaScript. Junction evaluates them with expr
// (https://expr-lang.org), whose syntax covers what 8x8 definitions use, adjusted to behave like
// JavaScript where the two differ:
//
//   - Variables: data (the workflow context: the trigger payload plus values saved by outputs),
//     step (the current step's result, for outputs and selectNextStep), steps (results of
//     earlier steps by id), item and index (inside a ForEach body) and env (Env.Vars, the
//     definition's environment variables). Other names are compile errors, found when a
//     definition is created.
//   - Member access a.b, a['b'], a[0] is nil-safe: data.missing.deep is nil, not an error. An
//     index out of range is nil. .length gives the length of an array or string (in characters).
//   - null and undefined are nil. === and !== mean == and !=. Numbers compare by value whatever
//     their Go type (6500000000 == 6.5e9), but a string never equals a number.
//   - + concatenates when either operand is a string, formatting the other as interpolation does
//     (unlike JavaScript, nil becomes "" rather than "null"); otherwise it adds numbers.
//   - !, &&, ||, the conditional a ? b : c and the predicates of filter, all, any, etc. use
//     JavaScript truthiness (nil, false, 0, NaN and "" are false). a || b and a && b return an
//     operand, so data.name || 'there' gives a default.
//   - Method calls (data.name.toUpperCase()), assignments, function declarations and template
//     literals are not supported.
//
// Besides expr's operators (in, contains, startsWith, endsWith, matches, ??, ranges, let, pipes
// and predicates such as filter(data.items, #.price > 10)) and builtins (lower, upper, trim,
// split, len, abs, first, last, sum, sort, map, filter, fromJSON, ...), Junction defines the
// functions Functions lists, each with a description, parameters and an example (the gateway
// serves the list as 8x8's GET steps/functions):
//
//   - 8x8's helpers: isCountryCode (E.164 calling codes, with area codes for the +1 plan and
//     leading digits for the other shared codes), stringContains, isTimeOfDayBetween (ranges may
//     cross midnight) and isDayOfWeek, which take Windows time-zone ids (TimeZones, served as GET
//     steps/timezones) or IANA ids; uuid and now.
//   - strings: replace, substring, padStart, padEnd, join, repeat, string, urlEncode, xmlEscape;
//     numbers: toNumber, round, formatNumber; dates: formatDate, parseDate, addDuration,
//     dateDiff; JSON and arrays: toJSON, keys, values, toPairs, unique (uniq), concat, flatten;
//     defaults: default, coalesce.
//
// A call with the wrong number of arguments is a compile error. expr's date, timezone and now
// builtins are not available because they read the host's clock or time-zone database; now()
// and uuid() call Env.Now and Env.UUID instead, which inside a workflow are workflow.Now and a
// recorded side effect, so a replay computes the same values. now() returns an RFC 3339 string
// in UTC with milliseconds, as the date functions do, so that results stay JSON. Time zones come
// from Go's time-zone database, compiled in with time/tzdata so that hosts without one work (Go
// still prefers the host's database when there is one). keys, values and toPairs return their
// elements sorted by key, not in Go's random map order; toJSON returns compact JSON with sorted
// keys; string formats as interpolation does.
//
// # Limits
//
// Evaluation is pure and deterministic: no clock, no randomness, no I/O, and map keys are always
// visited in sorted order. It is also bounded, so a runaway expression fails with an error
// wrapping ErrLimit instead of hanging a workflow task or exhausting the worker's memory: an
// expression may be at most MaxExpressionLength bytes and MaxExpressionNodes syntax nodes, and one
// Render call may spend at most MaxEvalCost units of work, charged for loop iterations, values
// read, strings and arrays built, and the size of the result. Compiled expressions are cached.
package definition
