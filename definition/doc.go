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
// Only the HttpRequest step is supported so far. The other 8x8 step types (SMS, ChatAppsMessage,
// Wait, Branch, If, WaitForReply, VoiceMessage, WaitForDTMF, SendToConverse) are recognised and
// rejected as not supported yet.
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
//     step (the current step's result, for outputs and selectNextStep) and steps (results of
//     earlier steps by id). Other names are compile errors, found when a definition is created.
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
// and predicates such as filter(data.items, #.price > 10)) the functions are expr's builtins
// (https://expr-lang.org/docs/language-definition), including lower, upper, trim, split, len, abs,
// round, first, last, sort, sortBy, map, filter, toJSON and fromJSON, with these differences:
//
//   - now, date and timezone are not available: they read the clock or the host's time-zone
//     database, which would make a workflow's replay differ from its first run. Time will come
//     from the workflow.
//   - keys, values and toPairs return their elements sorted by key, not in Go's random map order.
//   - toJSON returns compact JSON with sorted keys; string formats as interpolation does.
//   - stringContains(source, value, ignoreCase) is provided as in 8x8. The other 8x8 helpers
//     (isCountryCode, isTimeOfDayBetween, isDayOfWeek, uuid) are not available yet.
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
